"""The paper-entry service: up to 10 working days late through the one step service, the scan stored once by its
hash, the entry written in the step's own transaction; a refusal writes neither the event nor the entry."""
import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.factories import user_named
from wastechain.domain.errors import DomainError
from wastechain.domain.paper import check_paper_occurred_at, scan_type
from wastechain.domain.timeutil import CHINA
from wastechain.models import ManifestEvent, PaperEntry
from wastechain.services.manifests import StepRequest, paper

JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 64
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=CHINA)  # a Monday: 10 working days back is Monday 16 November


@pytest.fixture
def issued(api, world, batch):
    return api.issue(world, batch, "100").json["id"]


def _count(session, model) -> int:
    count = session.scalar(select(func.count()).select_from(model))
    session.commit()
    return count


def _enter(session, manifest_id, tmp_path, *, when, scan=JPEG, username="driver", key="paper-1"):
    now = datetime.now(timezone.utc)
    return paper.enter_paper_step(session, actor=user_named(session, username), manifest_id=manifest_id,
                                  request=StepRequest(type="pickup", idempotency_key=key, occurred_at=when(now),
                                                      quantity_kg="100"),
                                  scan=scan, scan_dir=tmp_path / "scans", now=now)


def test_ten_working_days_counted_from_the_paper_s_china_day():
    assert check_paper_occurred_at(datetime(2026, 11, 16, 9, 0, tzinfo=CHINA), MONDAY)
    with pytest.raises(DomainError):
        check_paper_occurred_at(datetime(2026, 11, 13, 23, 0, tzinfo=CHINA), MONDAY)  # the Friday before
    with pytest.raises(DomainError):
        check_paper_occurred_at(None, MONDAY)
    with pytest.raises(DomainError):
        check_paper_occurred_at(MONDAY + timedelta(hours=1), MONDAY)


@pytest.mark.parametrize("data, kind", [(JPEG, "image/jpeg"), (b"\x89PNG\r\n\x1a\n...", "image/png"),
                                        (b"%PDF-1.7 ...", "application/pdf")])
def test_a_scan_is_recognized_by_its_first_bytes(data, kind):
    assert scan_type(data)[0] == kind


@pytest.mark.parametrize("data", [b"", b"GIF89a...", b"<svg onload=alert(1)>", b"\xff\xd8" + b"\x00" * 3_000_000])
def test_other_files_are_refused(data):
    with pytest.raises(DomainError) as refused:
        scan_type(data)
    assert refused.value.code == "VALIDATION_ERROR"


def test_an_entry_writes_the_event_the_entry_and_the_scan_once(session, issued, tmp_path):
    result = _enter(session, issued, tmp_path, when=lambda now: now - timedelta(days=8))
    digest = hashlib.sha256(JPEG).hexdigest()
    assert result.event.data["paper_scan"] == digest and result.manifest.status == "in_transit"
    entry = session.scalars(select(PaperEntry)).one()
    assert (entry.event_id, entry.scan_type, entry.scan_size) == (result.event.id, "image/jpeg", len(JPEG))
    assert paper.scan_path(tmp_path / "scans", entry).read_bytes() == JPEG
    assert [p.name for p in (tmp_path / "scans").rglob("*") if p.is_file()] == [f"{digest}.jpg"]
    session.commit()


def test_a_refused_step_writes_no_event_and_no_entry(session, issued, tmp_path):
    events = _count(session, ManifestEvent)
    for kwargs in ({"when": lambda now: now - timedelta(days=30)}, {"when": lambda now: now - timedelta(days=2),
                                                                     "username": "receiver"}):
        with pytest.raises(DomainError):
            _enter(session, issued, tmp_path, **kwargs)
        session.rollback()
    assert _count(session, ManifestEvent) == events and _count(session, PaperEntry) == 0


def test_a_retried_entry_records_one_step(session, issued, tmp_path):
    first = _enter(session, issued, tmp_path, when=lambda now: now - timedelta(days=8))
    again = _enter(session, issued, tmp_path, when=lambda now: now - timedelta(days=8))
    assert again.created is False and again.event.id == first.event.id
    assert _count(session, PaperEntry) == 1
