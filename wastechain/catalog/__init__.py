"""Reference catalogs (see data/SOURCES.md) and their loader: the shipped editions and regions.

Newer editions are imported by an administrator (services/catalog/imports.py, `flask catalog import`); seeding
never undoes an import: it adds the shipped editions that are missing and keeps their own rows right."""
import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from wastechain.domain.catalog import EXEMPTION, GENERAL, HAZARDOUS, OWN
from wastechain.domain.streams import stream_of_category
from wastechain.models import CatalogEdition, CatalogEntry, Region, WasteCode

DATA = Path(__file__).parent / "data"
NBS_YEAR = 2023  # admin_divisions.csv: the NBS 统计用区划代码 of 2023


@dataclass(frozen=True)
class ShippedEdition:
    kind: str
    name: str
    title: str
    effective_from: date
    effective_to: date | None
    verified: bool
    loaded: bool
    note: str = ""


PENDING_2025_NOTE = ("2024-11-29 公布，2025-01-01 施行（生态环境部等令第36号）。据官方解读：共 470 种（增 3 种）；"
                     "新增 4 种锡冶炼废物；2 个代码合并、1 个代码拆分；部分名称和危险特性调整；增加 6 条注释；"
                     "第六条：经鉴别属于危险废物的，优先归入已有代码，否则归入 900-000-xx；豁免管理清单修订。")
HAZARDOUS_2021 = ShippedEdition(HAZARDOUS, "2021", "国家危险废物名录（2021年版）", date(2021, 1, 1), date(2024, 12, 31),
                                True, True)
GENERAL_2020 = ShippedEdition(GENERAL, "2020", "一般固体废物分类与代码（未核实）", date(2021, 1, 1), None, False, True,
                              "GB/T 39198-2020 的编号与名称未能与正式文本核对；导入正式表后即为已核实。")
OWN_2026 = ShippedEdition(OWN, "2026", "wastechain 自定类别（生活、建筑、农业）", date(2021, 1, 1), None, False, True,
                          "非官方目录：按生态环境部公告2024年第4号的类别区段自定编号。")
SHIPPED = (
    HAZARDOUS_2021, GENERAL_2020, OWN_2026,
    ShippedEdition(HAZARDOUS, "2025", "国家危险废物名录（2025年版）", date(2025, 1, 1), None, True, False,
                   PENDING_2025_NOTE),
    ShippedEdition(EXEMPTION, "2025", "危险废物豁免管理清单（2025年版）", date(2025, 1, 1), None, True, False,
                   "名录附录；2021 年版豁免清单未随本系统提供，2025 年版导入前不认定任何豁免。"),
)


def _rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def region_rows() -> list[dict]:
    """One row per code. 东莞、中山、儋州 have no counties and are listed twice (as city and as county): the city
    row is kept, and such a city is a leaf where sites may lie."""
    rows = {}
    for r in _rows("admin_divisions.csv"):
        rows.setdefault(r["code"], {"code": r["code"], "name": r["name"], "level": r["level"],
                                    "parent_code": r["parent_code"] or None, "note": r["note"], "nbs_year": NBS_YEAR})
    return list(rows.values())


def entry_rows() -> dict[ShippedEdition, list[dict]]:
    """The shipped tables, edition by edition, as catalog entries."""
    return {
        HAZARDOUS_2021: [{"code": r["code"], "name": r["description"], "category": r["category"],
                          "category_name": r["category_name"], "stream": stream_of_category(r["category"]).value,
                          "hazard": r["hazard"], "industry_source": r["industry_source"]}
                         for r in _rows("hazardous_waste_list.csv")],
        GENERAL_2020: [{"code": r["code"], "name": r["name"], "category": r["code"], "category_name": r["name"],
                        "stream": stream_of_category(r["code"]).value, "hazard": "",
                        "industry_source": r["bulk_examples"]} for r in _rows("general_solid_waste_codes.csv")],
        OWN_2026: [{"code": r["code"], "name": r["name"], "category": r["category"],
                    "category_name": r["category_name"], "stream": r["stream"], "hazard": "", "industry_source": ""}
                   for r in _rows("own_waste_codes.csv")],
    }


def _sync(session, model, rows: list[dict], *, where=None) -> int:
    """Inserts missing rows and corrects changed ones (keyed by the first column, among the rows `where` picks);
    returns how many rows it wrote."""
    if not rows:
        return 0
    columns = list(rows[0])
    key = columns[0]
    query = select(*[getattr(model, c) for c in columns])
    stored = {r[0]: tuple(r) for r in session.execute(query if where is None else query.where(where))}
    new = [r for r in rows if r[key] not in stored]
    changed = [r for r in rows if r[key] in stored and stored[r[key]] != tuple(r[c] for c in columns)]
    if new:
        session.execute(model.__table__.insert(), new)
    for row in changed:
        update = model.__table__.update().where(getattr(model, key) == row[key])
        session.execute((update if where is None else update.where(where)).values(**row))
    return len(new) + len(changed)


def _edition(session, shipped: ShippedEdition) -> tuple[CatalogEdition, int]:
    """The shipped edition's row, added when missing; an existing row is left as an import made it."""
    edition = session.scalar(select(CatalogEdition).where(CatalogEdition.kind == shipped.kind,
                                                          CatalogEdition.name == shipped.name))
    if edition is not None:
        return edition, 0
    edition = CatalogEdition(kind=shipped.kind, name=shipped.name, title=shipped.title,
                             effective_from=shipped.effective_from, effective_to=shipped.effective_to,
                             verified=shipped.verified, loaded=shipped.loaded, note=shipped.note)
    session.add(edition)
    session.flush()
    return edition, 1


def seed_catalog(session) -> dict[str, int]:
    """Loads regions, the shipped editions and their codes; idempotent, and a no-op when nothing changed."""
    regions = region_rows()
    # Parents first, so the hierarchy is consistent at every point of the load.
    regions.sort(key=lambda r: ("province", "city", "county").index(r["level"]))
    written = _sync(session, Region, regions)
    codes = entries = 0
    editions = {shipped: _edition(session, shipped) for shipped in SHIPPED}
    tables = entry_rows()
    for shipped, rows in tables.items():
        edition, added = editions[shipped]
        entries += added + _sync(session, CatalogEntry, [{**r, "edition_id": edition.id} for r in rows],
                               where=CatalogEntry.edition_id == edition.id)
        codes += _sync_register(session, [{**_register(r), "edition": edition.title} for r in rows])
    entries += sum(added for shipped, (_, added) in editions.items() if shipped not in tables)
    session.commit()
    return {"regions": written, "waste_codes": codes, "editions": entries}


def _register(row: dict) -> dict:
    return {name: row[name] for name in ("code", "name", "category", "category_name", "stream", "hazard",
                                         "industry_source")}


def _sync_register(session, rows: list[dict]) -> int:
    """The register keeps the newest wording: a code that a later import took over is not written back."""
    stored = {r.code: r for r in session.execute(select(WasteCode.__table__))}
    new = [r for r in rows if r["code"] not in stored]
    changed = [r for r in rows if r["code"] in stored and stored[r["code"]].edition == r["edition"]
               and tuple(stored[r["code"]]._mapping[c] for c in r) != tuple(r.values())]
    if new:
        session.execute(WasteCode.__table__.insert(), new)
    for row in changed:
        session.execute(WasteCode.__table__.update().where(WasteCode.code == row["code"]).values(**row))
    return len(new) + len(changed)
