"""Which edition a code belongs to on a day, what replaces a code a newer edition merged, split or removed, the
pending editions administrators must load, the exemptions in force, and the reporting groups across editions."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from wastechain.domain import catalog as rules
from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_
from wastechain.domain.timeutil import local_date
from wastechain.models import CatalogEdition, CatalogEntry, CatalogExemption, CatalogSuccession


def all_editions(session) -> list[CatalogEdition]:
    """Every edition of every catalog, by kind and date."""
    return list(session.scalars(select(CatalogEdition).order_by(CatalogEdition.kind, CatalogEdition.effective_from)))


@dataclass(frozen=True)
class EditionLabel:
    """What a page or the API says of an edition beside a record: its short name (2021), title and whether the
    table was checked against the official text."""

    kind: str
    name: str
    title: str
    effective_from: date
    loaded: bool
    verified: bool

    @classmethod
    def of(cls, edition: CatalogEdition) -> "EditionLabel":
        return cls(edition.kind, edition.name, edition.title, edition.effective_from, edition.loaded,
                   edition.verified)


EDITIONS_KEY = "wastechain.catalog_editions"


def _labels(session) -> list[EditionLabel]:
    """Every edition, read once per session (a request): a list page names the edition of each row at no cost."""
    if EDITIONS_KEY not in session.info:
        session.info[EDITIONS_KEY] = [EditionLabel.of(e) for e in all_editions(session)]
    return session.info[EDITIONS_KEY]


def forget_editions(session) -> None:
    """After an import changed the editions."""
    session.info.pop(EDITIONS_KEY, None)


def batch_edition(session, batch) -> EditionLabel | None:
    """The edition of a batch's code: the one recorded at registration (load Batch.code_edition with the batch),
    else — a batch from before editions were recorded — the edition of the code's catalog in force on the day it
    was produced."""
    if batch.code_edition_id is not None:
        return EditionLabel.of(batch.code_edition)
    return rules.in_force(_labels(session), rules.kind_of_code(batch.waste_code), local_date(batch.generated_at))


def _loaded(editions, kind: str) -> list[CatalogEdition]:
    return sorted((e for e in editions if e.kind == kind and e.loaded), key=lambda e: e.effective_from)


def _mappings(session, editions: list[CatalogEdition]) -> list[list[tuple[str, str]]]:
    ids = [e.id for e in editions]
    pairs = session.execute(select(CatalogSuccession.edition_id, CatalogSuccession.old_code, CatalogSuccession.new_code)
                            .where(CatalogSuccession.edition_id.in_(ids))).all() if ids else []
    return [[(old, new) for edition_id, old, new in pairs if edition_id == e.id] for e in editions]


def code_edition(session, code: str, on: date) -> CatalogEdition:
    """The edition under which `code` is in force on a day; refuses a code not (or no longer) in force then,
    naming the code(s) that replace it."""
    editions = all_editions(session)
    listed = set(session.scalars(select(CatalogEntry.edition_id).where(CatalogEntry.code == code)))
    kinds = sorted({e.kind for e in editions if e.id in listed})
    for kind in kinds:
        used = rules.in_force(editions, kind, on)
        if used is not None and used.id in listed:
            return used
    if not kinds:
        raise ValidationFailed(N_("废物代码不在名录中：{code}"), params={"code": code}, details={"waste_code": "unknown"})
    ordered = _loaded(editions, kinds[0])
    first = next(e for e in ordered if e.id in listed)
    if on < first.effective_from:
        raise ValidationFailed(N_("废物代码 {code} 在 {on} 尚未施行：《{edition}》自 {date} 起施行"),
                               params={"code": code, "on": on.isoformat(), "edition": first.title,
                                       "date": first.effective_from.isoformat()},
                               details={"waste_code": "not yet in force", "edition": first.name})
    last = [e for e in ordered if e.id in listed and e.effective_from <= on][-1]
    later = [e for e in ordered if last.effective_from < e.effective_from <= on]
    remover = later[0]
    following = rules.successors(code, _mappings(session, later))
    details = {"waste_code": "not in force", "edition": remover.name, "successors": following if following != [code]
               else []}
    if details["successors"]:
        raise ValidationFailed(N_("废物代码 {code} 自 {date} 起已由《{edition}》调整为 {successors}，此后产生的批次请改用新代码"),
                               params={"code": code, "date": remover.effective_from.isoformat(),
                                       "edition": remover.title, "successors": "、".join(following)}, details=details)
    raise ValidationFailed(N_("废物代码 {code} 自 {date} 起已从《{edition}》中删除，此后产生的批次不能再使用"),
                           params={"code": code, "date": remover.effective_from.isoformat(), "edition": remover.title},
                           details=details)


def pending_editions(session, today: date) -> list[dict]:
    """Editions in force by law on `today` whose table is not loaded yet, with the edition still used instead."""
    editions = all_editions(session)
    return [{"edition": e, "used": rules.in_force(editions, e.kind, today)}
            for e in editions if not e.loaded and e.effective_from <= today]


def exemptions(session, *, wastes: list[tuple[str, str]], link: str, on: date) -> dict[str, CatalogExemption]:
    """The rows of the exemption list in force on a day that exempt the given wastes ((code, category) pairs) at a
    link of the chain (a row may name a code or a whole category), by code."""
    used = rules.in_force(all_editions(session), rules.EXEMPTION, on)
    if used is None or not wastes:
        return {}
    rows = session.scalars(select(CatalogExemption).where(
        CatalogExemption.edition_id == used.id, CatalogExemption.code.in_({x for pair in wastes for x in pair}),
        CatalogExemption.link.in_([link, "all"])).order_by(CatalogExemption.id)).all()
    found = {}
    for code, category in wastes:
        row = next((r for r in rows if r.code == code), None) or next((r for r in rows if r.code == category), None)
        if row is not None:
            found[code] = row
    return found


def reporting_groups(session, codes) -> dict[str, str]:
    """Each code → the group it is reported under across editions: the code in force today, or the codes a
    merge or split made of it joined ("A / B"), so that a period spanning an edition change adds up."""
    codes = set(codes)
    pairs = session.execute(select(CatalogSuccession.old_code, CatalogSuccession.new_code)
                            .join(CatalogEdition, CatalogEdition.id == CatalogSuccession.edition_id)
                            .where(CatalogEdition.loaded)).all()
    parent: dict[str, str] = {}

    def root(code: str) -> str:
        while parent.get(code, code) != code:
            code = parent[code]
        return code

    for old, new in pairs:
        parent[root(old)] = root(new)
    olds = {old for old, _ in pairs}
    members: dict[str, set[str]] = {}
    for code in set(parent) | set(parent.values()) | codes:
        members.setdefault(root(code), set()).add(code)
    label = {top: " / ".join(sorted(c for c in group if c not in olds) or sorted(group))
             for top, group in members.items()}
    return {code: label[root(code)] for code in codes}
