"""Reading a department's file into a header and rows of trimmed strings.

CSV in UTF-8 (with or without BOM) or GB18030/GBK, or XLSX (first sheet). Row numbers are
the spreadsheet's: the header is row 1, so the first data row is row 2.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import load_workbook

# Spaces a cell may be wrapped in: ASCII, full-width (U+3000), no-break, a stray BOM.
_SPACES = " \t\r\n\u3000\u00a0\ufeff"


class UnusableFile(ValueError):
    """The file cannot be imported at all; str(error) tells the department why, in Chinese."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the department should know

    @classmethod
    def from_dicts(cls, rows: list[dict[str, str]]) -> Table:
        """Rows already in memory (demo data), numbered as if they came from a spreadsheet."""
        headers: list[str] = []
        for row in rows:
            headers.extend(h for h in row if h not in headers)
        return cls(headers, [(i + 2, dict(row)) for i, row in enumerate(rows)])


def clean(value: object) -> str:
    """A cell as trimmed text; spreadsheet dates become ISO dates, 12.0 becomes 12."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else (
            value.isoformat(sep=" ")
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip(_SPACES)


def read_table(filename: str, data: bytes) -> Table:
    """Parse the file; raise UnusableFile when it has no usable header or no rows."""
    if not data.strip():
        raise UnusableFile("文件为空")
    if filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        raw_rows = _xlsx_rows(data)
    elif filename.lower().endswith(".xls"):
        raise UnusableFile("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后上传")
    else:
        raw_rows = _csv_rows(data)
    return _to_table(raw_rows)


def _decode(data: bytes) -> str:
    # UTF-8 first (strict, BOM removed), then GB18030, a superset of GBK that Excel on a
    # Chinese Windows writes. A NUL byte means a binary file that happens to decode.
    if b"\x00" in data:
        raise UnusableFile("无法识别的文件：不是 CSV 文本或 XLSX 表格")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnusableFile("无法识别文件编码：CSV 文件应使用 UTF-8 或 GBK/GB18030 编码")


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise UnusableFile(f"CSV 文件格式错误：{error}") from None


def _xlsx_rows(data: bytes) -> list[list[object]]:
    try:
        with warnings.catch_warnings():
            # Files written by other programs often lack a default style; openpyxl warns
            # about it and reads them fine.
            warnings.simplefilter("ignore", UserWarning)
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise UnusableFile("XLSX 文件中没有工作表")
                sheet = workbook.worksheets[0]
                # Programs other than Excel often write a wrong sheet size; read every cell.
                sheet.reset_dimensions()
                return [list(row) for row in sheet.iter_rows(values_only=True)]
            finally:
                workbook.close()
    except UnusableFile:
        raise
    except zipfile.BadZipFile:
        raise UnusableFile("无法读取 XLSX 文件：文件已损坏或不是 Excel 表格") from None
    except Exception as error:  # a malformed workbook may fail anywhere inside openpyxl
        raise UnusableFile(f"无法读取 XLSX 文件：{type(error).__name__} {error}") from None


def _to_table(raw_rows: list[list[object]]) -> Table:
    if not raw_rows or not any(clean(v) for v in raw_rows[0]):
        raise UnusableFile("文件为空或第一行不是表头")
    headers = [clean(v) for v in raw_rows[0]]
    named = [h for h in headers if h]
    duplicates = sorted({h for h in named if named.count(h) > 1})
    if duplicates:
        raise UnusableFile(f"表头中有重复的列：{'、'.join(duplicates)}")
    table = Table(named)
    unnamed_rows: list[int] = []
    for number, raw in enumerate(raw_rows[1:], start=2):
        cells = [clean(v) for v in raw]
        if not any(cells):
            continue  # blank lines between or after the data
        row = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h}
        if any(v for i, v in enumerate(cells) if i >= len(headers) or not headers[i]):
            unnamed_rows.append(number)
        table.rows.append((number, row))
    if not table.rows:
        raise UnusableFile("文件中没有数据行")
    if unnamed_rows:
        shown = "、".join(str(n) for n in unnamed_rows[:10])
        more = f"等（共{len(unnamed_rows)}行）" if len(unnamed_rows) > 10 else ""
        table.notes.append(f"第{shown}行{more}有数据不在任何列名之下，这些数据未导入")
    return table
