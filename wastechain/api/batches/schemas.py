import marshmallow as ma

from wastechain.api.common import Day, Id, Kg, PageArgs, Text, Time, db, now, qr_url_for, settings
from wastechain.domain.batchinfo import WasteForm
from wastechain.domain.vocabulary import BatchStatus, values
from wastechain.services.catalog.editions import batch_edition
from wastechain.services.storage.batches import time_in_storage

PHONE = r"^[0-9+\-() ]{5,30}$"


class BatchIn(ma.Schema):
    """A batch to register: the API's body, the page's form and each row of an XLSX import (one schema)."""

    site_id = Id(required=True)
    waste_code = Text(required=True, max_length=16)
    quantity_kg = Kg(required=True)
    generated_at = Time(required=True)
    container_count = ma.fields.Integer(load_default=None, allow_none=True,
                                        validate=ma.validate.Range(min=1, error="必须是正整数"))
    # HJ 1276-2022 label fields
    waste_form = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.OneOf(
        values(WasteForm), error="必须是以下之一：{choices}"), metadata={"description": "废物形态"})
    main_components = Text(load_default="", min_length=0, max_length=200, metadata={"description": "主要成分"})
    hazardous_components = Text(load_default="", min_length=0, max_length=200, metadata={"description": "有害成分"})
    precautions = Text(load_default="", min_length=0, max_length=200, multiline=True,
                       metadata={"description": "注意事项"})
    contact_name = Text(load_default="", min_length=0, max_length=50, metadata={"description": "联系人"})
    contact_phone = ma.fields.String(load_default="", validate=ma.validate.Regexp(
        PHONE, error="应为 5–30 位数字（可含 + - 空格 括号）"), metadata={"description": "联系电话"})


class StorageOut(ma.Schema):
    days = ma.fields.Integer()
    hours = ma.fields.Integer()
    limit_days = ma.fields.Integer(allow_none=True)
    limit_hours = ma.fields.Integer(allow_none=True)
    due_at = Time(allow_none=True)
    state = ma.fields.String(metadata={"description": "no_limit | ok | due_soon | overdue"})


def _edition(batch, field: str):
    edition = batch_edition(db(), batch)
    return getattr(edition, field) if edition else None


class BatchOut(ma.Schema):
    id = ma.fields.Integer()
    unit_code = ma.fields.String()
    organization_id = ma.fields.Integer()
    site_id = ma.fields.Integer()
    site_name = ma.fields.String(attribute="site.name")
    waste_code = ma.fields.String()
    waste_name = ma.fields.String(attribute="waste.name")
    category = ma.fields.String(attribute="waste.category")
    hazard = ma.fields.String(attribute="waste.hazard")
    stream = ma.fields.String(attribute="waste.stream")
    edition = ma.fields.Function(lambda batch: _edition(batch, "name"), allow_none=True, metadata={
        "description": "the catalog edition of the code (2021): recorded at registration, else the one in force on "
                       "the day it was produced"})
    code_verified = ma.fields.Function(lambda batch: _edition(batch, "verified"), allow_none=True, metadata={
        "description": "false for a provisional class (general solid waste) not checked against an official table"})
    quantity_kg = Kg()
    remaining_kg = Kg()
    status = ma.fields.String()
    refused_from_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "refused on this manifest: in the carrier's custody until a return or redirect manifest "
                       "takes it on"})
    generated_at = Time()
    container_count = ma.fields.Integer(allow_none=True)
    waste_form = ma.fields.String()
    main_components = ma.fields.String()
    hazardous_components = ma.fields.String()
    precautions = ma.fields.String()
    contact_name = ma.fields.String()
    contact_phone = ma.fields.String()
    created_at = Time()
    storage = ma.fields.Function(lambda batch: StorageOut().dump(time_in_storage(
        batch, now=now(), thresholds=settings().thresholds)), metadata={"description": "time in storage vs. the legal limit"})
    qr_url = ma.fields.Function(lambda batch: qr_url_for("batch", batch.id))


class BatchArgs(PageArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(values(BatchStatus)))
    site_id = Id(load_default=None)
    q = Text(load_default=None, min_length=0, max_length=100, metadata={"description": "unit code, waste code or name"})
    waste_code = Text(load_default=None, min_length=0, max_length=16)
    date_from = Day(load_default=None, data_key="from")
    date_to = Day(load_default=None, data_key="to")
