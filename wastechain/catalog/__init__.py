"""Reference catalogs (see data/SOURCES.md) and their loader."""
import csv
from pathlib import Path

from sqlalchemy import select

from wastechain.domain.streams import stream_of_category
from wastechain.models import Region, WasteCode

DATA = Path(__file__).parent / "data"
HAZARDOUS_EDITION = "国家危险废物名录2021"
GENERAL_EDITION = "GB/T 39198-2020 (unverified)"
OWN_EDITION = "wastechain-2026"


def _rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def region_rows() -> list[dict]:
    """One row per code. 东莞、中山、儋州 have no counties and are listed twice (as city and as county): the city
    row is kept, and such a city is a leaf where sites may lie."""
    rows = {}
    for r in _rows("admin_divisions.csv"):
        rows.setdefault(r["code"], {"code": r["code"], "name": r["name"], "level": r["level"],
                                    "parent_code": r["parent_code"] or None, "note": r["note"]})
    return list(rows.values())


def waste_code_rows() -> list[dict]:
    rows = [{"code": r["code"], "name": r["description"], "category": r["category"],
             "category_name": r["category_name"], "stream": stream_of_category(r["category"]).value,
             "hazard": r["hazard"], "industry_source": r["industry_source"], "edition": HAZARDOUS_EDITION}
            for r in _rows("hazardous_waste_list.csv")]
    rows += [{"code": r["code"], "name": r["name"], "category": r["code"], "category_name": r["name"],
              "stream": stream_of_category(r["code"]).value, "hazard": "",
              "industry_source": r["bulk_examples"], "edition": GENERAL_EDITION}
             for r in _rows("general_solid_waste_codes.csv")]
    rows += [{"code": r["code"], "name": r["name"], "category": r["category"], "category_name": r["category_name"],
              "stream": r["stream"], "hazard": "", "industry_source": "", "edition": OWN_EDITION}
             for r in _rows("own_waste_codes.csv")]
    return rows


def _sync(session, model, rows: list[dict]) -> int:
    """Inserts missing rows and corrects changed ones; returns how many rows it wrote."""
    columns = list(rows[0])
    stored = {r[0]: tuple(r) for r in session.execute(select(*[getattr(model, c) for c in columns]))}
    key = columns[0]
    new = [r for r in rows if r[key] not in stored]
    changed = [r for r in rows if r[key] in stored and stored[r[key]] != tuple(r[c] for c in columns)]
    if new:
        session.execute(model.__table__.insert(), new)
    for row in changed:
        session.execute(model.__table__.update().where(getattr(model, key) == row[key]).values(**row))
    return len(new) + len(changed)


def seed_catalog(session) -> dict[str, int]:
    """Loads regions and waste codes; idempotent, and a no-op when nothing changed."""
    regions = region_rows()
    # Parents first, so the hierarchy is consistent at every point of the load.
    regions.sort(key=lambda r: ("province", "city", "county").index(r["level"]))
    written = {"regions": _sync(session, Region, regions), "waste_codes": _sync(session, WasteCode, waste_code_rows())}
    session.commit()
    return written
