"""Importing files into the database: records, subjects, departments, errors, idempotency."""

from datetime import date
from decimal import Decimal

import pytest
from import_files import MARKET, PERSON_ID, csv_bytes, make_uscc, penalty_row, xlsx_bytes
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.models import Department, ImportBatch, Record, Region, Subject
from webapp.rules import uscc as uscc_rules
from webapp.rules.kinds import Visibility
from webapp.services.imports import import_file
from webapp.services.visibility import public_records_of

FINE = "罚款金额（万元）"


def records(session: Session) -> list[Record]:
    return list(session.scalars(select(Record).order_by(Record.identity_key)))


def snapshot(session: Session) -> list[tuple]:
    """Everything an import may change, to prove a re-import changes nothing."""
    session.expire_all()
    rows = []
    for r in records(session):
        rows.append((r.id, r.identity_key, r.subject_id, r.department_id, r.batch_id,
                     r.published_at, r.public_until, r.visibility, r.details, r.extra,
                     r.source_row, r.amount))
    subjects = session.execute(select(Subject.id, Subject.name, Subject.updated_at)).all()
    return [*rows, *subjects]


def test_penalties_become_public_records_with_their_subject_and_department(db_session) -> None:
    rows = [penalty_row(1), penalty_row(2, 公示截止期="2027-01-31", **{FINE: "20"})]
    result = import_file(db_session, "penalty", "处罚.csv", csv_bytes(rows), actor="cli")
    assert (result.exit_code, result.created, result.rejected, result.subjects_created) == (
        0, 2, 0, 2)

    first, second = records(db_session)
    assert first.kind == "penalty" and first.doc_number == "黑市监处罚〔2026〕1号"
    assert first.identity_key == f"penalty|黑市监处罚〔2026〕1号|{MARKET}"
    assert first.subject.name == "黑河市鑫源1号贸易有限公司"
    assert first.subject.uscc == make_uscc(901) and first.subject.subject_type == "企业法人"
    assert first.subject.legal_representative == "王建国"
    assert first.subject.region.name == "爱辉区"  # from the code's positions 3-8
    assert first.department.name == MARKET
    assert first.decided_on == date(2026, 6, 1) and first.amount == Decimal("0.5")
    assert first.facts.startswith("经查") and "食品安全法" in first.legal_basis
    # Empty 公示截止期: computed from the configured periods (general: 12 months).
    assert first.severity == "general" and first.public_until == date(2027, 5, 31)
    assert first.repair_eligible_on == date(2026, 9, 1)
    assert first.source_row["处罚类别"] == "罚款;没收违法所得"
    assert first.batch_id == result.batch_id and first.published_at is not None
    # A given 公示截止期 is kept; a 20 万元 fine is serious.
    assert second.public_until == date(2027, 1, 31) and second.severity == "serious"
    batch = db_session.get(ImportBatch, result.batch_id)
    assert (batch.kind, batch.rows_total, batch.rows_created, batch.actor) == (
        "penalty", 2, 2, "cli")
    assert len(batch.sha256) == 64


def test_bad_rows_are_reported_and_good_rows_kept(db_session) -> None:
    rows = [
        penalty_row(1),
        penalty_row(2, 处罚决定日期="2026.06.31"),
        penalty_row(3, 统一社会信用代码=make_uscc(903)[:-1] + "0"),
        penalty_row(4, 处罚类别="罚款;批评教育", **{FINE: "五千"}),
        penalty_row(5),
    ]
    result = import_file(db_session, "penalty", "处罚.csv", csv_bytes(rows))
    assert (result.exit_code, result.created, result.rejected) == (1, 2, 3)
    errors = [(e.row, e.column) for e in result.errors]
    assert errors == [
        (3, "处罚决定日期"), (4, "统一社会信用代码"), (5, "处罚类别"), (5, "罚款金额（万元）")
    ]
    assert "日期不存在" in result.errors[0].reason
    assert "校验位错误" in result.errors[1].reason
    batch = db_session.get(ImportBatch, result.batch_id)
    assert batch.rows_rejected == 3
    # Each error names the row's subject and 文书号, so the department finds it at once.
    assert batch.errors[0] == {"row": 3, "column": "处罚决定日期",
                               "reason": result.errors[0].reason,
                               "name": "黑河市鑫源2号贸易有限公司", "doc": "黑市监处罚〔2026〕2号"}
    assert [r.doc_number for r in records(db_session)] == [
        "黑市监处罚〔2026〕1号", "黑市监处罚〔2026〕5号"]


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z"])
def test_uscc_with_letters_outside_the_alphabet_is_rejected(db_session, bad: str) -> None:
    code = make_uscc(901)
    row = penalty_row(1, 统一社会信用代码=code[:10] + bad + code[11:])
    result = import_file(db_session, "penalty", "p.csv", csv_bytes([row]))
    assert result.exit_code == 1
    assert result.errors[0].column == "统一社会信用代码"
    assert "不允许的字符" in result.errors[0].reason


