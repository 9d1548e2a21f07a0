"""Administrative divisions (GB/T 2260): a 6-digit code names a county, its city and its province."""


def county_of(code: str) -> str:
    return code


def city_of(code: str) -> str:
    return code[:4] + "00"


def province_of(code: str) -> str:
    return code[:2] + "0000"


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def within(region_code: str, jurisdiction: str) -> bool:
    """Whether a place lies in a jurisdiction (a county, a city or a province)."""
    level = level_of(jurisdiction)
    if level == "province":
        return region_code[:2] == jurisdiction[:2]
    if level == "city":
        return region_code[:4] == jurisdiction[:4]
    return region_code == jurisdiction


def jurisdiction_prefix(jurisdiction: str) -> str:
    """The code prefix shared by every region inside a jurisdiction (for LIKE queries)."""
    return {"province": jurisdiction[:2], "city": jurisdiction[:4]}.get(level_of(jurisdiction), jurisdiction)
