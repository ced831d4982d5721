"""The demo city (webapp.demo.generator) as plain search documents, without a database.

For the labelled query set (tests/search_index/test_labelled_queries.py) and the search
benchmark: the same subjects and records `flask demo-data` imports, turned into the
documents `webapp.services.search_documents` would give a backend — natural persons only
by ID number or (on a list that names them) by name, and not at all without a public
record; a subject with its public records' text; a record with its subject's names.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from typing import Any

from search_index.documents import RecordDoc, SubjectDoc
from webapp.config import DEFAULTS
from webapp.demo.generator import REFERENCE_DATE, generate_city

DEMO_SEED = 20261123  # `flask demo-data`'s default
DEMO_ENTITIES = 3000

# Column names of each import kind (DATA-STANDARD.md): name, code, number, date, text fields.
RECORD_COLUMNS: dict[str, dict[str, Any]] = {
    "penalty": {"name": "行政相对人名称", "uscc": "统一社会信用代码", "docno": "行政处罚决定书文号",
                "date": "处罚决定日期", "title": "违法行为类型", "facts": "违法事实",
                "content": "处罚内容", "basis": "处罚依据", "dept": "处罚机关",
                "until": "公示截止期"},
    "license": {"name": "行政相对人名称", "uscc": "统一社会信用代码", "docno": "行政许可决定文书号",
                "date": "许可决定日期", "title": "行政许可决定文书名称", "facts": None,
                "content": "许可内容", "basis": None, "dept": "许可机关", "until": "有效期至"},
    "list": {"name": "主体名称", "uscc": "统一社会信用代码", "docno": "文书号", "date": "列入日期",
             "title": "名单类型", "facts": "列入原因", "content": "奖惩措施", "basis": "认定依据",
             "dept": "认定部门", "until": "有效期至"},
    "commitment": {"name": "承诺主体名称", "uscc": "统一社会信用代码", "docno": None,
                   "date": "承诺日期", "title": "承诺事项", "facts": None, "content": "承诺内容",
                   "basis": None, "dept": "承诺受理单位", "until": "有效期至"},
    "evaluation": {"name": "主体名称", "uscc": "统一社会信用代码", "docno": None,
                   "date": "评价日期", "title": "评价类别", "facts": None,
                   "content": "评价结果", "basis": None, "dept": "评价单位", "until": None},
}
NATURES = {"红名单": "red", "黑名单": "black", "重点关注": "watch", "经营异常": "abnormal"}


def parse_day(text: str | None) -> date | None:
    """The generator writes dates the way departments do (2025-10-27, 2025/10/27, …)."""
    digits = re.findall(r"\d+", text or "")
    if len(digits) == 1 and len(digits[0]) == 8:
        digits = [digits[0][:4], digits[0][4:6], digits[0][6:]]
    if len(digits) >= 3:
        try:
            return date(int(digits[0]), int(digits[1]), int(digits[2][:2]))
        except ValueError:
            return None
    return None


def city_documents(entities: int = DEMO_ENTITIES, seed: int = DEMO_SEED,
                   records_per_subject: float | None = None, today: date = REFERENCE_DATE,
                   ) -> tuple[list[SubjectDoc], list[RecordDoc]]:
    """(subjects, records) as the search index of the demo city holds them on `today`;
    subjects most recently founded first, records most recently decided first (the order
    `flask reindex` builds them in)."""
    rows = generate_city(entities, seed, records_per_subject=records_per_subject)
    disclosed = set(DEFAULTS["NAME_DISCLOSED_LIST_TYPES"])
    entity_rows = rows["entities"]
    by_key: dict[str, int] = {}
    for i, row in enumerate(entity_rows, start=1):
        by_key[row["统一社会信用代码"] or row["证件号码"] or row["主体名称"]] = i
        by_key.setdefault(row["主体名称"], i)
    regions: dict[str, int] = {}
    departments: dict[str, int] = {}
    records: list[RecordDoc] = []
    of_subject: dict[int, list[RecordDoc]] = defaultdict(list)
    for kind, columns in RECORD_COLUMNS.items():
        for row in rows.get(kind, []):
            subject_id = (by_key.get(row.get(columns["uscc"], "")) or by_key.get(
                row.get("证件号码", "")) or by_key.get(row[columns["name"]]))
            if subject_id is None or row.get("移出日期"):
                continue
            until = parse_day(row.get(columns["until"])) if columns["until"] else None
            if until is not None and until < today:
                continue
            subject = entity_rows[subject_id - 1]

            def get(key: str, row: dict[str, str] = row, columns: dict = columns) -> str | None:
                return row.get(columns[key]) or None if columns[key] else None

            dept = row.get(columns["dept"], "")
            doc = RecordDoc(
                id=len(records) + 1, subject_id=subject_id, kind=kind,
                decided_on=parse_day(row.get(columns["date"])) or today,
                public_until=until, doc_number=get("docno"), title=get("title"),
                facts=get("facts"), content=get("content"), legal_basis=get("basis"),
                department_name=dept or None,
                department_id=departments.setdefault(dept, len(departments) + 1),
                list_nature=NATURES.get(row.get("名单性质", "")),
                subject_uscc=subject["统一社会信用代码"] or None,
                subject_type=subject["主体类别"],
                region_id=regions.setdefault(subject.get("所属区域", ""), len(regions) + 1),
                subject_names=(subject["主体名称"], *_former(subject)),
                subject_is_person=subject["主体类别"] == "自然人",
            )
            records.append(doc)
            of_subject[subject_id].append(doc)
    subjects: list[SubjectDoc] = []
    for i, row in enumerate(entity_rows, start=1):
        own = of_subject.get(i, [])
        region = regions.setdefault(row.get("所属区域", ""), len(regions) + 1)
        if row["主体类别"] == "自然人":
            if not own:
                continue  # no public record: not searchable at all
            named = any(r.kind == "list" and r.list_nature == "black" and r.title in disclosed
                        for r in own)
            subjects.append(SubjectDoc(
                id=i, name=row["主体名称"], display_name=row["主体名称"] if named
                else row["主体名称"][:1] + "*" * (len(row["主体名称"]) - 1),
                subject_type="自然人", region_id=region, is_person=True, name_public=named,
                id_number=row["证件号码"]))
            continue
        subjects.append(SubjectDoc(
            id=i, name=row["主体名称"], display_name=row["主体名称"],
            uscc=row["统一社会信用代码"] or None, former_names=_former(row),
            subject_type=row["主体类别"], region_id=region,
            founded_on=parse_day(row.get("成立日期")),
            record_text=tuple(t for r in own for t in (r.title, r.facts, r.content) if t),
        ))
    subjects.sort(key=lambda d: (d.founded_on or date.min, d.id), reverse=True)
    records.sort(key=lambda d: (d.decided_on, d.id), reverse=True)
    return subjects, records


def _former(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(n for n in (row.get("曾用名") or "").replace("；", ";").split(";") if n)
