"""Catalog editions (issue 12): a synthetic edition 2099 imported over the shipped 2021 list — its exact difference,
its refused rows, its atomic and idempotent application — and what it means for new and old batches."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import catalog_editions as e2099
from tests.factories import make_org, make_permit, make_site
from wastechain.catalog import seed_catalog
from wastechain.domain.anomalies import Thresholds
from wastechain.domain.errors import DomainError, ValidationFailed
from wastechain.models import (Anomaly, Batch, CatalogEdition, CatalogEntry, CatalogExemption, CatalogSuccession, User,
                               WasteCode)
from wastechain.services.anomalies.declarations import declaration_forms
from wastechain.services.catalog import editions, imports, search_waste_codes
from wastechain.services.lineage.trace import trace_batch
from wastechain.services.manifests.issue import LineRequest, check_manifest
from wastechain.services.reconciliation import run_reconciliation
from wastechain.services.storage.batches import register_batch
from wastechain.services.storage.ledger import ledger_totals, site_ledger

UTC = timezone.utc


def plan(session, rows=None, mapping=None, **options):
    return imports.plan_import(session, kind="hazardous", edition="2099", effective_from=e2099.EFFECTIVE,
                               rows=e2099.numbered(rows if rows is not None else e2099.edition_2099()),
                               mapping=e2099.numbered(mapping if mapping is not None else e2099.mapping_rows()),
                               **options)


def apply(session, rows=None, mapping=None):
    return imports.apply_import(session, actor=None, kind="hazardous", edition="2099", effective_from=e2099.EFFECTIVE,
                                rows=e2099.numbered(rows if rows is not None else e2099.edition_2099()),
                                mapping=e2099.numbered(mapping if mapping is not None else e2099.mapping_rows()))


def catalog_state(session) -> tuple:
    counts = tuple(session.scalar(select(func.count()).select_from(model)) for model in
                   (CatalogEdition, CatalogEntry, CatalogSuccession, CatalogExemption, WasteCode))
    editions_now = tuple(session.execute(select(CatalogEdition.kind, CatalogEdition.name, CatalogEdition.loaded,
                                                CatalogEdition.effective_to).order_by(CatalogEdition.id)).all())
    return counts, editions_now, session.scalar(select(WasteCode.name).where(WasteCode.code == e2099.RENAMED))


def producer(session) -> User:
    return session.scalar(select(User).where(User.username == "producer"))


def register(session, world, code: str, day: date, now: datetime | None = None) -> Batch:
    at = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
    return register_batch(session, actor=producer(session), site_id=world.producer_site.id, waste_code=code,
                          quantity_kg=Decimal("100"), generated_at=at, now=now or at)


def test_the_2099_edition_shows_exactly_what_it_changes(session):
    found = plan(session)
    assert found.ok and not found.applied and found.base.name == "2021"
    assert found.diff.added == [e2099.ADDED]
    assert found.diff.removed == [e2099.REMOVED]
    assert [c["code"] for c in found.diff.renamed] == [e2099.RENAMED]
    assert found.diff.renamed[0]["new"] == e2099.NEW_NAME
    assert found.diff.hazard_changed == [{"code": e2099.HAZARD_CHANGED, "old": "T,R", "new": "T"}]
    assert found.diff.category_changed == []
    assert found.diff.merged == [{"from": sorted([e2099.MERGED_INTO, e2099.MERGED_AWAY]), "to": e2099.MERGED_INTO}]
    assert found.diff.split == [{"from": e2099.SPLIT, "to": list(e2099.SPLIT_INTO)}]
    assert found.diff.replaced == []


def test_a_dry_run_writes_nothing(session):
    before = catalog_state(session)
    plan(session)
    session.rollback()
    assert catalog_state(session) == before


def test_bad_rows_are_refused_with_their_row_numbers_and_nothing_is_written(session):
    rows = e2099.edition_2099()
    rows[0] = {**rows[0], "code": "841-1-01"}  # row 2
    rows[1] = {**rows[1], "category": "HW08"}  # row 3: its code ends in 01
    rows[2] = {**rows[2], "hazard": "T;X"}  # row 4
    rows[3] = {**rows[3], "description": ""}  # row 5
    rows.append(dict(rows[10]))  # a duplicate of row 12
    mapping = e2099.mapping_rows() + [{"old_code": "999-999-99", "new_code": e2099.MERGED_INTO}]
    before = catalog_state(session)
    with pytest.raises(imports.CatalogImportRefused) as refused:
        apply(session, rows, mapping)
    problems = [(p["row"], p["column"], p["message"]) for p in refused.value.details["rows"]]
    last = len(rows) + 1
    assert problems == [
        (2, "code", "废物代码格式应为 NNN-NNN-NN：841-1-01"),
        (3, "category", f"废物代码 {rows[1]['code']} 的末两位与类别 HW08 不一致"),
        (4, "hazard", "危险特性应为 T、C、I、R、In 之一或用“,”“/”连接的组合：T;X"),
        (5, "description", "description 必填"),
        (5, "old_code", "映射文件：旧代码 999-999-99 不在现行版本中"),
        (last, "code", f"代码 {rows[10]['code']} 与第 12 行重复"),
    ]
    assert refused.value.code == "VALIDATION_ERROR"
    assert catalog_state(session) == before


def test_applying_the_edition_twice_changes_nothing_the_second_time(session):
    first = apply(session)
    after_first = catalog_state(session)
    second = apply(session)
    assert first.applied and not second.applied and second.unchanged
    assert catalog_state(session) == after_first
    assert seed_catalog(session) == {"regions": 0, "waste_codes": 0, "editions": 0}  # seeding keeps the import
    assert catalog_state(session) == after_first


def test_the_applied_edition_ends_the_editions_before_it(session):
    apply(session)
    rows = {(e.kind, e.name): e for e in editions.all_editions(session)}
    assert rows["hazardous", "2099"].loaded and rows["hazardous", "2099"].effective_to is None
    assert rows["hazardous", "2021"].effective_to == date(2024, 12, 31)
    assert rows["hazardous", "2025"].effective_to == date(2098, 12, 31) and not rows["hazardous", "2025"].loaded
    assert session.get(WasteCode, e2099.RENAMED).name == e2099.NEW_NAME  # the register reads the newest wording
    assert session.get(WasteCode, e2099.REMOVED) is not None  # and keeps the codes old records carry


def test_after_the_edition_a_removed_code_is_refused_for_new_batches_with_its_successor(session, world):
    apply(session)
    day = date(2099, 3, 1)
    with pytest.raises(ValidationFailed) as merged:
        register(session, world, e2099.MERGED_AWAY, day)
    assert merged.value.message == (f"废物代码 {e2099.MERGED_AWAY} 自 2099-01-01 起已由《国家危险废物名录（2099年版）》"
                                    f"调整为 {e2099.MERGED_INTO}，此后产生的批次请改用新代码")
    assert merged.value.details["successors"] == [e2099.MERGED_INTO]
    with pytest.raises(ValidationFailed) as split:
        register(session, world, e2099.SPLIT, day)
    assert split.value.details["successors"] == list(e2099.SPLIT_INTO)
    assert "、".join(e2099.SPLIT_INTO) in split.value.message
    with pytest.raises(ValidationFailed) as removed:
        register(session, world, e2099.REMOVED, day)
    assert "已从《国家危险废物名录（2099年版）》中删除" in removed.value.message
    assert removed.value.details["successors"] == []
    assert session.scalar(select(func.count()).select_from(Batch)) == 0


def test_a_new_code_is_in_force_only_from_its_edition(session, world):
    apply(session)
    batch = register(session, world, e2099.ADDED, date(2099, 1, 1))
    assert batch.code_edition_id == editions.code_edition(session, e2099.ADDED, date(2099, 1, 1)).id
    with pytest.raises(ValidationFailed) as early:
        register(session, world, e2099.ADDED, date(2098, 12, 31))
    assert early.value.details["waste_code"] == "not yet in force"


def test_an_old_batch_of_a_merged_code_still_traces_issues_reports_and_reconciles(session, world):
    old = register(session, world, e2099.MERGED_AWAY, date(2098, 6, 1))
    assert old.code_edition_id == editions.code_edition(session, e2099.MERGED_AWAY, date(2098, 6, 1)).id
    apply(session)
    new = register(session, world, e2099.MERGED_INTO, date(2099, 2, 1))
    user = producer(session)
    assert trace_batch(session, actor=user, batch_id=old.id)["waste_code"] == e2099.MERGED_AWAY
    evaluation = check_manifest(session, actor=user, lines=[LineRequest(old.id, Decimal("10"))],
                                receiver_site_id=world.receiver_site.id, transporter_id=world.transporter.id,
                                planned_pickup_at=datetime(2099, 6, 1, 2, tzinfo=UTC),
                                now=datetime(2099, 6, 1, tzinfo=UTC))
    assert evaluation.batches[old.id].waste_code == e2099.MERGED_AWAY  # produced in 2098: its code may still leave
    ledger = site_ledger(session, actor=user, site_id=world.producer_site.id, date_from=date(2098, 1, 1),
                         date_to=date(2099, 12, 31), period="month")
    totals = ledger_totals(ledger)
    assert [(t["waste_code"], t["codes"], t["inflow_kg"]) for t in totals] == [
        (e2099.MERGED_INTO, sorted([e2099.MERGED_AWAY, e2099.MERGED_INTO]), Decimal("200"))]
    run_reconciliation(session, day=date(2099, 7, 1), now=datetime(2099, 7, 2, tzinfo=UTC), thresholds=Thresholds(),
                       secret="test-secret")
    overdue = session.scalars(select(Anomaly).where(Anomaly.code == "STORAGE_OVERDUE")).all()
    assert [a.evidence["waste_code"] for a in overdue] == [e2099.MERGED_AWAY]
    assert new.id != old.id


def test_a_split_code_is_reported_with_the_codes_it_became(session):
    apply(session)
    groups = editions.reporting_groups(session, [e2099.SPLIT, e2099.SPLIT_INTO[0], "900-041-49"])
    assert groups == {e2099.SPLIT: " / ".join(e2099.SPLIT_INTO), e2099.SPLIT_INTO[0]: " / ".join(e2099.SPLIT_INTO),
                      "900-041-49": "900-041-49"}


def test_while_the_2025_table_is_pending_the_2021_list_stays_in_use_and_administrators_are_told(session):
    used = editions.code_edition(session, "900-041-49", date(2026, 12, 1))
    assert (used.kind, used.name, used.effective_to) == ("hazardous", "2021", date(2024, 12, 31))
    pending = editions.pending_editions(session, date(2026, 12, 1))
    assert [(p["edition"].kind, p["edition"].name, p["used"] and p["used"].name) for p in pending] == [
        ("exemption", "2025", None), ("hazardous", "2025", "2021")]
    assert editions.pending_editions(session, date(2024, 12, 31)) == []


def test_the_general_classes_are_provisional(session):
    found = search_waste_codes(session, q="SW01").items
    assert [(c.code, c.edition.verified) for c in found] == [("SW01", False)]


def test_the_search_lists_the_codes_in_force_on_a_day(session):
    apply(session)
    now = {c.code for c in search_waste_codes(session, category="HW48", per_page=200).items}
    before = {c.code for c in search_waste_codes(session, category="HW48", on=date(2030, 1, 1), per_page=200).items}
    assert e2099.ADDED in now and e2099.REMOVED not in now
    assert e2099.REMOVED in before and e2099.ADDED not in before


def test_a_waste_exempt_at_transport_needs_no_transport_permit_and_the_verdict_says_why(session, world):
    rows = [{"code": "900-041-49", "link": "transport", "condition": "运输工具满足防雨、防渗漏、防遗撒要求"}]
    imports.apply_import(session, actor=None, kind="exemption", edition="2025", effective_from=date(2025, 1, 1),
                         rows=e2099.numbered(rows))
    carrier = make_org(session, name="无危货许可的运输公司", roles=["transporter"])
    batch = register(session, world, "900-041-49", date(2026, 11, 30))
    lines = [LineRequest(batch.id, Decimal("10"))]
    when = datetime(2026, 12, 1, 2, tzinfo=UTC)
    verdict = next(v for v in check_manifest(session, actor=producer(session), lines=lines,
                                             receiver_site_id=world.receiver_site.id, transporter_id=carrier.id,
                                             planned_pickup_at=when, now=when).verdicts if v.rule == "transport_permit")
    assert verdict.ok
    assert verdict.message == ("运输环节豁免：900-041-49 符合《危险废物豁免管理清单（2025年版）》的豁免条件"
                               "（运输工具满足防雨、防渗漏、防遗撒要求），运输过程不按危险废物管理")


def test_without_an_exemption_the_same_transport_needs_the_permit(session, world):
    carrier = make_org(session, name="无危货许可的运输公司", roles=["transporter"])
    batch = register(session, world, "900-041-49", date(2026, 11, 30))
    when = datetime(2026, 12, 1, 2, tzinfo=UTC)
    verdicts = check_manifest(session, actor=producer(session), lines=[LineRequest(batch.id, Decimal("10"))],
                              receiver_site_id=world.receiver_site.id, transporter_id=carrier.id,
                              planned_pickup_at=when, now=when).verdicts
    assert not next(v for v in verdicts if v.rule == "transport_permit").ok


def test_only_an_administrator_may_import_from_a_page(session, world):
    with pytest.raises(DomainError) as refused:
        imports.apply_import(session, actor=producer(session), kind="hazardous", edition="2099",
                             effective_from=e2099.EFFECTIVE, rows=e2099.numbered(e2099.edition_2099()))
    assert refused.value.code == "FORBIDDEN"
    assert session.scalar(select(func.count()).select_from(CatalogEdition).where(CatalogEdition.name == "2099")) == 0


def test_the_annual_declaration_adds_up_codes_a_later_edition_merged(session, world):
    register(session, world, e2099.MERGED_AWAY, date(2098, 3, 1))
    register(session, world, e2099.MERGED_INTO, date(2098, 9, 1))
    apply(session)
    forms = declaration_forms(session, actor=producer(session), now=datetime(2099, 2, 1, tzinfo=UTC),
                              thresholds=Thresholds(), year=2098)
    lines = [(line["waste_code"], line["generated_kg"]) for line in forms["annual"]["lines"]]
    assert lines == [(e2099.MERGED_INTO, Decimal("200"))]
