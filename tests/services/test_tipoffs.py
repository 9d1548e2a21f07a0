"""Public tip-offs (有奖举报) through the services: filed with a solved challenge and checked photos kept outside the
database under their SHA-256, followed by tracking code, triaged, linked, closed and rewarded by the regulators of
where it happened; upheld ones counted for an enterprise's credit record."""
import hashlib
import io
import os
from datetime import timedelta
from decimal import Decimal

import pytest
from PIL import Image

from tests.conftest import TEST_CONFIG
from tests.factories import KECHENG, NOW, JIANGSHAN, row_count, user_named
from wastechain import create_app
from wastechain.domain.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from wastechain.domain.timeutil import local_date
from wastechain.domain.tipoffs import Finding, TipoffStatus, normalize_code
from wastechain.models import Tipoff, TipoffPhoto
from wastechain.services.tipoffs import desk, public, upheld_tipoffs


@pytest.fixture
def photo_dir(tmp_path):
    return tmp_path / "photos"


@pytest.fixture
def app(database_url, photo_dir):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "TIPOFF_PHOTO_DIR": str(photo_dir)})
    yield app
    app.extensions["wastechain.engine"].dispose()


def png(color=(200, 30, 30), size=(8, 8), kind="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, kind)
    return out.getvalue()


def answer(question: str) -> str:
    a, b = question.split(" + ")
    return str(int(a) + int(b))


def file(session, *, wait=timedelta(seconds=30), photos=(), **fields):
    """Files a tip-off as a person would: the form served, filled in for `wait`, then sent."""
    served = NOW - wait
    challenge = public.challenge(session, now=served)
    values = {"kind": "dumping", "region_code": KECHENG, "happened_at": NOW - timedelta(hours=3),
              "description": "河边倒了十几桶发黑的液体，有刺鼻气味", "address": "柯城区石室乡溪边", "contact": "13800000000",
              "challenge_token": challenge.token, "challenge_answer": answer(challenge.question), **fields}
    return public.file_tipoff(session, photos=list(photos), now=NOW, **values)


def test_a_tip_off_is_filed_with_its_photo_kept_as_a_file_named_by_its_hash(session, world, photo_dir):
    image = png()
    filed = file(session, photos=[image])
    digest = hashlib.sha256(image).hexdigest()
    assert (photo_dir / digest[:2] / digest).read_bytes() == image
    stored = session.get(TipoffPhoto, filed.tipoff.photos[0].id)
    assert (stored.sha256, stored.content_type, stored.size_bytes) == (digest, "image/png", len(image))
    assert filed.tipoff.status == TipoffStatus.RECEIVED


def test_the_tracking_code_is_not_stored_and_finds_the_case_however_it_is_typed(session, world):
    filed = file(session)
    stored = session.get(Tipoff, filed.tipoff.id)
    assert filed.tracking_code.replace("-", "") not in (stored.code_hash, stored.challenge_nonce)
    typed = filed.tracking_code.lower().replace("-", " ")
    assert public.track(session, code=typed).status == TipoffStatus.RECEIVED
    assert normalize_code(typed) == filed.tracking_code


def test_two_tip_offs_never_share_a_tracking_code(session, world):
    assert file(session).tracking_code != file(session).tracking_code


def test_an_unknown_tracking_code_finds_nothing(session, world):
    file(session)
    with pytest.raises(NotFound):
        public.track(session, code="AAAA-BBBB-CCCC-DDDD-EEEE")


@pytest.mark.parametrize("content", [b"%PDF-1.4 not a photo", b"GIF89a" + b"\0" * 40, b"\x89PNG\r\n\x1a\n broken"])
def test_a_file_that_is_not_a_jpeg_png_or_webp_by_its_content_is_refused(session, world, photo_dir, content):
    with pytest.raises(ValidationFailed, match="不是 JPEG、PNG 或 WebP"):
        file(session, photos=[png(), content])
    assert row_count(session, Tipoff) == 0 and not photo_dir.exists()


def test_jpeg_and_webp_photos_are_accepted_by_their_content(session, world):
    filed = file(session, photos=[png(kind="JPEG"), png(kind="WEBP")])
    assert [p.content_type for p in filed.tipoff.photos] == ["image/jpeg", "image/webp"]


def test_a_photo_over_the_size_limit_is_refused(database_url, world, tmp_path):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "TIPOFF_PHOTO_DIR": str(tmp_path),
                      "TIPOFF_PHOTO_MAX_BYTES": 2048})
    try:
        with app.extensions["wastechain.sessions"]() as session:
            noise = Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3))  # random pixels do not compress
            big = io.BytesIO()
            noise.save(big, "PNG")
            with pytest.raises(ValidationFailed, match="超过"):
                file(session, photos=[big.getvalue()])
            assert row_count(session, Tipoff) == 0
    finally:
        app.extensions["wastechain.engine"].dispose()


