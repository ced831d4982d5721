"""Workflow service: deadlines across holidays, transitions, effects on records, DB invariants."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from webapp.models import Department
from webapp.models.audit import AuditLog
from webapp.models.petitions import Case, CaseKind, CaseState, Outcome
from webapp.models.staff import Role
from webapp.rules.kinds import RecordKind, Visibility
from webapp.services import petitions as svc
from webapp.services.staff import create_user

TODAY = date(2026, 9, 28)


@pytest.fixture
def dept(db_session):
    d = Department(name="黑河市市场监督管理局")
    db_session.add(d)
    db_session.flush()
    return d


@pytest.fixture
def reviewer(db_session, dept):
    return create_user(db_session, "rev1", "correct horse battery", Role.REVIEWER, dept.id)


def _fields(**kw):
    base = {"title": "标题", "description": "经过", "contact_name": "张三",
            "contact_phone": "13800138000"}
    base.update(kw)
    return base


def test_deadline_skips_national_day_2026(app):
    # Received Monday 2026-09-28, 5 working days: 29 and 30 Sep, the holiday 1-7 Oct, then
    # 8 and 9 Oct and the make-up working Saturday 10 Oct.
    assert svc.due_date("objection", date(2026, 9, 28)) == date(2026, 10, 10)
    assert svc.due_date("objection", date(2026, 9, 30)) == date(2026, 10, 13)


def test_repair_limit_per_list_type(app, make_subject, make_record, db_session):
    rec = make_record(make_subject(), kind=RecordKind.LIST.value, list_type="失信被执行人")
    assert svc.time_limit("repair", rec) == 2
    pen = make_record(make_subject())
    assert svc.time_limit("repair", pen) == 3


def test_objection_upheld_revokes_record_in_one_go(app, make_subject, make_record, db_session,
                                                   reviewer):
    rec = make_record(make_subject(), department=reviewer.department)
    case, code = svc.open_case(db_session, CaseKind.OBJECTION, form_token="t1",
                               fields=_fields(wrong_fields="处罚内容"), record=rec, today=TODAY)
    assert case.number.startswith("YY20260928-")
    assert rec.visibility == Visibility.OBJECTION.value
    assert svc.find_case(db_session, case.number, code) is case
    assert svc.find_case(db_session, case.number, "WRONGCODE1") is None
    svc.accept(db_session, case, reviewer)
    svc.start_verification(db_session, case, reviewer)
    svc.decide(db_session, case, reviewer, Outcome.UPHELD, "经核查，该处罚信息有误，予以撤销。")
    assert rec.visibility == Visibility.REVOKED.value
    svc.close(db_session, case, reviewer)
    db_session.commit()
    steps = [e.step for e in case.events]
    assert steps == ["提交", "受理", "核查", "答复", "办结"]
    actions = [a.action for a in db_session.query(AuditLog).order_by(AuditLog.id)]
    assert actions == ["case.accept", "case.verify", "case.decide", "record.update", "case.close"]


def test_objection_dismissed_returns_record_to_public(app, make_subject, make_record,
                                                      db_session, reviewer):
    rec = make_record(make_subject(), department=reviewer.department)
    case, _ = svc.open_case(db_session, CaseKind.OBJECTION, form_token="t2", fields=_fields(),
                            record=rec, today=TODAY)
    svc.accept(db_session, case, reviewer)
    svc.decide(db_session, case, reviewer, Outcome.DISMISSED, "经核查信息无误。")
    assert rec.visibility == Visibility.PUBLIC.value


def test_objection_correction(app, make_subject, make_record, db_session, reviewer):
    rec = make_record(make_subject(), department=reviewer.department, title="错误标题")
    case, _ = svc.open_case(db_session, CaseKind.OBJECTION, form_token="t3", fields=_fields(),
                            record=rec, today=TODAY)
    svc.accept(db_session, case, reviewer)
    svc.decide(db_session, case, reviewer, Outcome.UPHELD, "已更正。",
               corrections={"title": "正确标题"})
    assert rec.title == "正确标题" and rec.visibility == Visibility.PUBLIC.value


def test_second_open_objection_refused(app, make_subject, make_record, db_session):
    rec = make_record(make_subject())
    svc.open_case(db_session, CaseKind.OBJECTION, form_token="a", fields=_fields(), record=rec,
                  today=TODAY)
    with pytest.raises(svc.PetitionError):
        svc.open_case(db_session, CaseKind.OBJECTION, form_token="b", fields=_fields(),
                      record=rec, today=TODAY)


def test_partial_unique_index_enforced_by_database(app, make_subject, make_record, db_session):
    rec = make_record(make_subject())
    svc.open_case(db_session, CaseKind.OBJECTION, form_token="a", fields=_fields(), record=rec,
                  today=TODAY)
    rec.visibility = Visibility.PUBLIC.value  # bypass the service check: the DB must refuse
    with pytest.raises(svc.PetitionError):
        svc.open_case(db_session, CaseKind.OBJECTION, form_token="b", fields=_fields(),
                      record=rec, today=TODAY)


def test_decided_case_needs_decider(app, make_subject, db_session):
    s = make_subject()
    case = Case(kind="complaint", state=CaseState.DECIDED.value, outcome="upheld", reply="x",
                query_code_hash="h", form_token="z", subject_id=s.id, title="t",
                description="d", received_on=TODAY, due_on=TODAY)
    db_session.add(case)
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_double_submission_makes_one_case(app, make_subject, db_session):
    s = make_subject()
    first, code = svc.open_case(db_session, CaseKind.COMPLAINT, form_token="same",
                                fields=_fields(), subject_id=s.id, today=TODAY)
    again, code2 = svc.open_case(db_session, CaseKind.COMPLAINT, form_token="same",
                                 fields=_fields(), subject_id=s.id, today=TODAY)
    assert again is first and code and code2 is None
    assert db_session.query(Case).count() == 1


def test_repair_ineligible_then_approved_archives(app, make_subject, make_record, db_session,
                                                  reviewer):
    rec = make_record(make_subject(), department=reviewer.department,
                      repair_eligible_on=date(2026, 12, 1))
    with pytest.raises(svc.PetitionError, match="2026年12月01日"):
        svc.open_case(db_session, CaseKind.REPAIR, form_token="r1", fields=_fields(),
                      record=rec, today=TODAY)
    case, _ = svc.open_case(db_session, CaseKind.REPAIR, form_token="r2", fields=_fields(),
                            record=rec, today=date(2026, 12, 2))
    assert case.number.startswith("XF20261202-")
    svc.accept(db_session, case, reviewer)
    svc.decide(db_session, case, reviewer, Outcome.UPHELD, "准予修复。")
    assert rec.visibility == Visibility.ARCHIVED.value


def test_commitment_not_repairable(app, make_subject, make_record):
    rec = make_record(make_subject(), kind=RecordKind.COMMITMENT.value)
    assert not svc.repair_eligibility(rec, TODAY).eligible


def test_reviewer_of_other_department_not_allowed(app, make_subject, make_record, db_session,
                                                  reviewer):
    other = Department(name="黑河市税务局")
    db_session.add(other)
    db_session.flush()
    rec = make_record(make_subject(), department=other)
    case, _ = svc.open_case(db_session, CaseKind.OBJECTION, form_token="o", fields=_fields(),
                            record=rec, today=TODAY)
    with pytest.raises(svc.NotAllowed):
        svc.accept(db_session, case, reviewer)
    assert svc.queue(db_session, reviewer) == []


def test_reject_objection_and_summary(app, make_subject, make_record, db_session, reviewer):
    s = make_subject()
    rec = make_record(s, department=reviewer.department)
    case, _ = svc.open_case(db_session, CaseKind.OBJECTION, form_token="j", fields=_fields(),
                            record=rec, today=TODAY)
    svc.reject(db_session, case, reviewer, "材料不全")
    assert rec.visibility == Visibility.PUBLIC.value and case.state == "rejected"
    today = date.today()
    c1, _ = svc.open_case(db_session, CaseKind.COMPLAINT, form_token="c1", fields=_fields(),
                          subject_id=s.id, today=today)
    svc.open_case(db_session, CaseKind.COMPLAINT, form_token="c2", fields=_fields(),
                  subject_id=s.id, today=today)
    c1.department_id = reviewer.department_id
    svc.accept(db_session, c1, reviewer)
    svc.decide(db_session, c1, reviewer, Outcome.UPHELD, "已责令整改。")
    assert svc.complaint_summary(db_session, s.id) == (2, 1)


def test_nudge_only_after_deadline(app, make_subject, db_session):
    s = make_subject()
    case, _ = svc.open_case(db_session, CaseKind.COMPLAINT, form_token="n", fields=_fields(),
                            subject_id=s.id, today=TODAY)
    with pytest.raises(svc.PetitionError):
        svc.nudge(db_session, case, today=TODAY)
    svc.nudge(db_session, case, today=date(2026, 12, 1))
    assert case.events[-1].step == "催办"
