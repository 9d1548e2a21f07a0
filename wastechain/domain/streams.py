"""The six waste streams of SPEC.md and which catalog category belongs to which."""
from enum import StrEnum

from wastechain.domain.text import N_


class Stream(StrEnum):
    HAZARDOUS = "hazardous"
    MEDICAL = "medical"
    INDUSTRIAL = "industrial"
    HOUSEHOLD = "household"
    CONSTRUCTION = "construction"
    AGRICULTURAL = "agricultural"


HAZARDOUS_STREAMS = frozenset({Stream.HAZARDOUS, Stream.MEDICAL})

STREAM_NAMES = {
    Stream.HAZARDOUS: N_("危险废物"),
    Stream.MEDICAL: N_("医疗废物"),
    Stream.INDUSTRIAL: N_("一般工业固体废物"),
    Stream.HOUSEHOLD: N_("生活垃圾"),
    Stream.CONSTRUCTION: N_("建筑垃圾"),
    Stream.AGRICULTURAL: N_("农业固体废物"),
}


def stream_of_category(category: str) -> Stream:
    """HW01 is medical (and hazardous); other HWxx hazardous; SWxx industrial; our S6x/S7x/S8x classes follow
    the class ranges of MEE 公告2024年第4号 (S60-69 生活, S70-79 建筑, S80-89 农业)."""
    if category == "HW01":
        return Stream.MEDICAL
    if category.startswith("HW"):
        return Stream.HAZARDOUS
    if category.startswith("SW"):
        return Stream.INDUSTRIAL
    if category.startswith("S") and category[1:3].isdigit():
        return {6: Stream.HOUSEHOLD, 7: Stream.CONSTRUCTION, 8: Stream.AGRICULTURAL}[int(category[1])]
    raise ValueError(f"unknown waste category {category!r}")


def is_hazardous(stream: str) -> bool:
    return stream in HAZARDOUS_STREAMS