def test_more_than_three_photos_are_refused(session, world):
    with pytest.raises(ValidationFailed, match="最多上传 3 张"):
        file(session, photos=[png((i, 0, 0)) for i in range(4)])
    assert row_count(session, Tipoff) == 0


@pytest.mark.parametrize("fields, problem", [
    ({"address": "", "lat": None, "lon": None}, "定位或填写事发地址"),
    ({"lat": 28.9, "lon": None}, "坐标不完整"),
    ({"region_code": "330102"}, "事发区县"),  # Hangzhou: not a county of this city
    ({"happened_at": NOW + timedelta(hours=1)}, "不能晚于现在"),
    ({"description": "   "}, "情况描述不能为空"),
    ({"kind": "littering"}, "举报类型"),
])
def test_an_incomplete_tip_off_is_refused_and_nothing_is_kept(session, world, fields, problem):
    with pytest.raises(ValidationFailed, match=problem):
        file(session, **fields)
    assert row_count(session, Tipoff) == 0


def test_a_tip_off_located_by_gps_alone_is_accepted(session, world):
    filed = file(session, address="", lat=28.97, lon=118.87)
    assert (filed.tipoff.lat, filed.tipoff.lon, filed.tipoff.address) == (28.97, 118.87, "")


# ---- the challenge

def test_a_form_sent_at_once_is_refused(session, world):
    with pytest.raises(ValidationFailed, match="提交过快") as refused:
        file(session, wait=timedelta(seconds=1))
    assert refused.value.code == "CHALLENGE_FAILED" and row_count(session, Tipoff) == 0


def test_a_wrong_answer_or_a_forged_token_is_refused(session, world):
    with pytest.raises(ValidationFailed, match="答案不正确"):
        file(session, challenge_answer="99")
    challenge = public.challenge(session, now=NOW - timedelta(minutes=1))
    forged = challenge.token.rsplit(".", 1)[0] + "." + "0" * 64
    with pytest.raises(ValidationFailed, match="表单已失效"):
        file(session, challenge_token=forged, challenge_answer=answer(challenge.question))
    assert row_count(session, Tipoff) == 0


def test_an_old_form_is_refused(session, world):
    with pytest.raises(ValidationFailed, match="表单已过期"):
        file(session, wait=timedelta(hours=3))


def test_one_solved_form_files_one_tip_off(session, world):
    challenge = public.challenge(session, now=NOW - timedelta(minutes=1))
    again = {"challenge_token": challenge.token, "challenge_answer": answer(challenge.question)}
    file(session, **again)
    with pytest.raises(Conflict, match="已经提交过"):
        file(session, **again)
    assert row_count(session, Tipoff) == 1


# ---- the regulators' desk

def _actor(session, username):
    return user_named(session, username)


def test_a_county_regulator_sees_its_countys_tip_offs_and_the_city_sees_all(session, world):
    file(session)
    file(session, region_code=JIANGSHAN)
    assert desk.list_tipoffs(session, actor=_actor(session, "kecheng_regulator")).total == 1
    assert desk.list_tipoffs(session, actor=_actor(session, "jiangshan_regulator")).total == 1
    assert desk.list_tipoffs(session, actor=_actor(session, "city_regulator")).total == 2
    assert desk.list_tipoffs(session, actor=_actor(session, "hangzhou_regulator")).total == 0


