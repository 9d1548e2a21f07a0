"""The enterprise credit record (信用档案): the nightly refresh, reading it, and the enterprise's answers."""
from wastechain.services.credit.record import credit_record, reply_to_credit_event, score, visible_organization
from wastechain.services.credit.refresh import refresh_credit

__all__ = ["credit_record", "refresh_credit", "reply_to_credit_event", "score", "visible_organization"]
