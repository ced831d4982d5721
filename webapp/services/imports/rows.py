"""One row of a department's file → the subject it is about and the record it makes.

Pure: no database. Every problem becomes a RowError (row, column, reason in Chinese); a row
with any error is rejected as a whole.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from webapp.rules import publicity
from webapp.rules import uscc as uscc_rules
from webapp.rules.kinds import (
    LIST_NATURE_BY_LABEL,
    NATURAL_PERSON,
    REGISTRATION_STATES,
    SOLE_TRADER,
    SUBJECT_TYPES,
)
from webapp.services.imports import idcard
from webapp.services.imports.aliases import columns_of
from webapp.services.imports.specs import (
    COMMITMENT_TYPES,
    CONFISCATION_COLUMN,
    FINE_COLUMN,
    FULFILMENT_STATES,
    LICENSE_STATES,
    PARTY_TYPE_ALIASES,
    PENALTY_PARTY_TYPES,
    PENALTY_TYPE_COLUMN,
    PENALTY_TYPES,
)
from webapp.services.imports.values import (
    decode,
    is_placeholder_code,
    parse_amount_unit,
    parse_date,
    penalty_types,
    split_multi,
)

#: Columns kept out of `details` (shown to the public) because they hold ID numbers; the
#: raw row with them stays in `source_row` for staff.
PRIVATE_COLUMNS = frozenset({"证件号码", "法定代表人证件号码"})

# Second character of a USCC after the registering authority (GB 32100 table 1).
_TYPE_BY_USCC_PREFIX = {
    "91": "企业法人", "92": SOLE_TRADER, "93": "农民专业合作社", "11": "机关", "12": "事业单位",
    "51": "社会组织", "52": "社会组织", "53": "社会组织",
}
_YEAR = re.compile(r"^(\d{4})(?:年度?)?$")


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class SubjectRef:
    """Who a row is about: an organisation by USCC, a natural person by name + ID number."""

    name: str
    subject_type: str
    uscc: str | None = None
    id_number: str | None = None
    # Columns of the Subject model given by the row (only non-empty ones).
    fields: dict[str, Any] = field(default_factory=dict)
    region: str | None = None  # 所属区域 as written (a name or a 6-digit code)

    @property
    def key(self) -> str:
        return self.uscc or f"{self.name}|{self.id_number}"

    @property
    def code(self) -> str:
        """What identifies it in a record identity: its USCC, or a person's ID number."""
        return self.uscc or self.id_number or ""


@dataclass
class ParsedRow:
    number: int
    subject: SubjectRef
    identity: str | None = None  # None for an entities row (the subject is the identity)
    identity_column: str = ""  # the column named in a duplicate-row error
    record: dict[str, Any] = field(default_factory=dict)
    department: tuple[str, str | None] | None = None  # (name, USCC)
    revoke_reason: str | None = None  # set when the row withdraws the record (移出, 无效)
    withheld_reason: str | None = None  # set when the law says the record is not published
    notes: list[str] = field(default_factory=list)  # what the import report should say


@dataclass
class Context:
    config: Mapping[str, Any]
    today: date
    known_columns: frozenset[str]


#: 证件类型 values (after decoding) under which the number is a resident ID number.
_ID_CARD_TYPES = ("身份证", "居民身份证", "港澳台居民居住证")


