"""A synthetic "edition 2099" of the hazardous waste list, made from the shipped 2021 table: one code added, one
removed, one renamed, two merged into one, one split in two, one hazard changed."""
import csv
from datetime import date
from pathlib import Path

from wastechain.catalog import DATA
from wastechain.domain.catalog import COLUMNS

EFFECTIVE = date(2099, 1, 1)
ADDED = "321-101-48"
REMOVED = "321-025-48"
RENAMED = "321-026-48"
MERGED_INTO, MERGED_AWAY = "321-003-48", "321-016-48"
SPLIT, SPLIT_INTO = "321-027-48", ("321-102-48", "321-103-48")
HAZARD_CHANGED = "321-034-48"
NEW_NAME = "再生铝和铝材加工过程中产生的铝灰渣（2099 年版措辞）"
MAPPING = [(MERGED_AWAY, MERGED_INTO), (SPLIT, SPLIT_INTO[0]), (SPLIT, SPLIT_INTO[1])]


def shipped_rows() -> list[dict]:
    with open(DATA / "hazardous_waste_list.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def edition_2099() -> list[dict]:
    rows = []
    for row in shipped_rows():
        code = row["code"]
        if code in (REMOVED, MERGED_AWAY):
            continue
        if code == SPLIT:
            rows += [{**row, "code": new, "description": f"{row['description']}（{part}）"}
                     for new, part in zip(SPLIT_INTO, ("粉尘", "污泥"))]
            continue
        if code == RENAMED:
            row = {**row, "description": NEW_NAME}
        if code == HAZARD_CHANGED:
            row = {**row, "hazard": "T"}
        rows.append(row)
        if code == "321-002-48":
            rows.append({**row, "code": ADDED, "description": "锡火法冶炼过程中烟气处理集（除）尘装置收集的粉尘"})
    return rows


def write(path: Path, rows: list[dict], columns=COLUMNS["hazardous"]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
    return path


def mapping_rows() -> list[dict]:
    return [{"old_code": old, "new_code": new} for old, new in MAPPING]


def files(folder: Path) -> tuple[Path, Path]:
    """The 2099 table and its mapping file as CSV files in a folder."""
    return (write(folder / "hw2099.csv", edition_2099()),
            write(folder / "map2099.csv", mapping_rows(), ("old_code", "new_code")))


def numbered(rows: list[dict]) -> list[tuple[int, dict]]:
    """Rows as the reader gives them: numbered from 2 (the header is row 1)."""
    return list(enumerate(rows, start=2))
