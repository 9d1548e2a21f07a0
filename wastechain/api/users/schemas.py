import marshmallow as ma

from wastechain.api.common import REGION_CODE, password
from wastechain.services.accounts.auth import ROLES

USERNAME = ma.validate.Regexp(r"^[A-Za-z0-9_.\-]{3,64}$", error="3-64 位字母、数字、_ . -")


def display_name_field():
    return ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=64),
                            metadata={"description": "the person's name (王建国), shown beside their work"})


class UserIn(ma.Schema):
    username = ma.fields.String(required=True, validate=USERNAME)
    password = password()
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    organization_id = ma.fields.Integer(load_default=None, allow_none=True)
    region_code = ma.fields.String(load_default=None, allow_none=True, metadata={"pattern": REGION_CODE})
    org_admin = ma.fields.Boolean(load_default=False,
                                  metadata={"description": "the enterprise's own administrator"})
    display_name = display_name_field()


class RevokedOut(ma.Schema):
    user_id = ma.fields.Integer()
    revoked_tokens = ma.fields.Integer(metadata={"description": "bearer tokens revoked"})
    revoked_logins = ma.fields.Integer(metadata={"description": "page logins (sessions, remember-me) ended"})


class CompanyUserIn(ma.Schema):
    """An enterprise admin adds a colleague (the company page's form reads this schema too)."""

    username = ma.fields.String(required=True, validate=USERNAME)
    password = password()
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    org_admin = ma.fields.Boolean(load_default=False)
    display_name = display_name_field()


class ResetPasswordIn(ma.Schema):
    password = password()


class CompanyUserArgs(ma.Schema):
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    role = ma.fields.String(load_default=None, validate=ma.validate.OneOf(ROLES))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


class OrgAdminIn(ma.Schema):
    org_admin = ma.fields.Boolean(required=True)
