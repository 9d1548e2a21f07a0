"""The checked import of a new catalog edition (a CSV or XLSX table, and a mapping file of merges and splits):
every row validated, the difference against the edition in force shown, and applied in one transaction only when
asked; applying the same file again changes nothing."""
import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, select

from wastechain.domain import catalog as rules
from wastechain.domain.catalog import EXEMPTION, GENERAL, HAZARDOUS, Problem
from wastechain.domain.errors import ValidationFailed
from wastechain.domain.streams import stream_of_category
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import Role
from wastechain.models import CatalogEdition, CatalogEntry, CatalogExemption, CatalogSuccession, User, WasteCode
from wastechain.services import access
from wastechain.services.catalog.editions import all_editions, forget_editions
from wastechain.services.common import transactional

MAX_ROWS = 5000
MAPPING_COLUMNS = ("old_code", "new_code")


@dataclass
class ImportPlan:
    """What an import would do (a dry run) or did (applied)."""

    kind: str
    edition: str
    effective_from: date
    rows: int
    problems: list[Problem]
    diff: rules.Diff | None = None
    base: CatalogEdition | None = None  # the edition in force that the file is compared with
    unchanged: bool = False  # the edition is already loaded exactly so: applying writes nothing
    applied: bool = False
    mapping_rows: int = 0
    entries: dict = field(default_factory=dict, repr=False)
    mapping: list = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems


class CatalogImportRefused(ValidationFailed):
    """An import with at least one bad row: nothing was written (422)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(N_("导入未完成：{count} 行有错误，名录没有任何改变"), params={"count": len({p.row for p in problems})},
                         details={"rows": [{"row": p.row, "column": p.column, "message": p.message} for p in problems]})
        self.problems = problems


def read_table(data: bytes, filename: str, columns: tuple[str, ...]) -> tuple[list[tuple[int, dict]], list[Problem]]:
    """The rows of a CSV (UTF-8) or XLSX file as (row number, {column: text}); the header is row 1 and names the
    columns; blank rows are skipped."""
    try:
        table = _xlsx(data) if filename.lower().endswith(".xlsx") else _csv(data)
    except (ValueError, KeyError, OSError, UnicodeDecodeError, csv.Error) as error:
        return [], [Problem(1, "file", N_("无法读取文件：{reason}"), {"reason": str(error)[:200]})]
    if not table:
        return [], [Problem(1, "file", N_("文件是空的"))]
    header = [str(h or "").strip() for h in table[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        return [], [Problem(1, c, N_("缺少列 {column}"), {"column": c}) for c in missing]
    rows = []
    for number, values in enumerate(table[1:], start=2):
        cells = {name: ("" if value is None else str(value).strip()) for name, value in zip(header, values)}
        if any(cells.values()):
            rows.append((number, {c: cells.get(c, "") for c in columns}))
    if len(rows) > MAX_ROWS:
        return [], [Problem(1, "file", N_("一次最多导入 {max} 行"), {"max": MAX_ROWS})]
    return rows, []


def _csv(data: bytes) -> list[list]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 — an unreadable upload is the user's file, not our failure
        raise ValueError(str(error)) from None
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _comparable(kind: str, row: dict) -> dict:
    """What the difference compares of a row: its wording, category and hazard (an exemption: its condition)."""
    if kind == EXEMPTION:
        return {"name": row["condition"], "category": row["link"], "hazard": ""}
    if kind == GENERAL:
        return {"name": row["name"], "category": row["code"], "hazard": ""}
    return {"name": row["description"], "category": row["category"], "hazard": row["hazard"]}


def _stored(session, kind: str, edition: CatalogEdition | None) -> dict[str, dict]:
    if edition is None:
        return {}
    if kind == EXEMPTION:
        return {f"{r.code}@{r.link}": {"name": r.condition, "category": r.link, "hazard": ""}
                for r in session.scalars(select(CatalogExemption).where(CatalogExemption.edition_id == edition.id))}
    return {r.code: {"name": r.name, "category": r.category, "hazard": r.hazard}
            for r in session.scalars(select(CatalogEntry).where(CatalogEntry.edition_id == edition.id))}


def _stored_mapping(session, edition: CatalogEdition | None) -> set[tuple[str, str]]:
    if edition is None:
        return set()
    query = select(CatalogSuccession.old_code, CatalogSuccession.new_code).where(
        CatalogSuccession.edition_id == edition.id)
    return {(old, new) for old, new in session.execute(query)}


def plan_import(session, *, kind: str, edition: str, effective_from: date, rows: list[tuple[int, dict]],
                mapping: list[tuple[int, dict]] | None = None, problems: list[Problem] | None = None) -> ImportPlan:
    """The dry run: every row's problems and the difference against the edition in force before this one."""
    if kind not in rules.IMPORTABLE_KINDS:
        raise ValidationFailed(N_("无法导入该类名录：{kind}"), params={"kind": kind}, details={"kind": "unknown"})
    problems = list(problems or [])
    mapping = list(mapping or [])
    for number, row in rows:
        problems += rules.check_row(kind, number, row)
    problems += rules.duplicate_problems(kind, rows)
    if not rows and not problems:
        problems.append(Problem(1, "file", N_("文件中没有数据行")))
    editions = all_editions(session)
    base = rules.in_force([e for e in editions if e.name != edition], kind, effective_from)
    current = next((e for e in editions if e.kind == kind and e.name == edition), None)
    entries = {rules.key_of(kind, row): row for _, row in rows if row.get("code")}
    new = {key: _comparable(kind, row) for key, row in entries.items()}
    old = _stored(session, kind, base)
    problems += rules.mapping_problems(mapping, set(old), set(new))
    pairs = [(r["old_code"], r["new_code"]) for _, r in mapping]
    plan = ImportPlan(kind=kind, edition=edition, effective_from=effective_from, rows=len(rows),
                      problems=sorted(problems, key=lambda p: (p.row, p.column)), base=base,
                      mapping_rows=len(mapping), entries=entries, mapping=pairs)
    if plan.ok:
        plan.diff = rules.diff(old, new, pairs)
        plan.unchanged = (current is not None and current.loaded and current.effective_from == effective_from
                          and _stored(session, kind, current) == new
                          and _stored_mapping(session, current) == set(pairs))
    return plan


