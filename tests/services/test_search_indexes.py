"""The regulators' search reads indexes, never the whole table: an exact number on both databases, a number's or
code's start on PostgreSQL (the pattern indexes of migration 0020), so it stays fast at a million manifests.
Enterprises are searched by any part of their name, a scan of the small organization table, on purpose."""
import pytest
from sqlalchemy import text

from tests.factories import user_named
from wastechain.services.oversight.search import QUERIES


def _plan(session, query) -> str:
    dialect = session.get_bind().dialect
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: ask whether an index *can* serve it
        rows = session.execute(text("EXPLAIN " + sql)).scalars().all()
    else:
        rows = [row[-1] for row in session.execute(text("EXPLAIN QUERY PLAN " + sql))]
    session.rollback()
    return "\n".join(rows)


UNIT_CODE = "91330802000000001X9000414920260101001"


@pytest.mark.parametrize("kind, q, table", [("manifest", "20263308000001", "manifest"), ("batch", UNIT_CODE, "batch")])
def test_a_whole_number_or_unit_code_is_looked_up_in_an_index(session, world, kind, q, table):
    plan = _plan(session, QUERIES[kind](user_named(session, "kecheng_regulator"), q))
    if session.get_bind().dialect.name == "postgresql":
        assert f"Seq Scan on {table}" not in plan and "Index" in plan, plan
    else:
        assert f"SEARCH {table} USING INDEX" in plan, plan


@pytest.mark.parametrize("kind, q, index", [("manifest", "202633080", "ix_manifest_number_prefix"),
                                            ("batch", "91330802000", "ix_batch_unit_code_prefix"),
                                            ("container", "KC-DRUM", "ix_container_code_prefix")])
def test_the_start_of_a_code_is_looked_up_in_its_pattern_index_on_postgresql(session, world, kind, q, index):
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite's LIKE reads no index (it is case-insensitive); the million-manifest target is PostgreSQL
    plan = _plan(session, QUERIES[kind](user_named(session, "kecheng_regulator"), q))
    assert index in plan, plan
