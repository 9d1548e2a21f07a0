import marshmallow as ma

from wastechain.api.common import WASTE_CODE_OR_CATEGORY, Day, Id, Kg, PageArgs, Text, Time, now
from wastechain.domain.approvals import ApprovalState, approval_state
from wastechain.domain.timeutil import local_date


class ApprovalIn(ma.Schema):
    producer_id = Id(required=True)
    waste_codes = ma.fields.List(ma.fields.String(metadata={"pattern": WASTE_CODE_OR_CATEGORY}), required=True,
                                 validate=ma.validate.Length(min=1))
    destination_site_id = Id(required=True)
    max_quantity_kg = Kg(required=True)
    valid_from = Day(required=True)
    valid_to = Day(required=True)


def state_of(approval) -> str:
    """What the approval allows today (China's day): active, not_yet, exhausted, expired or revoked."""
    return approval_state(revoked=approval.revoked_at is not None, valid_from=approval.valid_from,
                          valid_to=approval.valid_to, remaining_kg=approval.remaining_kg,
                          today=local_date(now())).value


class ApprovalOut(ApprovalIn):
    id = ma.fields.Integer()
    reserved_kg = Kg()
    used_kg = Kg(metadata={"description": "kg of the live manifests issued under it (cancelled ones given back)"})
    remaining_kg = Kg()
    state = ma.fields.Function(state_of, metadata={"description": " | ".join(ApprovalState)})
    granted_by_id = ma.fields.Integer()
    granting_region_code = ma.fields.String(allow_none=True)
    created_at = Time()
    revoked_at = Time(allow_none=True)
    revoked_by_id = ma.fields.Integer(allow_none=True)
    revoke_reason = ma.fields.String(allow_none=True)


class ApprovalManifestOut(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.String()
    total_kg = Kg()
    issued_at = Time()


class ApprovalDetailOut(ApprovalOut):
    manifests = ma.fields.List(ma.fields.Nested(ApprovalManifestOut),
                               metadata={"description": "the manifests issued under it that the user may see"})


class ApprovalArgs(PageArgs):
    state = ma.fields.String(load_default=None, validate=ma.validate.OneOf([s.value for s in ApprovalState]))
    q = Text(load_default=None, max_length=100, metadata={"description": "the producer's name or credit code"})


class RevokeIn(ma.Schema):
    reason = Text(required=True, max_length=500, multiline=True)
