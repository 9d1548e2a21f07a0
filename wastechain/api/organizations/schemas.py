import marshmallow as ma

from wastechain.api.common import REGION_CODE, WASTE_CODE_OR_CATEGORY, Day, Kg, PageArgs, Text, Time
from wastechain.domain.credit_code import CHARSET
from wastechain.services.accounts.parties import METHOD_PATTERN, ORG_ROLES, PERMIT_KINDS, SITE_KINDS

CREDIT_CODE = rf"^[{CHARSET}]{{2}}[0-9]{{6}}[{CHARSET}]{{10}}$"


class OrganizationIn(ma.Schema):
    name = Text(required=True, min_length=2)
    credit_code = ma.fields.String(required=True, metadata={
        "pattern": CREDIT_CODE, "description": "统一社会信用代码: 18 characters, the last two check characters"})
    region_code = ma.fields.String(required=True, metadata={"pattern": REGION_CODE})
    roles = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(ORG_ROLES)), required=True,
                           validate=ma.validate.Length(min=1))


class SiteIn(ma.Schema):
    name = Text(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(SITE_KINDS))
    region_code = ma.fields.String(required=True, metadata={"pattern": REGION_CODE})
    address = Text(load_default="", min_length=0, max_length=300)
    lat = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(-90, 90))
    lon = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(-180, 180))
    capacity_kg = Kg(load_default=None, allow_none=True)


class SiteOut(ma.Schema):
    id = ma.fields.Integer()
    organization_id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()
    region_code = ma.fields.String()
    address = ma.fields.String()
    lat = ma.fields.Float(allow_none=True)
    lon = ma.fields.Float(allow_none=True)
    capacity_kg = Kg(allow_none=True)


class OrganizationOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    credit_code = ma.fields.String()
    region_code = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    sites = ma.fields.List(ma.fields.Nested(SiteOut))
    created_at = Time()


class OrganizationArgs(PageArgs):
    role = ma.fields.String(load_default=None, validate=ma.validate.OneOf(ORG_ROLES))
    region = Text(load_default=None, min_length=0, max_length=12)
    q = Text(load_default=None, min_length=0, max_length=100)


class PermitIn(ma.Schema):
    number = Text(required=True, max_length=64)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(PERMIT_KINDS))
    valid_from = Day(required=True)
    valid_to = Day(required=True)
    waste_codes = ma.fields.List(ma.fields.String(metadata={"pattern": WASTE_CODE_OR_CATEGORY}), load_default=list)
    methods = ma.fields.List(ma.fields.String(metadata={"pattern": METHOD_PATTERN.pattern}), load_default=list)
    annual_capacity_kg = Kg(load_default=None, allow_none=True)


class PermitOut(PermitIn):
    id = ma.fields.Integer()
    organization_id = ma.fields.Integer()


class VehicleIn(ma.Schema):
    plate = Text(required=True, max_length=16)
    max_load_kg = Kg(load_default=None, allow_none=True)


class VehicleOut(VehicleIn):
    id = ma.fields.Integer()
    organization_id = ma.fields.Integer()