def test_an_enterprise_sees_no_tip_off(session, world):
    tipoff = file(session).tipoff
    with pytest.raises(Exception) as refused:
        desk.get_tipoff(session, actor=_actor(session, "producer"), tipoff_id=tipoff.id)
    assert refused.value.code == "FORBIDDEN"
    with pytest.raises(NotFound):
        desk.get_tipoff(session, actor=_actor(session, "jiangshan_regulator"), tipoff_id=tipoff.id)


def test_triage_assigns_an_officer_of_the_place_and_the_case_is_investigated(session, world):
    tipoff = file(session).tipoff
    city = _actor(session, "city_regulator")
    officer = _actor(session, "kecheng_regulator")
    assert {u.username for u in desk.officers(session, actor=city, tipoff=tipoff)} == {"city_regulator",
                                                                                        "kecheng_regulator"}
    desk.assign(session, actor=city, tipoff_id=tipoff.id, assignee_id=officer.id, note="请柯城分局核查", now=NOW)
    session.refresh(tipoff)
    assert tipoff.status == TipoffStatus.INVESTIGATING and tipoff.assignee_id == officer.id
    assert [a.action for a in tipoff.actions] == ["accepted", "assigned"]


def test_an_officer_of_another_county_cannot_be_assigned(session, world):
    tipoff = file(session).tipoff
    with pytest.raises(ValidationFailed):
        desk.assign(session, actor=_actor(session, "city_regulator"), tipoff_id=tipoff.id,
                    assignee_id=_actor(session, "jiangshan_regulator").id, now=NOW)
    session.refresh(tipoff)
    assert tipoff.status == TipoffStatus.RECEIVED and tipoff.assignee_id is None


def test_a_regulator_links_an_enterprise_by_credit_code_and_a_manifest_by_number(session, world, api):
    from tests.web.helpers import issue

    manifest = issue(api, session, world)
    tipoff = file(session).tipoff
    regulator = _actor(session, "kecheng_regulator")
    desk.link(session, actor=regulator, tipoff_id=tipoff.id, reference=world.producer.credit_code, now=NOW)
    desk.link(session, actor=regulator, tipoff_id=tipoff.id, reference=manifest["number"], now=NOW)
    session.refresh(tipoff)
    assert [(l.organization_id, l.manifest_id) for l in tipoff.links] == [(world.producer.id, None),
                                                                         (None, manifest["id"])]
    with pytest.raises(Conflict):
        desk.link(session, actor=regulator, tipoff_id=tipoff.id, reference=world.producer.credit_code, now=NOW)
    with pytest.raises(ValidationFailed):
        desk.link(session, actor=regulator, tipoff_id=tipoff.id, reference="NOT-A-CODE", now=NOW)


def test_closing_needs_a_finding_and_a_note_and_then_the_case_is_final(session, world):
    tipoff = file(session).tipoff
    regulator = _actor(session, "kecheng_regulator")
    with pytest.raises(ValidationFailed):
        desk.close(session, actor=regulator, tipoff_id=tipoff.id, finding="upheld", note=" ", now=NOW)
    with pytest.raises(ValidationFailed):
        desk.close(session, actor=regulator, tipoff_id=tipoff.id, finding="maybe", note="查无此事", now=NOW)
    desk.close(session, actor=regulator, tipoff_id=tipoff.id, finding="not_upheld", note="现场核查未发现倾倒", now=NOW)
    with pytest.raises(InvalidTransition):
        desk.close(session, actor=regulator, tipoff_id=tipoff.id, finding="upheld", note="改判", now=NOW)
    session.refresh(tipoff)
    assert tipoff.finding == Finding.NOT_UPHELD and tipoff.finding_note == "现场核查未发现倾倒"


