"""统一社会信用代码 (GB 32100-2015): 18 characters with two check characters.

Position 18 checks the whole code (mod 31); positions 9-17 are the organization code of GB 11714,
whose 9th character checks its first 8 (mod 11).
"""
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS_18 = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
WEIGHTS_ORG = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_check_char(body: str) -> str:
    total = sum(_org_value(c) * w for c, w in zip(body, WEIGHTS_ORG))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _org_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def _full_check_char(first17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS_18))
    return CHARSET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """None when the code is valid; otherwise a sentence saying what is wrong."""
    if not isinstance(code, str) or len(code) != 18:
        return "统一社会信用代码应为 18 位"
    if any(c not in CHARSET for c in code):
        return "统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）"
    if not code[2:8].isdigit():
        return "统一社会信用代码第 3-8 位应为行政区划代码"
    if not code[8:16].isalnum() or _org_check_char(code[8:16]) != code[16]:
        return "统一社会信用代码第 17 位（组织机构代码校验位）不正确"
    if _full_check_char(code[:17]) != code[17]:
        return "统一社会信用代码第 18 位（校验码）不正确"
    return None


def make_credit_code(region_code: str, organization_body: str, prefix: str = "91") -> str:
    """Builds a valid code from a region and an 8-character organization body (for demo data and tests)."""
    body = organization_body.upper()
    first17 = prefix + region_code + body + _org_check_char(body)
    return first17 + _full_check_char(first17)
