"""The batch services without HTTP: an import registers all rows or none, the storage clock warns before the limit,
the catalog search puts codes that start with what was typed first, and labels are drawn once per content."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.factories import row_count, user_named
from wastechain.domain.anomalies import Thresholds
from wastechain.domain.batchinfo import StorageState, storage_time
from wastechain.domain.errors import ValidationFailed
from wastechain.models import Batch
from wastechain.services import catalog
from wastechain.services.rendering import labels
from wastechain.services.storage import batches

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)


def _row(site_id: int, code: str = "900-041-49", kg: str = "10") -> dict:
    return {"site_id": site_id, "waste_code": code, "quantity_kg": Decimal(kg), "generated_at": NOW - timedelta(hours=1)}


def test_an_import_with_one_refused_row_registers_nothing_and_names_the_row(session, world):
    producer = user_named(session, "producer")
    rows = [(2, _row(world.producer_site.id)), (3, _row(world.producer_site.id, code="999-999-99")),
            (4, _row(world.other_site.id))]
    with pytest.raises(batches.ImportRefused) as refused:
        batches.import_batches(session, actor=producer, rows=rows, now=NOW)
    assert [(p.row, p.field) for p in refused.value.problems] == [(3, "waste_code"), (4, "site_id")]
    assert refused.value.details["rows"][0] == {"row": 3, "column": "waste_code",
                                                "message": "废物代码不在名录中：999-999-99"}
    assert row_count(session, Batch) == 0


def test_an_import_of_good_rows_numbers_them_in_order(session, world):
    producer = user_named(session, "producer")
    made = batches.import_batches(session, actor=producer, rows=[(2, _row(world.producer_site.id)),
                                                                 (3, _row(world.producer_site.id))], now=NOW)
    assert [b.unit_code[-3:] for b in made] == ["001", "002"] and row_count(session, Batch) == 2


def test_an_empty_import_is_refused(session, world):
    with pytest.raises(ValidationFailed):
        batches.import_batches(session, actor=user_named(session, "producer"), rows=[], now=NOW)


def test_the_storage_clock_warns_at_four_fifths_of_the_limit():
    limit = timedelta(days=365)
    assert storage_time(NOW - timedelta(days=291), NOW, limit).state == StorageState.OK
    assert storage_time(NOW - timedelta(days=292), NOW, limit).state == StorageState.DUE_SOON
    assert storage_time(NOW - timedelta(days=366), NOW, limit).state == StorageState.OVERDUE
    assert storage_time(NOW - timedelta(days=366), NOW, limit, empty=True).state == StorageState.OK
    assert storage_time(NOW - timedelta(days=900), NOW, None).state == StorageState.NO_LIMIT
    medical = storage_time(NOW - timedelta(hours=40), NOW, timedelta(hours=48))
    assert medical.in_hours and medical.hours == 40 and medical.state == StorageState.DUE_SOON


def test_time_in_storage_follows_the_configured_limits(session, world):
    producer = user_named(session, "producer")
    batch = batches.register_batch(session, actor=producer, now=NOW, **_row(world.producer_site.id))
    found = batches.time_in_storage(batch, now=NOW + timedelta(days=20),
                                    thresholds=Thresholds(storage_limit_days_hazardous=21))
    assert found.limit_days == 21 and found.state == StorageState.DUE_SOON


def test_codes_starting_with_what_was_typed_come_first(session):
    found = catalog.search_waste_codes(session, q="900-0", per_page=5).items
    assert all(c.code.startswith("900-0") for c in found)
    by_category = catalog.search_waste_codes(session, q="HW49", per_page=50)
    assert by_category.total > 5 and all(c.category == "HW49" for c in by_category.items)


def test_a_label_is_drawn_once_per_content_and_its_etag_follows_the_content():
    labels.clear_cache()
    content = labels.LabelContent(title="危险废物", rows=(("废物名称", "废矿物油"),), unit_code="X" * 37,
                                  qr_url="http://example.test/s/abc", hazards=("T", "I"))
    first, _ = labels.render(content, "png")
    assert labels.render(content, "png")[0] is first  # the cached body, not a second drawing
    changed = labels.LabelContent(**{**content.__dict__, "rows": (("废物名称", "废乳化液"),)})
    assert labels.etag_of([content], "png") == labels.etag_of([content], "png")
    assert labels.etag_of([content], "png") != labels.etag_of([changed], "png")
    assert labels.etag_of([content], "png") != labels.etag_of([content], "pdf")
