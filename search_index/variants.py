"""Name variants: the administrative and company-form words people leave out or add.

"黑河天鑫源" (市 left out), "天鑫源公司" and "天鑫源商贸公司" (有限 left out) should find
黑河市天鑫源商贸有限公司. Both the indexed names and the query are reduced to their *core*
(these words removed) and the cores are matched like names, one rank below an exact match
(search_index.ranking). The rule looks at a character and its neighbours only, so a
substring of a name reduces to (nearly) a substring of the name's core.
"""

from __future__ import annotations

import re
from functools import lru_cache

from opencc import OpenCC

#: company-form words, longest first (the regex tries alternatives in order)
FORM_WORDS = ("有限责任", "股份", "有限", "公司")
#: administrative words (a place name's suffix)
ADMIN_CHARS = "市区县"
# 市 / 区 / 县 that are part of an ordinary word, not a place suffix: kept.
_KEEP_AFTER = {"市": "超城夜菜集早街门", "区": "社小园景校营矿城街", "县": ""}
_KEEP_BEFORE = {"市": "场民政容", "区": "域块", "县": "城"}
_FORMS = re.compile("|".join(FORM_WORDS))


def core(normalized: str) -> str:
    """`normalized` (search_index.text.normalize) without company-form and administrative
    words: "黑河市天鑫源商贸有限公司" -> "黑河天鑫源商贸"."""
    text = _FORMS.sub("", normalized)
    out: list[str] = []
    for i, char in enumerate(text):
        if char in ADMIN_CHARS:
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            kept = before in _KEEP_AFTER[char] or (after and after in _KEEP_BEFORE[char])
            if before and not kept:
                continue
        out.append(char)
    return "".join(out)


@lru_cache(maxsize=1)
def _converter() -> OpenCC:
    return OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters as simplified ("鑫源商貿" -> "鑫源商贸"); other text unchanged.
    Index text is simplified (department data); a visitor may type either."""
    if text.isascii():
        return text
    return str(_converter().convert(text))
