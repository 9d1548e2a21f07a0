"""Leftovers of issues 9 and 12: a person's name set when the account is made and by the user, the generated city's
officers named; the catalog edition of a batch's code — recorded at registration, else the one in force on its day."""
import random
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import catalog_editions as e2099
from tests.factories import make_batch, row_count
from wastechain.devdata.cast import Cast
from wastechain.domain.catalog import GENERAL, HAZARDOUS, OWN, kind_of_code
from wastechain.domain.errors import ValidationFailed
from wastechain.domain.vocabulary import Role
from wastechain.models import User
from wastechain.services.accounts import parties, profile
from wastechain.services.catalog import editions, imports
from wastechain.services.storage.batches import register_batch

UTC = timezone.utc


def _user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


# ---------------------------------------------------------------- names

def test_an_account_made_with_a_name_is_shown_by_it_and_one_without_by_its_login(session, world):
    admin = _user(session, "admin")
    named = parties.create_user(session, actor=admin, username="kecheng_wang", password="longpassword",
                                role="regulator", hash_method="pbkdf2:sha256:1", region_code="330802",
                                display_name="  王建国 ")
    unnamed = parties.create_user(session, actor=admin, username="kecheng_li", password="longpassword",
                                  role="regulator", hash_method="pbkdf2:sha256:1", region_code="330802",
                                  display_name="   ")
    assert (named.display_name, named.shown_name) == ("王建国", "王建国")
    assert (unnamed.display_name, unnamed.shown_name) == (None, "kecheng_li")


def test_a_name_too_long_is_refused_and_no_account_is_made(session, world):
    before = row_count(session, User)
    with pytest.raises(ValidationFailed) as refused:
        parties.create_user(session, actor=_user(session, "admin"), username="long_name", password="longpassword",
                            role="regulator", hash_method="pbkdf2:sha256:1", region_code="330802",
                            display_name="王" * 65)
    assert refused.value.message == "姓名最多 64 个字符" and refused.value.details == {"display_name": "max 64 characters"}
    assert row_count(session, User) == before


def test_a_user_sets_and_clears_their_own_name(session, world):
    me = _user(session, "kecheng_regulator")
    assert profile.set_display_name(session, user=me, display_name=" 李芳 ").shown_name == "李芳"
    session.expire_all()
    assert _user(session, "kecheng_regulator").display_name == "李芳"
    profile.set_display_name(session, user=me, display_name="")
    session.expire_all()
    assert _user(session, "kecheng_regulator").shown_name == "kecheng_regulator"


def test_every_officer_of_the_generated_city_has_a_chinese_name(session):
    cast = Cast(session, random.Random(1))
    officers = [session.get(User, cast.user(Role.REGULATOR, region=region)) for region in ("330802", "330803", "330800")]
    names = [u.display_name for u in officers]
    assert names == ["王建国", "李芳", "张伟"]
    assert all(u.shown_name != u.username for u in officers)


# ---------------------------------------------------------------- a batch's edition

def test_codes_belong_to_a_catalog_by_their_shape():
    assert [kind_of_code(c) for c in ("900-041-49", "SW13", "S61")] == [HAZARDOUS, GENERAL, OWN]


def _register(session, code: str, day: date, world):
    at = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
    return register_batch(session, actor=_user(session, "producer"), site_id=world.producer_site.id, waste_code=code,
                          quantity_kg=Decimal("100"), generated_at=at, now=at)


def test_a_registered_batch_names_the_edition_it_recorded_and_a_general_class_is_unverified(session, world):
    hazardous = editions.batch_edition(session, _register(session, "900-041-49", date(2026, 3, 1), world))
    general = editions.batch_edition(session, _register(session, "SW13", date(2026, 3, 1), world))
    assert (hazardous.name, hazardous.title, hazardous.verified) == ("2021", "国家危险废物名录（2021年版）", True)
    assert (general.kind, general.name, general.verified) == (GENERAL, "2020", False)


def test_a_batch_without_a_recorded_edition_shows_the_one_in_force_on_its_day(session, world):
    legacy = make_batch(session, world.producer, world.producer_site, code=e2099.RENAMED,
                        generated_at=datetime(2099, 2, 1, 2, tzinfo=UTC))
    assert editions.batch_edition(session, legacy).name == "2021"  # before the 2099 edition is loaded
    imports.apply_import(session, actor=None, kind="hazardous", edition="2099", effective_from=e2099.EFFECTIVE,
                         rows=e2099.numbered(e2099.edition_2099()), mapping=e2099.numbered(e2099.mapping_rows()))
    assert editions.batch_edition(session, legacy).name == "2099"
    too_early = make_batch(session, world.producer, world.producer_site, generated_at=datetime(2019, 6, 1, tzinfo=UTC))
    assert editions.batch_edition(session, too_early) is None


def test_an_old_batch_keeps_its_edition_after_a_newer_one_is_loaded(session, world):
    old = _register(session, e2099.MERGED_AWAY, date(2098, 6, 1), world)
    imports.apply_import(session, actor=None, kind="hazardous", edition="2099", effective_from=e2099.EFFECTIVE,
                         rows=e2099.numbered(e2099.edition_2099()), mapping=e2099.numbered(e2099.mapping_rows()))
    old.generated_at = datetime(2099, 6, 1, tzinfo=UTC)  # even dated after the change: the recorded edition wins
    assert editions.batch_edition(session, old).name == "2021"
    assert editions.batch_edition(session, _register(session, e2099.MERGED_INTO, date(2099, 2, 1), world)).name == "2099"


def test_the_regulators_statistics_add_up_a_year_that_spans_a_merge_and_a_split(session, world):
    """The rollups group by HW category, which a code keeps through the 2099 merge and split: the old codes'
    kilograms before the change and their successors' after it land in one category."""
    from sqlalchemy import func

    from wastechain.models import DailyFigures
    from wastechain.services.statistics import rebuild_rollups

    imports.apply_import(session, actor=None, kind="hazardous", edition="2099", effective_from=e2099.EFFECTIVE,
                         rows=e2099.numbered(e2099.edition_2099()), mapping=e2099.numbered(e2099.mapping_rows()))
    before, after = date(2098, 12, 30), date(2099, 1, 2)
    for code in (e2099.MERGED_AWAY, e2099.SPLIT):
        _register(session, code, before, world)
    for code in (e2099.MERGED_INTO, *e2099.SPLIT_INTO):
        _register(session, code, after, world)
    rebuild_rollups(session, before, after)
    by_category = dict(session.execute(select(DailyFigures.category, func.sum(DailyFigures.produced_kg))
                                       .group_by(DailyFigures.category)).all())
    assert by_category == {"HW48": Decimal("500")}
