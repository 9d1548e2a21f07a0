import marshmallow as ma

from wastechain.services.accounts.auth import ROLES


class UserIn(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[A-Za-z0-9_.\-]{3,64}$",
                                                                            error="3-64 位字母、数字、_ . -"))
    password = ma.fields.String(required=True, load_only=True)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    organization_id = ma.fields.Integer(load_default=None, allow_none=True)
    region_code = ma.fields.String(load_default=None, allow_none=True)


class RevokedOut(ma.Schema):
    user_id = ma.fields.Integer()
    revoked_tokens = ma.fields.Integer(metadata={"description": "bearer tokens revoked"})
    revoked_logins = ma.fields.Integer(metadata={"description": "page logins (sessions, remember-me) ended"})
