"""Building department files in tests (no committed binaries): CSV in any encoding, XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook

from webapp.rules import uscc as uscc_rules
from webapp.services.imports import idcard

MARKET = "黑河市市场监督管理局"
PERSON_ID = "23110219800101" + "123"
PERSON_ID += idcard.check_digit(PERSON_ID)


def make_uscc(n: int, prefix: str = "91", region: str = "231102") -> str:
    return uscc_rules.make(prefix, region, n)


def penalty_row(n: int = 1, **overrides: str) -> dict[str, str]:
    """A complete, valid penalty row of an enterprise; `n` varies the decision and subject."""
    row = {
        "行政相对人名称": f"黑河市鑫源{n}号贸易有限公司",
        "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": make_uscc(900 + n),
        "法定代表人": "王建国",
        "行政处罚决定书文号": f"黑市监处罚〔2026〕{n}号",
        "违法行为类型": "销售超过保质期的食品",
        "违法事实": "经查，当事人销售超过保质期的饮料共12瓶。",
        "处罚依据": "《中华人民共和国食品安全法》第一百二十四条",
        "处罚类别": "罚款;没收违法所得",
        "处罚内容": "罚款人民币0.5万元，没收违法所得300元。",
        "罚款金额（万元）": "0.5",
        "处罚决定日期": "2026-06-01",
        "处罚机关": MARKET,
        "数据来源单位": MARKET,
    }
    row.update(overrides)
    return row


def csv_bytes(
    rows: Sequence[dict[str, str]], encoding: str = "utf-8", headers: Sequence[str] | None = None
) -> bytes:
    """A CSV file as a department's spreadsheet program would write it."""
    buffer = io.StringIO(newline="")
    fieldnames = list(headers or dict.fromkeys(h for row in rows for h in row))
    writer = csv.DictWriter(buffer, fieldnames=fieldnames, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    """An XLSX workbook whose first sheet holds `rows` (header first); a second sheet is
    ignored by the importer."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    workbook.create_sheet("说明").append(["这一页不是数据"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
