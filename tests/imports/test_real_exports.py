"""Issue 9's harness: what departments really send, in CSV UTF-8, GBK and XLSX.

27 penalty rows in the national 2.0 layout with every value variant of the issue: 25 are
imported, the 2 genuinely bad ones are rejected with their row and the column as the file
names it. Publicity follows 《信用修复管理办法》 (warnings / 通报批评 alone, simplified
procedure and minors are stored but not published).
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from import_files import csv_bytes
from openpyxl import Workbook
from real_exports import (
    ADULT_ID,
    BAD_ROWS,
    LICENSE_BAD_ROWS,
    LICENSE_HEADERS,
    LICENSE_ROWS,
    MARKET_CODE,
    MINOR_ID,
    OPERATOR_ID,
    PENALTY_HEADERS,
    PENALTY_ROWS,
)
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Record, Subject
from webapp.services.imports import import_file


def xlsx_bytes(headers: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    """As Excel saves it: dates as date cells, plain numbers as numbers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        cells: list[object] = []
        for header in headers:
            value = row.get(header, "")
            if header.endswith("日期") and value == "2026-10-10 00:00:00":
                cells.append(datetime(2026, 10, 10))
            elif header.endswith("日期") and value == "2026-10-12":
                cells.append(date(2026, 10, 12))
            elif value.replace(".", "", 1).isdigit() and "金额" in header:
                cells.append(float(value))
            elif value.isdigit() and header.endswith("日期"):
                cells.append(int(value))  # an Excel serial shown as a number
            else:
                cells.append(value or None)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FORMATS = {
    "csv-utf8": lambda h, r: ("处罚.csv", csv_bytes(r, "utf-8-sig", h)),
    "csv-gbk": lambda h, r: ("处罚.csv", csv_bytes(r, "gbk", h)),
    "xlsx": lambda h, r: ("处罚.xlsx", xlsx_bytes(h, r)),
}


def by_doc(session) -> dict[str, Record]:
    return {r.doc_number: r for r in session.scalars(select(Record))}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_27_penalty_rows_of_the_issue(db_session, fmt: str) -> None:
    name, data = FORMATS[fmt](PENALTY_HEADERS, PENALTY_ROWS)
    result = import_file(db_session, "penalty", name, data)
    assert (result.rows_total, result.created, result.rejected) == (27, 25, 2), \
        result.report_lines()
    assert {e.row: e.column for e in result.errors} == BAD_ROWS
    reasons = {e.row: e.reason for e in result.errors}
    assert "校验位错误" in reasons[27] and "日期不存在" in reasons[28]

    mapping = dict(result.header_mapping)
    assert mapping["行政相对人代码_1（统一社会信用代码）"] == "统一社会信用代码"
    assert mapping["行政相对人代码_2(工商注册号)"] == "工商注册号"
    assert mapping["罚款金额(万元)"] == "罚款金额（万元）"
    assert mapping["法定代表人身份证号"] == "法定代表人证件号码"
    assert mapping["法定代表人姓名"] == "法定代表人"
    assert mapping["处罚名称"] == "违法行为类型"
    assert mapping["处罚事由"] == "违法事实" and mapping["处罚结果"] == "处罚内容"
    assert mapping["业务系统编号"] is None and result.unknown_columns == ["业务系统编号"]
    report = "\n".join(result.report_lines())
    assert "“行政相对人代码_1（统一社会信用代码）”→统一社会信用代码" in report
    if fmt != "xlsx":  # Excel stores 2000 as a number; the CSV keeps what was typed
        assert "第16行 [罚款金额（万元）]：“2000元”已换算为 0.2 万元" in report
    assert "第25行 [处罚机关统一社会信用代码]：“00000000000000000X”是表示“无代码”的占位值" in report

    records = by_doc(db_session)
    doc = "黑市监处罚〔2026〕{}号".format
    assert records[doc(106)].details["处罚类别"] == "吊销许可证件"
    assert records[doc(106)].severity == "serious"
    assert records[doc(107)].details["处罚类别"] == "罚款;没收违法所得"
    assert records[doc(107)].details["没收违法所得、没收非法财物的金额（万元）"] == "0.08"
    assert records[doc(109)].details["处罚类别"] == "警告;罚款"
    for n in (110, 111, 112, 113):
        assert records[doc(n)].decided_on == date(2026, 10, 10), n
    for n in (114, 115, 116):
        assert records[doc(n)].amount == Decimal("0.2"), n
    for n in (104, 105, 103):
        assert records[doc(n)].severity == "serious", n

    # Stored and counted, never public (《信用修复管理办法》; SAMR practice).
    withheld = {r.doc_number: r.visibility_reason for r in records.values()
                if r.visibility == "unpublished"}
    assert set(withheld) == {doc(101), doc(120), doc(122), "黑市监简罚〔2026〕7号"}
    assert "通报批评" in withheld[doc(101)] and "未成年人" in withheld[doc(122)]
    assert "简易程序" in withheld["黑市监简罚〔2026〕7号"]
    assert records[doc(101)].severity == "minor"
    assert records[doc(109)].visibility == "public"  # 警告 with a fine is published

    people = {s.name: s for s in db_session.scalars(select(Subject))}
    assert people["张明远"].id_number == ADULT_ID  # spaces removed before check and storage
    assert people["王小川"].id_number == MINOR_ID
    assert people["黑河市爱辉区春生日杂店"].subject_type == "个体工商户"
    # The placeholder is never taken for a code (the other rows give the real one).
    assert records[doc(124)].department.uscc == MARKET_CODE
    assert "法定代表人证件号码" not in records[doc(123)].details  # ID columns stay private

    again = import_file(db_session, "penalty", name, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 25), again.report_lines()


