"""Manifest numbers (《危险废物转移管理办法》第十五条) and batch unit codes (HJ 1276-2022 数字识别码)."""
from datetime import date

from wastechain.domain.errors import Conflict
from wastechain.domain.text import N_

SERIAL_DIGITS = 6


def manifest_number(year: int, origin_region: str, serial: int) -> str:
    """14 digits: year (4) + province (2) + city (2) of the origin + the city's serial (6)."""
    if not 0 < serial < 10**SERIAL_DIGITS:
        raise Conflict(N_("{year} 年 {city} 的联单流水号已用尽"), params={"year": year, "city": f"{origin_region[:4]}00"},
                       code="SERIAL_EXHAUSTED")
    return f"{year:04d}{origin_region[:4]}{serial:06d}"


def waste_code_digits(code: str) -> str:
    """The 8-character waste code segment: HW codes without dashes; our other codes left-aligned, zero-padded."""
    compact = code.replace("-", "")
    return compact[:8].ljust(8, "0")


def unit_code(credit_code: str, waste_code: str, generated_on: date, sequence: int) -> str:
    """37 characters: producer's credit code (18) + waste code (8) + date YYYYMMDD (8) + sequence (3)."""
    return f"{credit_code}{waste_code_digits(waste_code)}{generated_on:%Y%m%d}{sequence:03d}"
