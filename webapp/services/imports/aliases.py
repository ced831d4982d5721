"""Header names as departments' systems export them → the canonical columns of specs.py.

One table of accepted names per column (DATA-STANDARD.md, "Header names as exports write
them"). Names are compared after NFKC (full-width brackets and spaces become half-width) with
every space removed, so `罚款金额（万元）`, `罚款金额(万元)` and `罚款金额 (万元)` are one name.
The national 2.0 layout numbers the party's codes: `行政相对人代码_1（统一社会信用代码）` is
the 统一社会信用代码 column; any `NAME_N（X）` is tried as X.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from webapp.services.imports.reader import Table
from webapp.services.imports.specs import (
    CONFISCATION_COLUMN,
    FINE_COLUMN,
    PENALTY_TYPE_COLUMN,
    SPECS,
)

#: Extra accepted names per canonical column (beyond the bracket and numbering variants).
ALIASES: dict[str, tuple[str, ...]] = {
    "法定代表人": ("法定代表人姓名", "法定代表人（负责人）", "法定代表人(负责人)姓名", "负责人"),
    "法定代表人证件号码": ("法定代表人身份证号", "法定代表人身份证号码", "法定代表人证件号"),
    "法定代表人证件类型": ("法定代表人证件种类",),
    "证件号码": ("身份证号", "身份证号码", "证件号"),
    "证件类型": ("证件种类",),
    "行政相对人名称": ("相对人名称", "当事人名称"),
    "行政相对人类别": ("相对人类别", "当事人类别"),
    "统一社会信用代码": ("社会信用代码",),
    # Portal variants of the penalty columns.
    "违法行为类型": ("处罚名称", "案件名称"),
    "违法事实": ("处罚事由", "主要违法事实"),
    "处罚内容": ("处罚结果",),
    "行政处罚决定书文号": ("处罚决定书文号", "决定书文号"),
    "处罚决定日期": ("处罚决定日期（处罚日期）", "处罚日期", "决定日期"),
    "行政许可决定文书号": ("许可决定书文号", "许可文书号"),
    "许可决定日期": ("许可日期",),
    # Not in the standard, read for the 2026 publicity rules (README, import section).
    "处罚程序": ("适用程序", "程序类型", "办案程序"),
}
#: Columns several source columns may feed, joined with `;` (处罚类别1, 处罚类别2, …).
JOINED = {PENALTY_TYPE_COLUMN: re.compile(r"^处罚类别\d+$|^处罚种类\d*$")}
#: Amount columns whose header names 元 instead of 万元: each bare number gets the unit
#: written after it, so the value parser converts it and the report says so.
IN_YUAN = {"罚款金额(元)": FINE_COLUMN,
           "没收违法所得、没收非法财物的金额(元)": CONFISCATION_COLUMN}
#: Recognised for penalties although not in DATA-STANDARD.md's list (README lists them).
EXTRA_PENALTY_COLUMNS = ("处罚程序",)

_NUMBERED = re.compile(r"^(?P<base>.+?)_\d+\((?P<inner>.+)\)$")


def header_key(name: str) -> str:
    """The form headers are compared in: NFKC, no spaces of any width."""
    return "".join(unicodedata.normalize("NFKC", name).split())


@dataclass
class HeaderMapping:
    """How each source header was read: (header as written, canonical column or None)."""

    pairs: list[tuple[str, str | None]] = field(default_factory=list)

    def source_of(self, column: str) -> str:
        """The header the department wrote for a canonical column (itself when absent)."""
        sources = [h for h, c in self.pairs if c == column]
        return "、".join(sources) if sources else column


def columns_of(kind: str) -> tuple[str, ...]:
    columns = SPECS[kind].columns
    return (*columns, *EXTRA_PENALTY_COLUMNS) if kind == "penalty" else columns


def _lookup(kind: str) -> dict[str, str]:
    columns = columns_of(kind)
    table = {header_key(c): c for c in columns}
    for canonical, names in ALIASES.items():
        if canonical in columns:
            for name in names:
                table.setdefault(header_key(name), canonical)
    return table


def canonical_column(kind: str, header: str) -> str | None:
    """The canonical column a header stands for in a file of `kind`, or None."""
    lookup = _lookup(kind)
    key = header_key(header)
    if kind == "penalty" and IN_YUAN.get(key):
        return IN_YUAN[key]
    if key in lookup:
        return lookup[key]
    numbered = _NUMBERED.match(key)
    if numbered and numbered.group("inner") in lookup:
        return lookup[numbered.group("inner")]
    for column, pattern in JOINED.items():
        if column in columns_of(kind) and pattern.match(key):
            return column
    return None


def apply_aliases(kind: str, table: Table) -> tuple[Table, HeaderMapping]:
    """The table with canonical headers, and how every source header was mapped.

    A column named twice (e.g. `法定代表人` and `法定代表人姓名`) is read from the first;
    the second is kept as an unknown column. Joined columns concatenate their values.
    """
    mapping = HeaderMapping()
    targets: dict[str, list[str]] = {}
    in_yuan = {h for h in table.headers if kind == "penalty" and IN_YUAN.get(header_key(h))}
    for header in table.headers:
        column = canonical_column(kind, header)
        if column is not None and column in targets and column not in JOINED:
            column = None
        if column is not None:
            targets.setdefault(column, []).append(header)
        mapping.pairs.append((header, column))
    if all(h == c for h, c in mapping.pairs):
        return table, mapping
    ignored = [h for h, c in mapping.pairs if c is None]
    headers = [*targets, *ignored]
    rows = []
    for number, row in table.rows:
        mapped = {
            column: ";".join(v for h in sources if (v := _cell(row, h, h in in_yuan)))
            for column, sources in targets.items()
        }
        mapped.update({h: row.get(h, "") for h in ignored})
        rows.append((number, mapped))
    return Table(headers, rows, list(table.notes)), mapping


def _cell(row: dict[str, str], header: str, in_yuan: bool) -> str:
    value = row.get(header, "")
    if in_yuan and value and not value.endswith("元"):
        return value + "元"
    return value