@pytest.mark.parametrize("fmt", FORMATS)
def test_licences_with_codes_and_database_dates(db_session, fmt: str) -> None:
    name, data = FORMATS[fmt](LICENSE_HEADERS, LICENSE_ROWS)
    result = import_file(db_session, "license", name.replace("处罚", "许可"), data)
    assert (result.created, result.rejected) == (6, 2), result.report_lines()
    assert {e.row: e.column for e in result.errors} == LICENSE_BAD_ROWS
    reasons = {e.row: e.reason for e in result.errors}
    assert "代码“9”不在当前状态代码表中" in reasons[8]
    assert "校验位错误" in reasons[9]  # code 001 means an ID card: checked
    records = by_doc(db_session)
    doc = "黑市监食许〔2026〕{}号".format
    first = records[doc(201)]
    assert (first.decided_on, first.valid_from, first.valid_until) == (
        date(2026, 9, 1), date(2026, 9, 1), date(2031, 8, 31))
    assert first.grade == "有效" and first.visibility == "public"
    assert records[doc(202)].visibility == "revoked"  # 当前状态 0 = 无效
    assert records[doc(203)].decided_on == date(2026, 9, 1)  # Excel serial 46266
    assert records[doc(204)].subject.subject_type == "个体工商户"  # 行政相对人类别 code 3
    assert records[doc(206)].subject.subject_type == "自然人"  # code 2
    assert "“00000000000000000X”是表示“无代码”的占位值" in "\n".join(result.warnings)


def test_cli_prints_the_header_mapping(app, tmp_path: Path) -> None:
    path = tmp_path / "处罚.csv"
    path.write_bytes(csv_bytes(PENALTY_ROWS, "gbk", PENALTY_HEADERS))
    out = app.test_cli_runner().invoke(args=["import-records", "--kind", "penalty", str(path)])
    assert out.exit_code == 1
    assert "表头对应：" in out.output and "“罚款金额(万元)”→罚款金额（万元）" in out.output
    assert "以下列不在数据标准中，已作为附加信息保存：业务系统编号" in out.output
    assert "第27行 [行政相对人代码_1（统一社会信用代码）]：" in out.output


def test_id_numbers_never_shown_whole_after_import(app, client, db_session) -> None:
    name, data = FORMATS["csv-utf8"](PENALTY_HEADERS, PENALTY_ROWS)
    import_file(db_session, "penalty", name, data)
    db.session.commit()
    person = db_session.scalar(select(Subject).where(Subject.name == "张明远"))
    record = db_session.scalar(select(Record).where(Record.subject_id == person.id))
    forms = [ADULT_ID, f"{ADULT_ID[:6]} {ADULT_ID[6:14]} {ADULT_ID[14:]}",
             f"{ADULT_ID[:6]}-{ADULT_ID[6:14]}-{ADULT_ID[14:]}"]
    pages = [client.get(f"/records/{record.id}"), client.get(f"/subjects/{person.id}")]
    for page in pages:
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "2311**********1237" in text  # the masked form is there, the whole never
        for form in forms:
            assert form not in text


def test_id_numbers_in_free_text_never_whole_in_the_api(app, client, db_session) -> None:
    name, data = FORMATS["csv-utf8"](PENALTY_HEADERS, PENALTY_ROWS)
    import_file(db_session, "penalty", name, data)
    db.session.commit()
    shop = db_session.scalar(select(Subject).where(Subject.name == "黑河市爱辉区春生日杂店"))
    response = client.get(f"/api/v1/subjects/{shop.uscc}")
    assert response.status_code == 200
    text = json.dumps(response.get_json(), ensure_ascii=False)
    assert "2311**********" in text  # the masked form in facts and content
    for form in (OPERATOR_ID, f"{OPERATOR_ID[:6]} {OPERATOR_ID[6:14]} {OPERATOR_ID[14:]}",
                 f"{OPERATOR_ID[:6]}-{OPERATOR_ID[6:14]}-{OPERATOR_ID[14:]}"):
        assert form not in text
    page = client.get(f"/subjects/{shop.id}").get_data(as_text=True)
    assert OPERATOR_ID not in page and OPERATOR_ID[6:14] + " " + OPERATOR_ID[14:] not in page
