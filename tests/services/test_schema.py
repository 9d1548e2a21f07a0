"""The schema comes only from the migrations, and they agree with the models; stored roles, statuses and kinds are
kept to the domain's enums by the database; the catalog loads idempotently."""
import csv
import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, Enum, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

import wastechain.models  # noqa: F401  (registers every table)
from tests.factories import as_database_administrator, make_anomaly
from wastechain import schema
from wastechain.catalog import DATA, seed_catalog
from wastechain.db import Base
from wastechain.domain.streams import Stream
from wastechain.domain.vocabulary import Role, values
from wastechain.models import Region, User, WasteCode


def _differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(context, Base.metadata)


def test_the_migrations_and_the_models_agree(app):
    assert _differences(app.extensions["wastechain.engine"]) == []


def test_seeding_the_catalog_again_writes_nothing(session):
    assert seed_catalog(session) == {"regions": 0, "waste_codes": 0, "editions": 0}


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


def _allowed_values(sqltext: str) -> set[str]:
    # SQLite keeps "status IN ('a', 'b')", PostgreSQL "status::text = ANY (ARRAY['a'::character varying, …])"
    return set(re.findall(r"'([^']*)'", sqltext))


def test_every_enum_column_has_a_check_constraint_allowing_exactly_the_enums_values(app):
    # Alembic does not compare CHECK constraints: an enum that grows without a migration fails here
    enum_columns = [(table.name, column.name, column.type.enum_class)
                    for table in Base.metadata.sorted_tables for column in table.columns
                    if isinstance(column.type, Enum)]
    assert len(enum_columns) == 21  # 18, plus the tip-off's kind, status and finding (0021)
    inspector = inspect(app.extensions["wastechain.engine"])
    in_database = {table: {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table)}
                   for table in Base.metadata.tables}
    for table, column, enum in enum_columns:
        assert _allowed_values(in_database[table][f"ck_{table}_{column}"]) == set(values(enum)), (table, column)
    in_models = {table.name: {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
                 for table in Base.metadata.sorted_tables}
    assert {table: set(checks) for table, checks in in_database.items()} == in_models


@pytest.fixture
def one_row_in_each_table(session, world, batch, api):
    """A user, a manifest with its event and lineage flows, and an anomaly."""
    api.issue(world, batch)
    make_anomaly(session)
    session.close()


@pytest.mark.parametrize("table, column", [("manifest", "status"), ("user_account", "role"),
                                           ("anomaly", "status"), ("lineage_flow", "kind"),
                                           ("manifest_event", "type"), ("batch", "status")])
def test_the_database_refuses_a_value_outside_the_enum(app, one_row_in_each_table, table, column):
    with app.extensions["wastechain.engine"].connect() as connection:
        assert connection.scalar(text(f"SELECT count(*) FROM {table}")) > 0
        with pytest.raises(IntegrityError), as_database_administrator(connection):  # events: past the trigger
            connection.execute(text(f"UPDATE {table} SET {column} = 'lost'"))


def test_the_orm_refuses_a_string_outside_the_enum_at_the_database(session, world):
    session.add(User(username="pilot", password_hash="x", role="pilot"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_a_role_is_stored_as_its_string_and_read_back_as_the_enum_member(session, world):
    driver = session.scalars(select(User).where(User.username == "driver")).one()
    session.expire_all()
    assert session.get(User, driver.id).role is Role.DRIVER
    stored = session.execute(text("SELECT role FROM user_account WHERE id = :id"), {"id": driver.id}).scalar()
    assert type(stored) is str and stored == "driver"


def test_downgrade_to_0004_and_upgrade_again_keeps_the_rows_and_the_constraints(app, one_row_in_each_table):
    engine = app.extensions["wastechain.engine"]
    before, head = _row_counts(engine), _revision(engine)
    schema.downgrade(engine, "0004_anomalies")
    try:
        assert _revision(engine) == "0004_anomalies"
        assert inspect(engine).get_check_constraints("manifest") == []
    finally:
        schema.upgrade(engine)
    assert _revision(engine) == head
    assert [c["name"] for c in inspect(engine).get_check_constraints("manifest")] == ["ck_manifest_status"]
    assert _row_counts(engine) == before
    assert _differences(engine) == []


def _row_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in ("user_account", "manifest", "manifest_event", "lineage_flow", "anomaly")}


def _revision(engine) -> str:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT version_num FROM alembic_version"))
