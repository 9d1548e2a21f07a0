import marshmallow as ma

from wastechain.api.common import Time


class TokenRequest(ma.Schema):
    username = ma.fields.String(required=True)
    password = ma.fields.String(required=True)


class UserOut(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    role = ma.fields.String()
    organization_id = ma.fields.Integer(allow_none=True)
    region_code = ma.fields.String(allow_none=True)


class TokenOut(ma.Schema):
    token = ma.fields.String()
    expires_at = Time()
    user = ma.fields.Nested(UserOut)