def test_lower_case_uscc_is_normalised(db_session) -> None:
    code = "91231102MA1FL1MMX"
    code += uscc_rules.check_character(code)
    rows = [penalty_row(1, 统一社会信用代码=code.lower())]
    result = import_file(db_session, "penalty", "p.csv", csv_bytes(rows))
    assert result.exit_code == 0, result.report_lines()
    assert db_session.scalar(select(Subject.uscc)) == code


def test_missing_required_columns_make_the_file_unusable(db_session) -> None:
    row = penalty_row(1)
    del row["处罚决定日期"], row["处罚机关"]
    result = import_file(db_session, "penalty", "p.csv", csv_bytes([row]))
    assert result.exit_code == 2
    assert "缺少必填列：处罚决定日期、处罚机关" in result.unusable
    assert records(db_session) == []
    batch = db_session.get(ImportBatch, result.batch_id)
    assert "缺少必填列" in batch.errors[0]["reason"]


def test_natural_person_penalty_needs_an_id_number(db_session) -> None:
    person = {"行政相对人名称": "张三", "行政相对人类别": "自然人", "统一社会信用代码": "",
              "法定代表人": ""}
    with_id = penalty_row(2, **person, 证件类型="身份证", 证件号码=PERSON_ID)
    rows = [penalty_row(1, **person), with_id]
    result = import_file(db_session, "penalty", "p.csv", csv_bytes(rows))
    assert (result.exit_code, result.created, result.rejected) == (1, 1, 1)
    assert (result.errors[0].row, result.errors[0].column) == (2, "证件号码")
    assert "自然人必须填写证件号码" in result.errors[0].reason
    subject = db_session.scalar(select(Subject))
    assert (subject.name, subject.subject_type, subject.id_number, subject.uscc) == (
        "张三", "自然人", PERSON_ID, None)
    assert "证件号码" not in records(db_session)[0].details  # never in the shown details


def test_duplicate_rows_in_one_file(db_session) -> None:
    rows = [penalty_row(1), penalty_row(1), penalty_row(1, 处罚内容="罚款人民币五千元。")]
    result = import_file(db_session, "penalty", "p.csv", csv_bytes(rows))
    assert (result.created, result.unchanged, result.rejected, result.exit_code) == (1, 1, 1, 1)
    assert "第3行与第2行完全相同" in result.warnings[0]
    assert (result.errors[0].row, result.errors[0].column) == (4, "行政处罚决定书文号")
    assert "与第2行是同一条记录但内容不同" in result.errors[0].reason
    assert len(records(db_session)) == 1


def test_reimporting_the_same_file_changes_nothing(db_session) -> None:
    data = csv_bytes([penalty_row(n) for n in range(1, 6)], encoding="gbk")
    import_file(db_session, "penalty", "p.csv", data)
    db_session.commit()
    before = snapshot(db_session)
    again = import_file(db_session, "penalty", "p.csv", data)
    db_session.commit()
    assert (again.created, again.updated, again.unchanged, again.exit_code) == (0, 0, 5, 0)
    assert snapshot(db_session) == before
    assert db_session.scalar(select(func.count()).select_from(Department)) == 1
    assert db_session.scalar(select(func.count()).select_from(ImportBatch)) == 2


def test_a_changed_row_updates_its_record(db_session) -> None:
    import_file(db_session, "penalty", "p.csv", csv_bytes([penalty_row(1), penalty_row(2)]))
    first_id = records(db_session)[0].id
    changed = penalty_row(1, 处罚内容="罚款人民币0.8万元。", **{FINE: "0.8"})
    result = import_file(db_session, "penalty", "p.csv", csv_bytes([changed, penalty_row(2)]))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    record = records(db_session)[0]
    assert record.id == first_id and record.amount == Decimal("0.8")
    assert record.content == "罚款人民币0.8万元。" and record.batch_id == result.batch_id


