"""Paper manifests entered afterwards (补录): how late a paper step may be entered, and what scan is accepted.

When the system was down, the parties fill in the paper manifest and enter its steps afterwards, with a photo or
scan of the signed paper form; the regulator of the jurisdiction checks each entry."""
from datetime import datetime

from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_
from wastechain.domain.timeutil import MAX_FUTURE, add_working_days, local_date

PAPER_WORKING_DAYS = 10  # a paper step is entered at most this many working days after it happened
PAPER_STEPS = ("pickup", "deliver", "receive", "dispose")
MAX_SCAN_BYTES = 2 * 1024 * 1024 - 64 * 1024  # within the request limit (MAX_CONTENT_LENGTH, 2 MB) with the form
SCAN_TYPES = {  # the file's first bytes → (content type, file suffix); what the client says is not trusted
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"%PDF-": ("application/pdf", ".pdf"),
}


def check_paper_occurred_at(occurred_at: datetime | None, now: datetime) -> datetime:
    """The time written on the paper form: required, with its offset, not ahead of the server, and at most
    PAPER_WORKING_DAYS working days before today (China days)."""
    if occurred_at is None:
        raise ValidationFailed(N_("补录必须填写纸质联单上的发生时间"), details={"occurred_at": "required"})
    if occurred_at.tzinfo is None:
        raise ValidationFailed(N_("发生时间必须带时区，例如 2026-11-23T08:30:00+08:00"), details={"occurred_at": "no offset"})
    if occurred_at > now + MAX_FUTURE:
        raise ValidationFailed(N_("发生时间晚于服务器时间超过 5 分钟"), details={"occurred_at": "in the future"})
    if add_working_days(local_date(occurred_at), PAPER_WORKING_DAYS) < local_date(now):
        raise ValidationFailed(N_("纸质联单须在发生后 {days} 个工作日内补录，已超过期限"),
                               params={"days": PAPER_WORKING_DAYS},
                               details={"occurred_at": f"older than {PAPER_WORKING_DAYS} working days"})
    return occurred_at


def scan_type(data: bytes) -> tuple[str, str]:
    """(content type, suffix) of a scan of the paper form, or ValidationFailed: a JPEG, PNG or PDF, small enough."""
    if not data:
        raise ValidationFailed(N_("请上传纸质联单的照片或扫描件"), details={"scan": "required"})
    if len(data) > MAX_SCAN_BYTES:
        raise ValidationFailed(N_("纸质联单扫描件不能超过 1.9 MB，请压缩照片后重试"), details={"scan": "too large", "bytes": len(data)})
    for magic, kind in SCAN_TYPES.items():
        if data.startswith(magic):
            return kind
    raise ValidationFailed(N_("纸质联单扫描件须为 JPEG、PNG 照片或 PDF 文件"), details={"scan": "type"})
