import marshmallow as ma

from wastechain.api.common import NO_NUL, Id, Text, Time, password


class TokenRequest(ma.Schema):
    username = ma.fields.String(required=True, metadata={"pattern": NO_NUL})
    password = ma.fields.String(required=True, metadata={"pattern": NO_NUL})


class UserOut(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    display_name = ma.fields.String(allow_none=True, metadata={"description": "the person's name, if given"})
    role = ma.fields.String()
    organization_id = ma.fields.Integer(allow_none=True)
    region_code = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean()
    org_admin = ma.fields.Boolean(metadata={"description": "the enterprise's own administrator"})
    pending_confirmation = ma.fields.Boolean(
        metadata={"description": "created by a regulator; cannot act until the enterprise's admin confirms it"})


class TokenOut(ma.Schema):
    token = ma.fields.String()
    expires_at = Time()
    user = ma.fields.Nested(UserOut)


class PasswordIn(ma.Schema):
    """The page's password form and POST /auth/password read this one schema."""

    current_password = password(min_length=0)
    new_password = password()


class PasswordChangedOut(ma.Schema):
    revoked_tokens = ma.fields.Integer(metadata={"description": "bearer tokens of the user revoked"})
    revoked_logins = ma.fields.Integer(metadata={"description": "other page logins of the user ended"})


class KeyIn(ma.Schema):
    """A new API key: a name saying what uses it, and the company user it acts as (default: the admin)."""

    name = Text(required=True, max_length=100)
    user_id = Id(load_default=None, allow_none=True)


class KeyOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    prefix = ma.fields.String(metadata={"description": "the key's first characters, to recognise it"})
    user_id = ma.fields.Integer()
    username = ma.fields.String(attribute="user.username")
    created_at = Time()
    last_used_at = Time(allow_none=True)
    revoked_at = Time(allow_none=True)


class KeyCreatedOut(KeyOut):
    key = ma.fields.String(metadata={"description": "the key itself: shown this once, only its hash is kept"})