def test_unknown_columns_are_kept_in_extra_and_reported(db_session) -> None:
    rows = [penalty_row(1, 经办人="李四", 内部编号="A-17")]
    result = import_file(db_session, "penalty", "p.csv", csv_bytes(rows))
    assert result.exit_code == 0
    assert result.unknown_columns == ["经办人", "内部编号"]
    assert "经办人、内部编号" in result.warnings[0]
    record = records(db_session)[0]
    assert record.extra == {"经办人": "李四", "内部编号": "A-17"}
    assert "经办人" not in record.details and record.details["违法行为类型"]
    batch = db_session.get(ImportBatch, result.batch_id)
    assert "经办人" in batch.warnings[0]


def list_row(**overrides: str) -> dict[str, str]:
    row = {
        "名单类型": "经营异常名录", "名单性质": "经营异常", "主体名称": "黑河市鑫源贸易有限公司",
        "主体类别": "企业法人", "统一社会信用代码": make_uscc(42), "列入原因": "未按期公示年度报告",
        "认定部门": MARKET, "列入日期": "2026/3/5", "数据来源单位": MARKET,
        "移出日期": "", "移出原因": "",
    }
    row.update(overrides)
    return row


def test_a_list_row_with_a_removal_date_removes_the_entry(db_session) -> None:
    today = date(2026, 11, 23)
    import_file(db_session, "list", "名单.csv", csv_bytes([list_row()]))
    entry = records(db_session)[0]
    assert entry.list_nature == "abnormal" and entry.list_type == "经营异常名录"
    assert entry.identity_key == f"list|经营异常名录|{make_uscc(42)}|2026-03-05"
    assert [r.id for r in public_records_of(db_session, entry.subject_id, today)] == [entry.id]

    removal = list_row(移出日期="2026年10月8日", 移出原因="已补报年度报告")
    result = import_file(db_session, "list", "移出.csv", csv_bytes([removal]))
    assert (result.created, result.updated, result.exit_code) == (0, 1, 0)
    entry = records(db_session)[0]
    assert entry.removed_on == date(2026, 10, 8) and entry.public_until == date(2026, 10, 7)
    assert entry.visibility == Visibility.REVOKED
    assert "已补报年度报告" in entry.visibility_reason
    assert public_records_of(db_session, entry.subject_id, today) == []


def test_list_nature_must_be_one_of_the_four(db_session) -> None:
    result = import_file(db_session, "list", "l.csv", csv_bytes([list_row(名单性质="灰名单")]))
    assert result.exit_code == 1 and result.errors[0].column == "名单性质"


def test_entities_with_regions_former_names_and_persons(db_session) -> None:
    rows = [
        {"主体名称": "黑河市北方（集团）有限公司", "统一社会信用代码": make_uscc(5),
         "主体类别": "企业法人", "法定代表人": "刘洋", "成立日期": "20080416", "登记状态": "存续",
         "所属区域": "爱辉区", "曾用名": "黑河市北方贸易有限公司；黑河北方公司", "证件号码": ""},
        {"主体名称": "嫩江市李记饺子馆", "统一社会信用代码": make_uscc(6, "92", "231183"),
         "主体类别": "个体工商户", "法定代表人": "李红梅", "成立日期": "", "登记状态": "",
         "所属区域": "231183", "曾用名": "", "证件号码": ""},
        {"主体名称": "张三", "统一社会信用代码": "", "主体类别": "自然人", "法定代表人": "",
         "成立日期": "", "登记状态": "", "所属区域": "", "曾用名": "", "证件号码": PERSON_ID},
        {"主体名称": "无代码公司", "统一社会信用代码": "", "主体类别": "企业法人",
         "法定代表人": "", "成立日期": "", "登记状态": "开业", "所属区域": "", "曾用名": "",
         "证件号码": ""},
    ]
    result = import_file(db_session, "entities", "主体.csv", csv_bytes(rows, encoding="utf-8-sig"))
    assert (result.created, result.rejected) == (3, 1)
    assert {(e.row, e.column) for e in result.errors} == {(5, "统一社会信用代码"), (5, "登记状态")}
    north = db_session.scalar(select(Subject).where(Subject.uscc == make_uscc(5)))
    assert north.former_names == ["黑河市北方贸易有限公司", "黑河北方公司"]
    assert north.founded_on == date(2008, 4, 16) and north.region.code == "231102"
    shop = db_session.scalar(select(Subject).where(Subject.subject_type == "个体工商户"))
    assert shop.region.name == "嫩江市"
    assert shop.region.parent_id == north.region.parent_id is not None  # under 黑河市
    assert db_session.scalar(select(func.count()).select_from(Region)) == 3

    # A renamed company keeps its old name as a former name.
    rows[0]["主体名称"] = "黑河市北方控股有限公司"
    again = import_file(db_session, "entities", "主体.csv", csv_bytes(rows[:3]))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 2)
    assert north.name == "黑河市北方控股有限公司"
    assert "黑河市北方（集团）有限公司" in north.former_names


