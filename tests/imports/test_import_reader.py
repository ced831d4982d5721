"""Reading files: UTF-8 with and without BOM, GBK/GB18030, XLSX; trimming; unusable files."""

from datetime import date, datetime

import pytest
from import_files import csv_bytes, penalty_row, xlsx_bytes

from webapp.services.imports.reader import UnusableFile, read_table

ROWS = [penalty_row(1), penalty_row(2, 行政相对人名称="黑河市北方（集团）有限公司")]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(encoding: str) -> None:
    data = csv_bytes(ROWS, encoding=encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    table = read_table("处罚.csv", data)
    assert table.headers[0] == "行政相对人名称"  # no BOM glued to the first header
    assert [number for number, _ in table.rows] == [2, 3]
    assert table.rows[1][1]["行政相对人名称"] == "黑河市北方（集团）有限公司"
    assert table.rows[0][1]["处罚依据"] == "《中华人民共和国食品安全法》第一百二十四条"


def test_spaces_and_full_width_spaces_are_trimmed_in_headers_and_cells() -> None:
    data = "\u3000主体名称 ,主体类别\u3000\r\n\u3000黑河市鑫源贸易有限公司\u3000 , 企业法人\r\n"
    table = read_table("e.csv", data.encode("gbk"))
    assert table.headers == ["主体名称", "主体类别"]
    assert table.rows == [(2, {"主体名称": "黑河市鑫源贸易有限公司", "主体类别": "企业法人"})]


def test_blank_lines_are_skipped_but_row_numbers_stay_the_spreadsheets() -> None:
    data = "主体名称,主体类别\n甲公司,企业法人\n,\n\n乙公司,企业法人\n".encode()
    table = read_table("e.csv", data)
    assert [(n, r["主体名称"]) for n, r in table.rows] == [(2, "甲公司"), (5, "乙公司")]


def test_xlsx_first_sheet_with_native_dates_and_numbers() -> None:
    data = xlsx_bytes([
        ["  处罚决定日期", "罚款金额（万元）", "行政相对人名称\u3000"],
        [datetime(2026, 3, 5), 2.0, "\u3000黑河市鑫源贸易有限公司"],
        [date(2026, 3, 6), 0.25, "爱辉区老王烧烤店"],
    ])
    table = read_table("处罚.xlsx", data)
    assert table.headers == ["处罚决定日期", "罚款金额（万元）", "行政相对人名称"]
    assert table.rows[0] == (2, {
        "处罚决定日期": "2026-03-05", "罚款金额（万元）": "2",
        "行政相对人名称": "黑河市鑫源贸易有限公司",
    })
    assert table.rows[1][1]["罚款金额（万元）"] == "0.25"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "文件为空"),
        (b"   \n", "文件为空"),
        ("主体名称,主体类别\n".encode(), "没有数据行"),
        (b"\x00\x01\x02binary\xff\xfe", "无法识别"),
        (b"\xff\xfe\xfd\x80\x81", "编码"),
        ("主体名称,主体名称\n甲,乙\n".encode(), "重复"),
        (b"PK\x03\x04 not really a zip", "XLSX"),
    ],
)
def test_unusable_files_say_why(data: bytes, reason: str) -> None:
    with pytest.raises(UnusableFile, match=reason):
        read_table("x.csv", data)


def test_old_excel_files_are_refused_with_advice() -> None:
    with pytest.raises(UnusableFile, match="另存为"):
        read_table("处罚.xls", b"\xd0\xcf\x11\xe0 old excel")


def test_data_outside_any_header_is_reported() -> None:
    data = "主体名称,,主体类别\n甲公司,,企业法人\n乙公司,多余,企业法人,又多一格\n".encode()
    table = read_table("e.csv", data)
    assert table.headers == ["主体名称", "主体类别"]
    assert table.rows[1] == (3, {"主体名称": "乙公司", "主体类别": "企业法人"})
    assert table.notes == ["第3行有数据不在任何列名之下，这些数据未导入"]


def test_a_zip_that_is_not_a_workbook_is_unusable() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(UnusableFile, match="无法读取 XLSX 文件"):
        read_table("处罚.xlsx", buffer.getvalue())
