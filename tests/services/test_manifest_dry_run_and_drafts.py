"""The dry run and the real issue share one evaluation: for every case the dry run's verdict is the issue's
outcome, and neither a dry run nor a refused issue changes anything. Drafts are saved, issued once, and private."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.factories import make_approval, make_batch, make_org, make_permit, make_site, row_count, user_named
from wastechain.domain.errors import DomainError, NotFound
from wastechain.models import Approval, Batch, Manifest, ManifestDraft, ManifestEvent
from wastechain.services import manifests
from wastechain.services.manifests import drafts

NOW = datetime.now(timezone.utc)


def _snapshot(session):
    counts = (row_count(session, Manifest), row_count(session, ManifestEvent))
    remaining = sorted((b.id, b.remaining_kg) for b in session.query(Batch))
    reserved = sorted((a.id, a.reserved_kg) for a in session.query(Approval))
    session.commit()
    return counts, remaining, reserved


def _case(session, world, name):
    """A request (kwargs of issue_manifest) for each case, and whether it may be issued."""
    hazardous = make_batch(session, world.producer, world.producer_site, kg="1000")
    general = make_batch(session, world.producer, world.producer_site, code="SW01", kg="1000")
    base = {"receiver_site_id": world.receiver_site.id, "transporter_id": world.transporter.id,
            "planned_pickup_at": NOW + timedelta(hours=2)}
    line = lambda batch, kg="100": [manifests.LineRequest(batch_id=batch.id, quantity_kg=Decimal(kg))]  # noqa: E731
    if name == "ok":  # two codes on one trip
        oil = make_batch(session, world.producer, world.producer_site, code="900-249-08", kg="500")
        request = {**base, "lines": line(hazardous) + line(oil, "200")}
    elif name == "hazardous to another city":
        request = {**base, "lines": line(hazardous), "receiver_site_id": world.far_site.id}
    elif name == "more than in storage":
        request = {**base, "lines": line(hazardous, "1000.001")}
    elif name == "general waste to another county":
        request = {**base, "lines": line(general)}
    elif name == "general waste in its county":
        request = {**base, "lines": line(general), "receiver_site_id": world.county_site.id}
    elif name == "no capacity left":
        small = make_org(session, name="小型处置厂", roles=["receiver"], region=world.receiver.region_code)
        site = make_site(session, small, kind="facility")
        make_permit(session, small, capacity="50")
        request = {**base, "lines": line(hazardous), "receiver_site_id": site.id}
    elif name == "approval too small":
        approval = make_approval(session, producer=world.producer, destination=world.far_site, kg="10")
        request = {**base, "lines": line(hazardous), "receiver_site_id": world.far_site.id,
                   "approval_id": approval.id}
    elif name == "approval covers it":
        approval = make_approval(session, producer=world.producer, destination=world.far_site, kg="500")
        request = {**base, "lines": line(hazardous), "receiver_site_id": world.far_site.id,
                   "approval_id": approval.id}
    session.commit()
    return request


CASES = {"ok": True, "hazardous to another city": False, "more than in storage": False,
         "general waste to another county": False, "general waste in its county": True, "no capacity left": False,
         "approval too small": False, "approval covers it": True}


@pytest.mark.parametrize("name", CASES)
def test_the_dry_run_foretells_the_issue_and_changes_nothing(session, world, name):
    request = _case(session, world, name)
    producer = user_named(session, "producer")
    before = _snapshot(session)
    evaluation = manifests.check_manifest(session, actor=producer, now=NOW, **request)
    assert evaluation.ok is CASES[name]
    assert _snapshot(session) == before
    failing = [v for v in evaluation.verdicts if not v.ok]
    if CASES[name]:
        manifest = manifests.issue_manifest(session, actor=producer, now=NOW, **request)
        assert manifest.number and row_count(session, Manifest) == 1
        return
    with pytest.raises(DomainError) as refused:
        manifests.issue_manifest(session, actor=producer, now=NOW, **request)
    assert refused.value.code == failing[0].code and refused.value.message == failing[0].violation.message
    assert _snapshot(session) == before  # a refusal changes nothing either


def test_every_verdict_is_plain_chinese_naming_regions(session, world):
    request = _case(session, world, "hazardous to another city")
    evaluation = manifests.check_manifest(session, actor=user_named(session, "producer"), now=NOW, **request)
    texts = [v.message for v in evaluation.verdicts]
    assert any("杭州市上城区" in t for t in texts) and not any("330102" in t for t in texts)


def test_the_chooser_puts_who_can_take_it_first_and_says_why_not(session, world):
    request = _case(session, world, "ok")
    general = session.query(Batch).filter_by(waste_code="SW01").one()
    request["lines"].append(manifests.LineRequest(batch_id=general.id, quantity_kg=Decimal("10")))
    choices = manifests.receiver_choices(session, actor=user_named(session, "producer"), lines=request["lines"],
                                         planned_pickup_at=request["planned_pickup_at"])
    by_site = {c.site.id: c for c in choices}
    # hazardous + general waste: only a hazardous receiver in the same county takes both
    assert by_site[world.receiver_site.id].ok is False  # general waste may not leave 柯城 for 衢江
    assert by_site[world.far_site.id].ok is False and by_site[world.county_site.id].ok is False
    general_only = [l for l in request["lines"] if session.get(Batch, l.batch_id).waste_code == "SW01"]
    choices = manifests.receiver_choices(session, actor=user_named(session, "producer"), lines=general_only,
                                         planned_pickup_at=request["planned_pickup_at"])
    assert choices[0].ok and choices[0].site.id == world.county_site.id
    assert all(not c.ok for c in choices[1:])


def test_a_draft_is_issued_once_and_then_gone(session, world):
    producer = user_named(session, "producer")
    request = _case(session, world, "general waste in its county")
    draft = drafts.save_draft(session, actor=producer, form={"batch_ids": ["1"], "qty": {"1": "100"}}, now=NOW)
    assert drafts.list_drafts(session, actor=producer).total == 1
    manifests_before = row_count(session, Manifest)
    drafts.issue_draft(session, actor=producer, draft_id=draft.id, now=NOW, **request)
    assert row_count(session, Manifest) == manifests_before + 1 and row_count(session, ManifestDraft) == 0


def test_a_refused_draft_stays_a_draft(session, world):
    producer = user_named(session, "producer")
    request = _case(session, world, "hazardous to another city")
    draft = drafts.save_draft(session, actor=producer, form={"batch_ids": []}, now=NOW)
    with pytest.raises(DomainError):
        drafts.issue_draft(session, actor=producer, draft_id=draft.id, now=NOW, **request)
    assert row_count(session, ManifestDraft) == 1 and row_count(session, Manifest) == 0


def test_another_company_neither_sees_nor_issues_a_draft(session, world):
    draft = drafts.save_draft(session, actor=user_named(session, "producer"), form={}, now=NOW)
    other = user_named(session, "other_producer")
    assert drafts.list_drafts(session, actor=other).total == 0
    with pytest.raises(NotFound):
        drafts.get_draft(session, actor=other, draft_id=draft.id)
    with pytest.raises(NotFound):
        drafts.delete_draft(session, actor=other, draft_id=draft.id)
    assert row_count(session, ManifestDraft) == 1