def test_xlsx_file_imports_like_csv(db_session) -> None:
    rows = [penalty_row(1), penalty_row(2, 处罚决定日期="2026年6月2日")]
    headers = list(rows[0])
    data = xlsx_bytes([headers, *[[r[h] for h in headers] for r in rows]])
    result = import_file(db_session, "penalty", "处罚.xlsx", data)
    assert (result.exit_code, result.created) == (0, 2)
    assert records(db_session)[1].decided_on == date(2026, 6, 2)


def test_commitments_and_evaluations_have_their_own_identities(db_session) -> None:
    code = make_uscc(8)
    commitment = {
        "承诺类型": "审批替代型", "承诺主体名称": "黑河市鑫源贸易有限公司", "主体类别": "企业法人",
        "统一社会信用代码": code, "承诺事项": "食品经营许可告知承诺", "承诺日期": "2026-01-05",
        "承诺受理单位": MARKET, "有效期至": "2027-01-04", "履约状态": "履约中",
    }
    assert import_file(db_session, "commitment", "c.csv", csv_bytes([commitment])).created == 1
    kept = dict(commitment, 履约状态="履约")
    result = import_file(db_session, "commitment", "c.csv", csv_bytes([kept]))
    assert (result.created, result.updated) == (0, 1)

    grade = {"主体名称": "黑河市鑫源贸易有限公司", "统一社会信用代码": code,
             "评价类别": "纳税信用等级", "评价结果": "B", "评价年度": "2025",
             "评价单位": "国家税务总局黑河市税务局", "评价日期": "2026-04-15"}
    import_file(db_session, "evaluation", "e.csv", csv_bytes([grade]))
    regraded = dict(grade, 评价结果="A")
    result = import_file(db_session, "evaluation", "e.csv", csv_bytes([regraded]))
    assert (result.created, result.updated) == (0, 1)
    rating = db_session.scalar(select(Record).where(Record.kind == "evaluation"))
    assert rating.grade == "A" and rating.public_until == date(2026, 12, 31)
    assert rating.identity_key == f"evaluation|纳税信用等级|{code}|2025|国家税务总局黑河市税务局"
    assert db_session.scalar(select(func.count()).select_from(Subject)) == 1


def test_many_repeated_rows_are_summarised_not_listed_one_by_one(db_session) -> None:
    result = import_file(db_session, "penalty", "p.csv", csv_bytes([penalty_row(1)] * 80))
    assert (result.created, result.unchanged, result.exit_code) == (1, 79, 0)
    assert len(result.warnings) == 51 and "另有29行" in result.warnings[-1]


def test_back_office_upload_records_the_department_and_actor(db_session) -> None:
    market = Department(name=MARKET)
    db_session.add(market)
    db_session.flush()
    result = import_file(db_session, "penalty", "处罚.csv", csv_bytes([penalty_row(1)]),
                         department_id=market.id, actor="zhangsan")
    batch = db_session.get(ImportBatch, result.batch_id)
    assert (batch.department_id, batch.actor, batch.filename) == (market.id, "zhangsan", "处罚.csv")
    assert records(db_session)[0].department_id == market.id  # looked up, not duplicated
    assert db_session.scalar(select(func.count()).select_from(Department)) == 1
