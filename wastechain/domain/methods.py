"""Utilization (R) and disposal (D) method codes and their names: the one catalog pages, PDFs and the API use.

The codes are those a 危险废物经营许可证 lists and the annual 经营情况 report uses (R = 利用, D = 处置, C = the
co-processing and preparation codes added for Chinese practice). A code this catalog does not name is shown as
itself with "未收录的方式代码", never hidden: permits may carry local codes.
"""
from wastechain.domain.text import N_

METHOD_NAMES = {
    "R1": N_("作为燃料（直接燃烧除外）或以其他方式产生能量"),
    "R2": N_("溶剂回收/再生（如蒸馏、萃取等）"),
    "R3": N_("再循环/再利用不是用作溶剂的有机物"),
    "R4": N_("再循环/再利用金属和金属化合物"),
    "R5": N_("再循环/再利用其他无机物"),
    "R6": N_("再生酸或碱"),
    "R7": N_("回收污染减除剂的组分"),
    "R8": N_("回收催化剂组分"),
    "R9": N_("废油再提炼或其他废油的再利用"),
    "R15": N_("其他利用方式"),
    "D1": N_("填埋"),
    "D9": N_("物理化学处理（如蒸发、干燥、中和、沉淀等，不包括填埋或焚烧前的预处理）"),
    "D10": N_("焚烧"),
    "D16": N_("其他处置方式"),
    "C1": N_("水泥窑协同处置"),
    "C2": N_("生产建筑材料"),
    "C3": N_("清洗（包装容器）"),
}
UNKNOWN_METHOD = N_("未收录的方式代码")
KIND_NAMES = {"R": N_("利用"), "D": N_("处置"), "C": N_("协同处置/预处理")}


def method_name(code: str) -> str:
    """The Chinese name of a method code (untranslated: pages pass it through `_()`)."""
    return METHOD_NAMES.get((code or "").strip().upper(), UNKNOWN_METHOD)


def method_kind(code: str) -> str:
    """利用, 处置 or 协同处置 by the code's letter."""
    return KIND_NAMES.get((code or " ")[:1].upper(), UNKNOWN_METHOD)


def sort_key(code: str) -> tuple[int, int]:
    """R1, R2 … R15, D1 … (numbers as numbers, not text)."""
    letter, digits = code[:1].upper(), code[1:]
    return ("RDC".find(letter) if letter in "RDC" else 9, int(digits) if digits.isdigit() else 0)