@transactional
def apply_import(session, *, actor: User | None, kind: str, edition: str, effective_from: date,
                 rows: list[tuple[int, dict]], mapping: list[tuple[int, dict]] | None = None,
                 problems: list[Problem] | None = None, title: str | None = None) -> ImportPlan:
    """Applies a checked edition in one transaction, or refuses every bad row and writes nothing. `actor` is the
    administrator of the page; None is the operator of the command line."""
    if actor is not None:
        access.require_role(actor, Role.ADMIN, doing=N_("导入名录版本"))
    plan = plan_import(session, kind=kind, edition=edition, effective_from=effective_from, rows=rows,
                       mapping=mapping, problems=problems)
    if not plan.ok:
        raise CatalogImportRefused(plan.problems)
    if plan.unchanged:
        return plan
    target = _edition_row(session, kind, edition, effective_from, title)
    if kind == EXEMPTION:
        session.execute(delete(CatalogExemption).where(CatalogExemption.edition_id == target.id))
        session.execute(CatalogExemption.__table__.insert(),
                        [{"edition_id": target.id, "code": r["code"], "link": r["link"], "condition": r["condition"]}
                         for r in plan.entries.values()])
    else:
        values = [{"edition_id": target.id, **_entry(kind, r)} for r in plan.entries.values()]
        session.execute(delete(CatalogEntry).where(CatalogEntry.edition_id == target.id))
        session.execute(CatalogEntry.__table__.insert(), values)
        _register(session, target, values)
    session.execute(delete(CatalogSuccession).where(CatalogSuccession.edition_id == target.id))
    if plan.mapping:
        session.execute(CatalogSuccession.__table__.insert(),
                        [{"edition_id": target.id, "old_code": old, "new_code": new} for old, new in plan.mapping])
    _end_predecessors(session, target)
    forget_editions(session)
    plan.applied = True
    return plan


def _entry(kind: str, row: dict) -> dict:
    if kind == GENERAL:
        return {"code": row["code"], "name": row["name"], "category": row["code"], "category_name": row["name"],
                "stream": stream_of_category(row["code"]).value, "hazard": "", "industry_source": row["bulk_examples"]}
    return {"code": row["code"], "name": row["description"], "category": row["category"],
            "category_name": row["category_name"], "stream": stream_of_category(row["category"]).value,
            "hazard": row["hazard"], "industry_source": row["industry_source"]}


def _edition_row(session, kind: str, name: str, effective_from: date, title: str | None) -> CatalogEdition:
    """The edition's row, made loaded (a pending edition becomes the one in use from its date)."""
    edition = session.scalar(select(CatalogEdition).where(CatalogEdition.kind == kind, CatalogEdition.name == name))
    if edition is None:
        edition = CatalogEdition(kind=kind, name=name, note="",
                                 title=title or f"{rules.KIND_NAMES[kind]}（{name}年版）")
        session.add(edition)
    elif title:
        edition.title = title
    edition.effective_from, edition.loaded, edition.verified = effective_from, True, True
    later = session.scalars(select(CatalogEdition.effective_from).where(
        CatalogEdition.kind == kind, CatalogEdition.loaded, CatalogEdition.name != name,
        CatalogEdition.effective_from > effective_from).order_by(CatalogEdition.effective_from)).first()
    edition.effective_to = later - timedelta(days=1) if later else None
    session.flush()
    return edition


def _end_predecessors(session, edition: CatalogEdition) -> None:
    """Editions of the kind still open on the new edition's first day end the day before it."""
    day_before = edition.effective_from - timedelta(days=1)
    for other in session.scalars(select(CatalogEdition).where(
            CatalogEdition.kind == edition.kind, CatalogEdition.id != edition.id,
            CatalogEdition.effective_from < edition.effective_from)):
        if other.effective_to is None or other.effective_to > day_before:
            other.effective_to = day_before


def _register(session, edition: CatalogEdition, values: list[dict]) -> None:
    """New codes join the register; when the edition is the newest of its kind, its wording becomes the register's."""
    newest = session.scalar(select(CatalogEdition.id).where(CatalogEdition.kind == edition.kind, CatalogEdition.loaded)
                            .order_by(CatalogEdition.effective_from.desc()).limit(1)) == edition.id
    known = set(session.scalars(select(WasteCode.code).where(WasteCode.code.in_([v["code"] for v in values]))))
    rows = [{name: v[name] for name in ("code", "name", "category", "category_name", "stream", "hazard",
                                        "industry_source")} | {"edition": edition.title[:40]} for v in values]
    fresh = [r for r in rows if r["code"] not in known]
    if fresh:
        session.execute(WasteCode.__table__.insert(), fresh)
    if newest:
        for row in rows:
            if row["code"] in known:
                session.execute(WasteCode.__table__.update().where(WasteCode.code == row["code"]).values(**row))
