"""Catalog editions, as the law publishes them: which edition is in force on a day, what a row of a new edition
must look like, what a new edition changes against the one in force, and what replaces a code that is gone.

Pure Python: the services hand in plain rows ({field: text}) and get back problems and differences."""
import re
from dataclasses import dataclass, field
from datetime import date

from wastechain.domain.text import N_

HAZARDOUS, GENERAL, OWN, EXEMPTION = "hazardous", "general", "own", "exemption"
KIND_NAMES = {HAZARDOUS: N_("国家危险废物名录"), GENERAL: N_("一般固体废物分类"), OWN: N_("本系统自定类别"),
              EXEMPTION: N_("危险废物豁免管理清单")}
IMPORTABLE_KINDS = (HAZARDOUS, GENERAL, EXEMPTION)

# The links of the chain an exemption row may name (豁免环节), and what each step of a manifest is.
EXEMPT_LINKS = {"all": N_("全部环节"), "collect": N_("收集"), "transport": N_("运输"), "utilize": N_("利用"),
                "dispose": N_("处置")}

HAZARDOUS_CODE = re.compile(r"\d{3}-\d{3}-(\d{2})")
GENERAL_CODE = re.compile(r"SW\d{2}")
CATEGORY = re.compile(r"HW(\d{2})")
HAZARD_TRAITS = ("T", "C", "I", "R", "In")

# The columns each kind's file has (the shipped CSVs use the same ones); the first `required` must be filled.
COLUMNS = {
    HAZARDOUS: ("category", "category_name", "industry_source", "code", "description", "hazard"),
    GENERAL: ("code", "name", "bulk_examples"),
    EXEMPTION: ("code", "link", "condition"),
}
REQUIRED = {HAZARDOUS: ("category", "category_name", "code", "description", "hazard"), GENERAL: ("code", "name"),
            EXEMPTION: ("code", "link")}
COLUMN_NAMES = {"category": N_("废物类别"), "category_name": N_("类别名称"), "industry_source": N_("行业来源"),
                "code": N_("废物代码"), "description": N_("危险废物"), "hazard": N_("危险特性"), "name": N_("名称"),
                "bulk_examples": N_("大宗废物示例"), "link": N_("豁免环节"), "condition": N_("豁免条件"),
                "old_code": N_("旧代码"), "new_code": N_("新代码"), "file": N_("文件")}
MAX_LENGTH = {"description": 400, "name": 400, "category_name": 64, "industry_source": 200, "bulk_examples": 200,
              "condition": 400}


@dataclass(frozen=True)
class Problem:
    """One refused cell of an import file: its row number (the header is row 1), column, and a Chinese template."""

    row: int
    column: str
    template: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template.format(**self.params)


@dataclass(frozen=True)
class EditionDates:
    kind: str
    name: str
    effective_from: date
    loaded: bool


def in_force(editions: list, kind: str, on: date):
    """The edition of a kind used on a day: the newest loaded one in force by then. An edition that is in force
    by law but not loaded yet (pending) leaves its predecessor in use, with the pending note for administrators."""
    candidates = [e for e in editions if e.kind == kind and e.loaded and e.effective_from <= on]
    return max(candidates, key=lambda e: e.effective_from, default=None)


def kind_of_code(code: str) -> str:
    """Which catalog a code's shape belongs to: 900-041-49 the hazardous list, SW13 the general classes, else ours."""
    if HAZARDOUS_CODE.fullmatch(code):
        return HAZARDOUS
    return GENERAL if GENERAL_CODE.fullmatch(code) else OWN


def hazard_problem(hazard: str) -> str | None:
    """危险特性: traits T C I R In joined by "," (the first certain, the others possible) or "/" (one or more)."""
    separators = {s for s in hazard if s in ",/"}
    if len(separators) > 1:
        return N_("危险特性不能同时使用“,”和“/”：{hazard}")
    traits = re.split(r"[,/]", hazard)
    if any(t not in HAZARD_TRAITS for t in traits) or len(set(traits)) != len(traits):
        return N_("危险特性应为 T、C、I、R、In 之一或用“,”“/”连接的组合：{hazard}")
    return None


