"""Storage time limits (贮存期限) per stream.

《固体废物污染环境防治法》§81: hazardous waste may be stored at most one year; 《医疗废物管理条例》§17: medical
waste temporary storage at most 2 days (48 hours). Both are configuration (STORAGE_LIMIT_DAYS_HAZARDOUS,
STORAGE_LIMIT_HOURS_MEDICAL); the other streams have no statutory limit here.
"""
from datetime import datetime, timedelta
from decimal import Decimal

from wastechain.domain.streams import Stream
from wastechain.domain.vocabulary import BatchStatus


def storage_limit(stream: str, *, hazardous_days: int, medical_hours: int) -> timedelta | None:
    if stream == Stream.MEDICAL:
        return timedelta(hours=medical_hours)
    if stream == Stream.HAZARDOUS:
        return timedelta(days=hazardous_days)
    return None


def storage_overdue(stored_since: datetime, now: datetime, limit: timedelta | None) -> bool:
    return limit is not None and now - stored_since > limit


def batch_status(quantity_kg: Decimal, remaining_kg: Decimal) -> BatchStatus:
    """A batch is stored until some of it is on a manifest, and shipped when none of it is left."""
    if remaining_kg == quantity_kg:
        return BatchStatus.STORED
    return BatchStatus.SHIPPED if remaining_kg == 0 else BatchStatus.PARTIALLY_SHIPPED
