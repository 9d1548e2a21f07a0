"""The schema comes only from the migrations, and they agree with the models; the catalog loads idempotently."""
import csv

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

import wastechain.models  # noqa: F401  (registers every table)
from wastechain.catalog import DATA, seed_catalog
from wastechain.db import Base
from wastechain.domain.streams import Stream
from wastechain.models import Region, WasteCode


def test_the_migrations_and_the_models_agree(app):
    engine = app.extensions["wastechain.engine"]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_seeding_the_catalog_again_writes_nothing(session):
    assert seed_catalog(session) == {"regions": 0, "waste_codes": 0}


def test_the_catalog_holds_all_467_hazardous_codes(session):
    count = session.scalar(select(func.count()).select_from(WasteCode).where(WasteCode.category.like("HW%")))
    with open(DATA / "hazardous_waste_list.csv", encoding="utf-8") as f:
        assert count == len(list(csv.DictReader(f))) == 467


def test_every_waste_code_has_one_of_the_six_streams(session):
    streams = set(session.scalars(select(WasteCode.stream).distinct()))
    assert streams == {s.value for s in Stream}


def test_hw01_codes_are_medical_and_only_they_are(session):
    rows = session.execute(select(WasteCode.category, WasteCode.stream).where(WasteCode.stream == "medical")).all()
    assert rows and {category for category, _ in rows} == {"HW01"}
    assert set(session.scalars(select(WasteCode.stream).where(WasteCode.category == "HW01"))) == {"medical"}


def test_other_hw_codes_are_hazardous(session):
    streams = set(session.scalars(select(WasteCode.stream).where(WasteCode.category.like("HW%"),
                                                                 WasteCode.category != "HW01")))
    assert streams == {"hazardous"}


def test_the_regions_include_quzhou_and_its_counties(session):
    quzhou = session.get(Region, "330800")
    assert quzhou.name == "衢州市" and quzhou.level == "city"
    assert session.scalar(select(func.count()).select_from(Region).where(Region.parent_code == "330800")) == 6


def test_a_changed_catalog_row_is_corrected_by_the_next_seed(session):
    session.get(WasteCode, "900-041-49").name = "被改动的名称"
    session.commit()
    assert seed_catalog(session)["waste_codes"] == 1
    assert session.get(WasteCode, "900-041-49").name != "被改动的名称"