class _Cells:
    """Reads one row's cells, collecting errors instead of stopping at the first."""

    def __init__(self, number: int, row: Mapping[str, str], ctx: Context | None = None) -> None:
        self.number = number
        self.row = row
        self.ctx = ctx
        self.errors: list[RowError] = []
        self.notes: list[str] = []

    def note(self, column: str, text: str) -> None:
        self.notes.append(f"第{self.number}行 [{column}]：{text}")

    def get(self, column: str) -> str:
        return self.row.get(column, "") or ""

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.number, column, reason))

    def required(self, column: str) -> str:
        value = self.get(column)
        if not value:
            self.fail(column, "必填项为空")
        return value

    def date(self, column: str, required: bool = False) -> date | None:
        value = self.required(column) if required else self.get(column)
        return self._parse(column, value, parse_date) if value else None

    def amount(self, column: str) -> Decimal | None:
        value = self.get(column)
        amount = self._parse(column, value, parse_amount_unit) if value else None
        if amount is None:
            return None
        if amount.converted_from:
            self.note(column, f"“{amount.converted_from}”已换算为 {amount.value:f} 万元")
        return amount.value

    def coded(self, column: str) -> str:
        """The cell with a dictionary code replaced by its label (IMPORT_CODE_TABLES)."""
        value = self.get(column)
        tables = self.ctx.config.get("IMPORT_CODE_TABLES", {}) if self.ctx else {}
        try:
            label = decode(column, value, tables)
        except ValueError as error:
            self.fail(column, str(error))
            return ""
        if label != value:
            self.note(column, f"代码“{value}”按代码表读作“{label}”")
        return label

    def choice(self, column: str, allowed: tuple[str, ...], required: bool = False,
               aliases: Mapping[str, str] | None = None) -> str:
        if required:
            self.required(column)
        value = self.coded(column)
        value = (aliases or {}).get(value, value)
        if value and value not in allowed:
            self.fail(column, f"取值“{value}”不在允许范围内（{'、'.join(allowed)}）")
        return value

    def year(self, column: str) -> int | None:
        value = self.get(column)
        if not value:
            return None
        match = _YEAR.match(value)
        if not match:
            self.fail(column, f"年度应为四位数字年份，如 2025：{value}")
            return None
        return int(match.group(1))

    def code_cell(self, column: str) -> str:
        """A code column's value; a placeholder such as 00000000000000000X reads as empty."""
        value = self.get(column)
        if value and is_placeholder_code(value):
            self.note(column, f"“{value}”是表示“无代码”的占位值，按未填写处理")
            return ""
        return value

    def uscc(self, column: str = "统一社会信用代码", required: bool = False) -> str | None:
        value = self.code_cell(column)
        if not value:
            if required:
                self.fail(column, "必填项为空")
            return None
        code, error = _checked_uscc(value)
        if error:
            self.fail(column, error)
        return code

    def id_number(self, column: str, type_column: str = "证件类型") -> str | None:
        """The number of `column`, checked as a resident ID number when 证件类型 says so
        (as a label or a code) or when it has the shape of one, whatever the type says."""
        value = self.get(column)
        id_type = self.coded(type_column) if type_column in self.row else ""
        if not value:
            return None
        is_id = not id_type or any(t in id_type for t in _ID_CARD_TYPES)
        if not is_id and not idcard.looks_like_id(value):
            number = idcard.normalize(value)  # passports and other documents: kept as given
            if len(number) > 18:
                self.fail(column, "证件号码过长（最多18位）")
                return None
            return number
        try:
            number = idcard.validate(value, self.ctx.today if self.ctx else None)
        except ValueError as error:
            self.fail(column, str(error))
            return None
        if number != value:
            self.note(column, "证件号码中的空格或连字符已去除")
        return number

    def _parse(self, column: str, value: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(value)
        except ValueError as error:
            self.fail(column, str(error))
            return None


@lru_cache(maxsize=8192)
def _checked_uscc(value: str) -> tuple[str | None, str | None]:
    """(code, None) or (None, reason): cached, a file repeats its departments' codes."""
    try:
        return uscc_rules.validate_structure(value), None
    except uscc_rules.InvalidUSCC as error:
        return None, str(error)


def type_from_uscc(code: str) -> str:
    """The subject type a USCC's first two characters stand for (enterprise by default)."""
    return _TYPE_BY_USCC_PREFIX.get(code[:2], "社会组织" if code[:1] == "5" else "企业法人")


def _identity(*parts: object) -> str:
    key = "|".join(str(p) for p in parts)
    if len(key) > 500:  # the column holds 512; long matters are hashed, still deterministic
        key = key[:400] + "#" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _split_columns(
    row: Mapping[str, str], ctx: Context
) -> tuple[dict[str, str], dict[str, str]]:
    details = {
        k: v for k, v in row.items() if v and k in ctx.known_columns and k not in PRIVATE_COLUMNS
    }
    extra = {k: v for k, v in row.items() if v and k not in ctx.known_columns}
    return details, extra


def _person_or_org(
    cells: _Cells, name_column: str, subject_type: str, id_column: str = "证件号码",
) -> SubjectRef | None:
    """The subject of a record row; None (with errors) when it cannot be identified."""
    name = cells.required(name_column)
    if subject_type == NATURAL_PERSON:
        number = cells.id_number(id_column)
        if not cells.get(id_column):
            cells.fail(id_column, "自然人必须填写证件号码")
        if name and number:
            return SubjectRef(name, NATURAL_PERSON, id_number=number)
        return None
    if cells.get(id_column):
        cells.id_number(id_column)  # an operator's ID number is checked all the same
    if not cells.code_cell("统一社会信用代码"):
        cells.fail("统一社会信用代码", "组织和个体工商户必须填写统一社会信用代码")
        return None
    code = cells.uscc()
    if not code or not name:
        return None
    return SubjectRef(name, subject_type or type_from_uscc(code), uscc=code)


def _with_legal_rep(subject: SubjectRef | None, cells: _Cells) -> SubjectRef | None:
    if cells.get("法定代表人证件号码"):
        cells.id_number("法定代表人证件号码", "法定代表人证件类型")
    if subject and cells.get("法定代表人") and subject.subject_type != NATURAL_PERSON:
        subject.fields["legal_representative"] = cells.get("法定代表人")
    return subject


# -- entities ----------------------------------------------------------------------------


def parse_entity(cells: _Cells, ctx: Context) -> ParsedRow | None:
    name = cells.required("主体名称")
    subject_type = cells.choice("主体类别", SUBJECT_TYPES, required=True)
    founded = cells.date("成立日期")
    status = cells.choice("登记状态", REGISTRATION_STATES)
    if subject_type == NATURAL_PERSON:
        subject = _person_or_org(cells, "主体名称", NATURAL_PERSON)
    else:
        code = cells.uscc()
        if not cells.code_cell("统一社会信用代码"):
            cells.fail("统一社会信用代码", "组织和个体工商户必须填写统一社会信用代码")
        subject = SubjectRef(name, subject_type, uscc=code) if code and name else None
    if cells.errors or subject is None:
        return None
    values = {
        "legal_representative": cells.get("法定代表人"),
        "founded_on": founded,
        "registration_authority": cells.get("登记机关"),
        "address": cells.get("住所"),
        "business_scope": cells.get("经营范围"),
        "registration_status": status,
        "former_names": split_multi(cells.get("曾用名")),
    }
    subject.fields = {k: v for k, v in values.items() if v}
    subject.region = cells.get("所属区域") or None
    return ParsedRow(cells.number, subject)


# -- licences ----------------------------------------------------------------------------


def _party_type(cells: _Cells, column: str, required: bool) -> str:
    """行政相对人类别 → a subject type (法人及非法人组织 is refined from the USCC later)."""
    value = cells.choice(column, PENALTY_PARTY_TYPES, required=required,
                         aliases=PARTY_TYPE_ALIASES)
    # Not filled in: an ID number without a USCC means a natural person.
    if not value and cells.get("证件号码") and not cells.code_cell("统一社会信用代码"):
        return NATURAL_PERSON
    return {"自然人": NATURAL_PERSON, "个体工商户": SOLE_TRADER}.get(value, "")


def parse_license(cells: _Cells, ctx: Context) -> ParsedRow | None:
    subject_type = _party_type(cells, "行政相对人类别", required=False)
    subject = _with_legal_rep(_person_or_org(cells, "行政相对人名称", subject_type), cells)
    doc = cells.required("行政许可决定文书号")
    decided = cells.date("许可决定日期", required=True)
    valid_from, valid_until = cells.date("有效期自"), cells.date("有效期至")
    department = cells.required("许可机关")
    cells.required("数据来源单位")
    state = cells.choice("当前状态", LICENSE_STATES)
    department_code = _department_code(cells, "许可机关统一社会信用代码")
    _department_code(cells, "数据来源单位统一社会信用代码")
    if valid_from and valid_until and valid_until < valid_from:
        cells.fail("有效期至", "有效期至早于有效期自")
    if cells.errors or subject is None:
        return None
    details, extra = _split_columns(cells.row, ctx)
    return ParsedRow(
        cells.number, subject,
        identity=_identity("license", doc, department), identity_column="行政许可决定文书号",
        record={
            "kind": "license", "doc_number": doc,
            "title": cells.get("许可证书名称") or cells.get("行政许可决定文书名称") or None,
            "content": cells.get("许可内容") or None, "facts": None, "legal_basis": None,
            "decided_on": decided, "valid_from": valid_from, "valid_until": valid_until,
            "public_until": valid_until, "repair_eligible_on": None,
            "list_type": None, "list_nature": None, "removed_on": None, "severity": None,
            "grade": state or None, "amount": None, "details": details, "extra": extra,
        },
        department=(department, department_code),
        revoke_reason="许可当前状态为无效" if state == "无效" else None,
    )


def _department_code(cells: _Cells, column: str) -> str | None:
    """A department's own code: checked like any code; a placeholder reads as empty."""
    return cells.uscc(column) if cells.get(column) else None


# -- penalties ---------------------------------------------------------------------------


def parse_penalty(cells: _Cells, ctx: Context) -> ParsedRow | None:
    subject_type = _party_type(cells, "行政相对人类别", required=True)
    subject = _with_legal_rep(_person_or_org(cells, "行政相对人名称", subject_type), cells)
    doc = cells.required("行政处罚决定书文号")
    decided = cells.date("处罚决定日期", required=True)
    department = cells.required("处罚机关")
    cells.required("数据来源单位")
    types, not_understood = penalty_types(cells.get(PENALTY_TYPE_COLUMN), cells.get("处罚内容"))
    unknown = [*not_understood, *(t for t in types if t not in PENALTY_TYPES)]
    if unknown:
        allowed = "、".join(PENALTY_TYPES)
        cells.fail(PENALTY_TYPE_COLUMN,
                   f"处罚类别“{'、'.join(unknown)}”不在允许范围内（{allowed}）")
    fine = cells.amount(FINE_COLUMN)
    confiscated = cells.amount(CONFISCATION_COLUMN)
    valid_until = cells.date("处罚有效期")
    deadline = cells.date("公示截止期")
    department_code = _department_code(cells, "处罚机关统一社会信用代码")
    _department_code(cells, "数据来源单位统一社会信用代码")
    if cells.errors or subject is None or decided is None:
        return None
    born = idcard.birth_date(subject.id_number) if subject.id_number else None
    verdict = publicity.penalty_publicity(publicity.PenaltyFacts(
        types, fine, decided, simplified_procedure=_simplified(cells, doc, ctx),
        party_age=publicity.age_on(born, decided) if born else None,
    ), ctx.config)
    repair_from, last_shown = verdict.repair_from, verdict.last_shown
    details, extra = _split_columns(cells.row, ctx)
    details[PENALTY_TYPE_COLUMN] = ";".join(types)
    for column, value in ((FINE_COLUMN, fine), (CONFISCATION_COLUMN, confiscated)):
        if value is not None:
            details[column] = f"{value:f}"
    if not deadline:
        details["公示截止期（计算）"] = last_shown.isoformat()
    return ParsedRow(
        cells.number, subject,
        identity=_identity("penalty", doc, department), identity_column="行政处罚决定书文号",
        record={
            "kind": "penalty", "doc_number": doc,
            "title": cells.get("违法行为类型") or "、".join(types) or None,
            "content": cells.get("处罚内容") or None, "facts": cells.get("违法事实") or None,
            "legal_basis": cells.get("处罚依据") or None, "decided_on": decided,
            "valid_from": None, "valid_until": valid_until,
            "public_until": deadline or last_shown, "repair_eligible_on": repair_from,
            "list_type": None, "list_nature": None, "removed_on": None,
            "severity": verdict.severity.value, "grade": None, "amount": fine,
            "details": details, "extra": extra,
        },
        department=(department, department_code),
        withheld_reason=verdict.withheld_reason,
    )


def _simplified(cells: _Cells, doc: str, ctx: Context) -> bool:
    """Decided by the simplified procedure (简易程序), as the file says it."""
    procedure = cells.get("处罚程序")
    if procedure:
        return any(w in procedure for w in ctx.config.get("SIMPLIFIED_PROCEDURE_WORDS", ()))
    return any(m in doc for m in ctx.config.get("SIMPLIFIED_PROCEDURE_DOC_MARKERS", ()))


# -- lists -------------------------------------------------------------------------------


def parse_list(cells: _Cells, ctx: Context) -> ParsedRow | None:
    list_type = cells.required("名单类型")
    nature_label = cells.choice("名单性质", tuple(LIST_NATURE_BY_LABEL), required=True)
    subject_type = cells.choice("主体类别", SUBJECT_TYPES, required=True)
    subject = _with_legal_rep(_person_or_org(cells, "主体名称", subject_type), cells)
    department = cells.required("认定部门")
    listed = cells.date("列入日期", required=True)
    valid_until, removed = cells.date("有效期至"), cells.date("移出日期")
    cells.required("数据来源单位")
    if listed and removed and removed < listed:
        cells.fail("移出日期", "移出日期早于列入日期")
    if cells.errors or subject is None or listed is None:
        return None
    details, extra = _split_columns(cells.row, ctx)
    revoke = None
    if removed and removed <= ctx.today:
        revoke = f"已于{removed.isoformat()}移出名单" + (
            f"：{cells.get('移出原因')}" if cells.get("移出原因") else ""
        )
    return ParsedRow(
        cells.number, subject,
        identity=_identity("list", list_type, subject.code, listed.isoformat()),
        identity_column="列入日期",
        record={
            "kind": "list", "doc_number": cells.get("文书号") or None, "title": list_type,
            "content": cells.get("奖惩措施") or None, "facts": cells.get("列入原因") or None,
            "legal_basis": cells.get("认定依据") or None, "decided_on": listed,
            "valid_from": None, "valid_until": valid_until,
            "public_until": publicity.list_entry_public_until(valid_until, removed),
            "repair_eligible_on": None, "list_type": list_type,
            "list_nature": LIST_NATURE_BY_LABEL[nature_label].value, "removed_on": removed,
            "severity": None, "grade": None, "amount": None, "details": details, "extra": extra,
        },
        department=(department, None),
        revoke_reason=revoke,
    )


# -- commitments -------------------------------------------------------------------------


def parse_commitment(cells: _Cells, ctx: Context) -> ParsedRow | None:
    ctype = cells.choice("承诺类型", COMMITMENT_TYPES, required=True)
    subject_type = cells.choice("主体类别", SUBJECT_TYPES)
    if not subject_type and cells.get("证件号码") and not cells.code_cell("统一社会信用代码"):
        subject_type = NATURAL_PERSON
    subject = _person_or_org(cells, "承诺主体名称", subject_type)
    matter = cells.required("承诺事项")
    day = cells.date("承诺日期", required=True)
    department = cells.required("承诺受理单位")
    valid_until = cells.date("有效期至")
    state = cells.choice("履约状态", FULFILMENT_STATES)
    if cells.errors or subject is None or day is None:
        return None
    details, extra = _split_columns(cells.row, ctx)
    return ParsedRow(
        cells.number, subject,
        # A subject makes a given promise of a given type to a given office once a day.
        identity=_identity("commitment", ctype, matter, subject.code, day.isoformat(), department),
        identity_column="承诺事项",
        record={
            "kind": "commitment", "doc_number": None, "title": matter,
            "content": cells.get("承诺内容") or None, "facts": None, "legal_basis": None,
            "decided_on": day, "valid_from": None, "valid_until": valid_until,
            "public_until": valid_until, "repair_eligible_on": None, "list_type": ctype,
            "list_nature": None, "removed_on": None, "severity": None, "grade": state or None,
            "amount": None, "details": details, "extra": extra,
        },
        department=(department, None),
    )


# -- evaluations -------------------------------------------------------------------------


def parse_evaluation(cells: _Cells, ctx: Context) -> ParsedRow | None:
    name = cells.required("主体名称")
    code = cells.uscc(required=True)
    category = cells.required("评价类别")
    grade = cells.required("评价结果")
    department = cells.required("评价单位")
    year = cells.year("评价年度")
    rated = cells.date("评价日期")
    valid_until = cells.date("有效期至")
    if not year and not rated and not cells.errors:
        cells.fail("评价日期", "评价年度与评价日期至少填写一项")
    if cells.errors or not code or not (year or rated):
        return None
    decided = rated or date(year, 12, 31)  # type: ignore[arg-type]
    period = str(year) if year else decided.isoformat()
    details, extra = _split_columns(cells.row, ctx)
    return ParsedRow(
        cells.number, SubjectRef(name, type_from_uscc(code), uscc=code),
        # One grade per subject, category, rating year and rating body: a re-rating for the
        # same year replaces the grade.
        identity=_identity("evaluation", category, code, period, department),
        identity_column="评价类别",
        record={
            "kind": "evaluation", "doc_number": None, "title": category, "content": None,
            "facts": None, "legal_basis": None, "decided_on": decided, "valid_from": None,
            "valid_until": valid_until,
            "public_until": publicity.evaluation_public_until(valid_until, year or decided.year),
            "repair_eligible_on": None, "list_type": None, "list_nature": None,
            "removed_on": None, "severity": None, "grade": grade, "amount": None,
            "details": details, "extra": extra,
        },
        department=(department, None),
    )


PARSERS: dict[str, Callable[[_Cells, Context], ParsedRow | None]] = {
    "entities": parse_entity,
    "license": parse_license,
    "penalty": parse_penalty,
    "list": parse_list,
    "commitment": parse_commitment,
    "evaluation": parse_evaluation,
}


def parse_row(
    kind: str, number: int, row: Mapping[str, str], ctx: Context
) -> ParsedRow | list[RowError]:
    """The parsed row, or the list of its errors."""
    cells = _Cells(number, row, ctx)
    parsed = PARSERS[kind](cells, ctx)
    if cells.errors or parsed is None:
        return cells.errors or [RowError(number, "", "无法识别该行数据")]
    parsed.record["source_row"] = dict(row) if parsed.identity else {}
    parsed.notes = list(dict.fromkeys(cells.notes))
    return parsed


def context_for(kind: str, config: Mapping[str, Any], today: date) -> Context:
    return Context(config, today, frozenset(columns_of(kind)))