def test_a_reward_is_recorded_once_for_an_upheld_tip_off_and_the_reporter_sees_it(session, world):
    filed = file(session)
    regulator = _actor(session, "kecheng_regulator")
    today = local_date(NOW)
    with pytest.raises(InvalidTransition):
        desk.record_reward(session, actor=regulator, tipoff_id=filed.tipoff.id, amount_yuan=Decimal("500"),
                           paid_on=today, now=NOW)
    desk.close(session, actor=regulator, tipoff_id=filed.tipoff.id, finding="upheld", note="查实非法倾倒", now=NOW)
    with pytest.raises(ValidationFailed):
        desk.record_reward(session, actor=regulator, tipoff_id=filed.tipoff.id, amount_yuan=Decimal("-1"),
                           paid_on=today, now=NOW)
    desk.record_reward(session, actor=regulator, tipoff_id=filed.tipoff.id, amount_yuan=Decimal("500.00"),
                       paid_on=today, now=NOW)
    with pytest.raises(Conflict):
        desk.record_reward(session, actor=regulator, tipoff_id=filed.tipoff.id, amount_yuan=Decimal("800"),
                           paid_on=today, now=NOW)
    seen = public.track(session, code=filed.tracking_code)
    assert (seen.status, seen.finding, seen.reward_yuan) == (TipoffStatus.CLOSED, Finding.UPHELD, Decimal("500.00"))


def test_photos_are_served_to_regulators_of_the_place_only(session, world):
    image = png()
    tipoff = file(session, photos=[image]).tipoff
    digest = hashlib.sha256(image).hexdigest()
    found = desk.photo_file(session, actor=_actor(session, "kecheng_regulator"), tipoff_id=tipoff.id, sha256=digest)
    assert found.path.read_bytes() == image and found.content_type == "image/png"
    with pytest.raises(NotFound):
        desk.photo_file(session, actor=_actor(session, "jiangshan_regulator"), tipoff_id=tipoff.id, sha256=digest)
    with pytest.raises(NotFound):
        desk.photo_file(session, actor=_actor(session, "kecheng_regulator"), tipoff_id=tipoff.id, sha256="0" * 64)


def test_upheld_tip_offs_linked_to_an_enterprise_are_counted_for_its_credit_record(session, world):
    regulator = _actor(session, "kecheng_regulator")
    outcomes = {"upheld": world.producer, "not_upheld": world.producer}
    for finding, organization in outcomes.items():
        tipoff = file(session).tipoff
        desk.link(session, actor=regulator, tipoff_id=tipoff.id, reference=organization.credit_code, now=NOW)
        desk.close(session, actor=regulator, tipoff_id=tipoff.id, finding=finding, note="核查完毕", now=NOW)
    unlinked = file(session).tipoff
    desk.close(session, actor=regulator, tipoff_id=unlinked.id, finding="upheld", note="核查完毕", now=NOW)
    counted = upheld_tipoffs(session, world.producer.id, NOW - timedelta(days=1))
    assert [t.finding for t in counted] == [Finding.UPHELD]
    assert upheld_tipoffs(session, world.producer.id, NOW + timedelta(seconds=1)) == []
    assert upheld_tipoffs(session, world.other_producer.id, NOW - timedelta(days=1)) == []


def test_an_upheld_tip_off_costs_the_linked_enterprise_its_credit_points(session, world):
    from wastechain.domain.credit import CreditRules
    from wastechain.services import credit

    regulator = _actor(session, "kecheng_regulator")
    tipoff = file(session).tipoff
    desk.link(session, actor=regulator, tipoff_id=tipoff.id, reference=world.producer.credit_code, now=NOW)
    desk.close(session, actor=regulator, tipoff_id=tipoff.id, finding="upheld", note="核查属实", now=NOW)
    credit.refresh_credit(session, day=local_date(NOW), now=NOW, rules=None)
    session.commit()
    assert credit.score(session, organization_id=world.producer.id, rules=CreditRules()) == 80
    assert credit.score(session, organization_id=world.other_producer.id, rules=CreditRules()) == 100
