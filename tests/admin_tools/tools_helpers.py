"""Helpers of the back office tool tests: page text, department files in CSV and XLSX."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from flask.testing import FlaskClient
from openpyxl import Workbook

from webapp.rules import uscc as uscc_rules

MARKET = "黑河市市场监督管理局"
TAX = "国家税务总局黑河市税务局"


def page_text(response: Any) -> str:
    """What a person reads: tags removed, whitespace collapsed (entities left as sent)."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def uscc_for(n: int) -> str:
    return uscc_rules.make("91", "231102", n)


def penalty_row(n: int, **overrides: str) -> dict[str, str]:
    """A complete, valid penalty row (DATA-STANDARD.md) of an enterprise."""
    row = {
        "行政相对人名称": f"黑河市瑞丰{n}号商贸有限公司",
        "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": uscc_for(7000 + n),
        "法定代表人": "李春生",
        "行政处罚决定书文号": f"黑市监罚〔2026〕{700 + n}号",
        "违法行为类型": "销售不符合食品安全标准的食品",
        "违法事实": "经查，当事人销售标签不合格的预包装食品。",
        "处罚依据": "《中华人民共和国食品安全法》第一百二十五条",
        "处罚类别": "罚款",
        "处罚内容": "罚款人民币0.8万元。",
        "罚款金额（万元）": "0.8",
        "处罚决定日期": "2026-06-03",
        "处罚机关": MARKET,
        "数据来源单位": MARKET,
    }
    row.update(overrides)
    return row


def csv_bytes(rows: Sequence[dict[str, str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(dict.fromkeys(h for r in rows for h in r)))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[dict[str, str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    headers = list(dict.fromkeys(h for r in rows for h in r))
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, f"{path} has a CSRF token"
    return match.group(1)