def check_row(kind: str, number: int, row: dict) -> list[Problem]:
    """Every problem of one row of a new edition's file."""
    problems = [Problem(number, name, N_("{column} 必填"), {"column": name})
                for name in REQUIRED[kind] if not row.get(name)]
    problems += [Problem(number, name, N_("{column} 太长（最多 {max} 个字）"), {"column": name, "max": limit})
                 for name, limit in MAX_LENGTH.items() if len(row.get(name) or "") > limit]
    code = row.get("code") or ""
    if kind == HAZARDOUS and code:
        match = HAZARDOUS_CODE.fullmatch(code)
        category = CATEGORY.fullmatch(row.get("category") or "")
        if not match:
            problems.append(Problem(number, "code", N_("废物代码格式应为 NNN-NNN-NN：{code}"), {"code": code}))
        if not category:
            problems.append(Problem(number, "category", N_("废物类别格式应为 HWNN：{category}"),
                                    {"category": row.get("category") or ""}))
        elif match and match.group(1) != category.group(1):
            problems.append(Problem(number, "category", N_("废物代码 {code} 的末两位与类别 {category} 不一致"),
                                    {"code": code, "category": row["category"]}))
        hazard = row.get("hazard") or ""
        template = hazard and hazard_problem(hazard)
        if template:
            problems.append(Problem(number, "hazard", template, {"hazard": hazard}))
    elif kind == GENERAL and code and not GENERAL_CODE.fullmatch(code):
        problems.append(Problem(number, "code", N_("一般固体废物类别代码格式应为 SWNN：{code}"), {"code": code}))
    elif kind == EXEMPTION:
        if code and not (HAZARDOUS_CODE.fullmatch(code) or CATEGORY.fullmatch(code)):
            problems.append(Problem(number, "code", N_("豁免行的代码应为废物代码或类别：{code}"), {"code": code}))
        link = row.get("link") or ""
        if link and link not in EXEMPT_LINKS:
            problems.append(Problem(number, "link", N_("豁免环节应为 {links} 之一：{link}"),
                                    {"links": "、".join(EXEMPT_LINKS), "link": link}))
    return problems


def key_of(kind: str, row: dict) -> str:
    """What identifies a row within an edition: the code (an exemption row: the code at one link)."""
    return f"{row['code']}@{row['link']}" if kind == EXEMPTION else row["code"]


def duplicate_problems(kind: str, rows: list[tuple[int, dict]]) -> list[Problem]:
    seen, problems = {}, []
    for number, row in rows:
        if not row.get("code"):
            continue
        key = key_of(kind, row)
        if key in seen:
            problems.append(Problem(number, "code", N_("代码 {code} 与第 {first} 行重复"),
                                    {"code": row["code"], "first": seen[key]}))
        else:
            seen[key] = number
    return problems


def mapping_problems(mapping: list[tuple[int, dict]], old_codes: set[str], new_codes: set[str]) -> list[Problem]:
    """A merge/split mapping maps a code of the edition in force to codes of the new one."""
    problems = []
    for number, row in mapping:
        old, new = row.get("old_code") or "", row.get("new_code") or ""
        if old not in old_codes:
            problems.append(Problem(number, "old_code", N_("映射文件：旧代码 {code} 不在现行版本中"), {"code": old}))
        if new not in new_codes:
            problems.append(Problem(number, "new_code", N_("映射文件：新代码 {code} 不在新版本中"), {"code": new}))
        if old == new:
            problems.append(Problem(number, "new_code", N_("映射文件：代码 {code} 映射到自身"), {"code": old}))
    return problems


@dataclass
class Diff:
    """What a new edition changes against the edition in force (code lists sorted)."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[dict] = field(default_factory=list)  # {code, old, new}
    hazard_changed: list[dict] = field(default_factory=list)
    category_changed: list[dict] = field(default_factory=list)
    merged: list[dict] = field(default_factory=list)  # {from: [codes], to: code}
    split: list[dict] = field(default_factory=list)  # {from: code, to: [codes]}
    replaced: list[dict] = field(default_factory=list)  # {from: code, to: code}

    @property
    def empty(self) -> bool:
        return not any(vars(self).values())


def diff(old: dict[str, dict], new: dict[str, dict], mapping: list[tuple[str, str]]) -> Diff:
    """`old` and `new`: {code: {name, category, hazard}}; `mapping`: (old code, new code) pairs."""
    targets: dict[str, set[str]] = {}
    sources: dict[str, set[str]] = {}
    for old_code, new_code in mapping:
        targets.setdefault(old_code, set()).add(new_code)
        sources.setdefault(new_code, set()).add(old_code)
    for new_code in sources:  # a code that survives a merge into itself is one of the merged codes
        if new_code in old and new_code not in targets:
            sources[new_code].add(new_code)
    result = Diff()
    result.added = sorted(set(new) - set(old) - set(sources))
    result.removed = sorted(set(old) - set(new) - set(targets))
    for code in sorted(set(old) & set(new)):
        for attribute, changes in (("name", result.renamed), ("hazard", result.hazard_changed),
                                   ("category", result.category_changed)):
            if old[code].get(attribute, "") != new[code].get(attribute, ""):
                changes.append({"code": code, "old": old[code].get(attribute, ""), "new": new[code].get(attribute, "")})
    for new_code, olds in sorted(sources.items()):
        if len(olds) > 1:
            result.merged.append({"from": sorted(olds), "to": new_code})
    for old_code, news in sorted(targets.items()):
        if len(news) > 1:
            result.split.append({"from": old_code, "to": sorted(news)})
        elif len(sources[next(iter(news))]) == 1:
            result.replaced.append({"from": old_code, "to": next(iter(news))})
    return result


def successors(code: str, steps: list[list[tuple[str, str]]]) -> list[str]:
    """The codes that replace `code` after each edition's mapping in turn (oldest first); [code] when unchanged."""
    current = [code]
    for mapping in steps:
        following = []
        for c in current:
            mapped = sorted({new for old, new in mapping if old == c})
            following += mapped or [c]
        current = list(dict.fromkeys(following))
    return current
