import marshmallow as ma

from wastechain.api.common import PageArgs, Text
from wastechain.domain.streams import Stream


class RegionArgs(ma.Schema):
    parent = ma.fields.String(load_default=None)


class RegionOut(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    level = ma.fields.String()
    parent_code = ma.fields.String(allow_none=True)


class WasteCodeArgs(PageArgs):
    q = Text(load_default=None, min_length=0, max_length=100)
    stream = ma.fields.String(load_default=None, validate=ma.validate.OneOf([s.value for s in Stream]))
    category = ma.fields.String(load_default=None)
    on = ma.fields.Date(load_default=None, metadata={"description": "the codes in force on this day (default: the "
                                                                     "newest loaded edition of each catalog)"})


class WasteCodeOut(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    category = ma.fields.String()
    category_name = ma.fields.String()
    stream = ma.fields.String()
    hazard = ma.fields.String()
    edition = ma.fields.String(attribute="edition.name", metadata={"description": "the edition listing the code"})
    edition_title = ma.fields.String(attribute="edition.title")
    effective_from = ma.fields.Date(attribute="edition.effective_from")
    effective_to = ma.fields.Date(attribute="edition.effective_to", allow_none=True)
    verified = ma.fields.Boolean(attribute="edition.verified",
                                 metadata={"description": "false: a provisional table, not checked against the official text"})
