"""Unified Social Credit Code (统一社会信用代码), GB 32100-2015.

`validate` checks the shape and the check character (enough to look a code up);
`validate_structure` also checks what every code entering the system must satisfy: the
registration authority and type of positions 1-2 (GB 32100 table 1), a six-digit region in
positions 3-8, and the GB 11714 organisation code with its own check character in 9-17.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


#: GB 32100-2015 table 1 (with the later codes for military bodies, A, and rural collective
#: economic organisations, N): registration authority + entity type.
AUTHORITY_TYPES = {
    "11": "机构编制·机关", "12": "机构编制·事业单位", "13": "机构编制·群众团体",
    "19": "机构编制·其他",
    "21": "外交·外国常驻新闻机构", "29": "外交·其他",
    "31": "司法行政·律师执业机构", "32": "司法行政·公证处", "33": "司法行政·基层法律服务所",
    "34": "司法行政·司法鉴定机构", "35": "司法行政·仲裁委员会", "39": "司法行政·其他",
    "41": "文化·外国在华文化中心", "49": "文化·其他",
    "51": "民政·社会团体", "52": "民政·民办非企业单位", "53": "民政·基金会", "59": "民政·其他",
    "61": "旅游·外国旅游部门常驻代表机构", "62": "旅游·港澳台地区旅游部门常驻代表机构",
    "69": "旅游·其他",
    "71": "宗教·宗教活动场所", "72": "宗教·宗教院校", "79": "宗教·其他",
    "81": "工会·基层工会", "89": "工会·其他",
    "91": "工商·企业", "92": "工商·个体工商户", "93": "工商·农民专业合作社",
    "A1": "军队·军队事业单位", "A9": "军队·其他",
    "N1": "农业·组级集体经济组织", "N2": "农业·村级集体经济组织", "N3": "农业·乡镇级集体经济组织",
    "N9": "农业·其他",
    "Y1": "其他",
}
#: GB 11714-1997: organisation code body weights; check = 11 - (sum mod 11), 10 -> X, 11 -> 0.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUES = {ch: i for i, ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


class InvalidUSCC(ValueError):
    """The code is not a valid USCC; str(error) is a message a person understands."""


def normalize(raw: str) -> str:
    """Full-width to half-width, spaces removed, upper case."""
    return "".join(unicodedata.normalize("NFKC", raw).split()).upper()


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (each must be in ALPHABET)."""
    total = sum(_VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate(raw: str) -> str:
    """Return the normalised code, or raise InvalidUSCC with the reason in Chinese."""
    code = normalize(raw or "")
    if not code:
        raise InvalidUSCC("统一社会信用代码为空")
    if len(code) != 18:
        raise InvalidUSCC(f"统一社会信用代码应为18位，实际为{len(code)}位")
    bad = sorted({ch for ch in code if ch not in _VALUES})
    if bad:
        raise InvalidUSCC(
            f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、S、V、Z）"
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidUSCC(f"统一社会信用代码校验位错误：第18位应为 {expected}，实际为 {code[17]}")
    return code


def organisation_check_character(body8: str) -> str:
    """The 9th character of a GB 11714 organisation code for its first 8."""
    total = sum(_ORG_VALUES[ch] * w for ch, w in zip(body8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate_structure(raw: str) -> str:
    """`validate` plus positions 1-2, 3-8 and the organisation code of 9-17."""
    code = validate(raw)
    if code[:2] not in AUTHORITY_TYPES:
        raise InvalidUSCC(
            f"统一社会信用代码第1-2位“{code[:2]}”不是 GB 32100 规定的登记管理部门和机构类别代码"
        )
    if not code[2:8].isdigit():
        raise InvalidUSCC(f"统一社会信用代码第3-8位应为6位数字的行政区划码，实际为 {code[2:8]}")
    expected = organisation_check_character(code[8:16])
    if code[16] != expected:
        raise InvalidUSCC(
            f"统一社会信用代码第9-17位（组织机构代码）校验位错误：第17位应为 {expected}，"
            f"实际为 {code[16]}"
        )
    return code


def make(prefix: str, region: str, serial: int) -> str:
    """A structurally valid code (demo data and tests): prefix 2, region 6, serial → 9-16."""
    body = f"{serial:08d}"
    first17 = prefix + region + body + organisation_check_character(body)
    return first17 + check_character(first17)


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except InvalidUSCC:
        return False
    return True


def looks_like_code_prefix(text: str) -> bool:
    """True when a search query could be the start of a USCC (for prefix look-up)."""
    code = normalize(text)
    return 4 <= len(code) <= 18 and all(ch in _VALUES for ch in code) and code[:1].isalnum() \
        and any(ch.isdigit() for ch in code)
