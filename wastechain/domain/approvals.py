"""跨区域转移审批: the written exception to 危险废物不出市、一般固体废物不出县 (SPEC.md "Rules" 1), its state and limits."""
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_


class ApprovalState(StrEnum):
    ACTIVE = "active"
    NOT_YET = "not_yet"  # its period has not begun
    EXHAUSTED = "exhausted"  # its whole quantity is used by live manifests
    EXPIRED = "expired"
    REVOKED = "revoked"


STATE_NAMES = {ApprovalState.ACTIVE: N_("有效"), ApprovalState.NOT_YET: N_("未到期始"),
               ApprovalState.EXHAUSTED: N_("额度已用完"), ApprovalState.EXPIRED: N_("已过期"),
               ApprovalState.REVOKED: N_("已撤销")}


def approval_state(*, revoked: bool, valid_from: date, valid_to: date, remaining_kg: Decimal,
                   today: date) -> ApprovalState:
    """What an approval allows today: only an active one lets a new manifest cross the boundary."""
    if revoked:
        return ApprovalState.REVOKED
    if today > valid_to:
        return ApprovalState.EXPIRED
    if remaining_kg <= 0:
        return ApprovalState.EXHAUSTED
    if today < valid_from:
        return ApprovalState.NOT_YET
    return ApprovalState.ACTIVE


def check_validity(valid_from: date, valid_to: date, *, max_days: int) -> None:
    """The period of an approval: it ends on or after its start and covers at most `max_days` days (both ends
    counted; APPROVAL_MAX_VALIDITY_DAYS, default 365: an exception is re-examined at least once a year)."""
    if valid_to < valid_from:
        raise ValidationFailed(N_("有效期结束日期早于开始日期"), details={"valid_to": "before valid_from"})
    days = (valid_to - valid_from).days + 1
    if days > max_days:
        latest = valid_from + timedelta(days=max_days - 1)
        raise ValidationFailed(N_("审批有效期最长 {max_days} 天：{valid_from} 至 {valid_to} 共 {days} 天，最晚只能到 {latest}"),
                               params={"max_days": max_days, "valid_from": valid_from.isoformat(),
                                       "valid_to": valid_to.isoformat(), "days": days, "latest": latest.isoformat()},
                               details={"valid_to": f"at most {max_days} days from valid_from",
                                        "latest_valid_to": latest.isoformat(), "max_days": max_days})
