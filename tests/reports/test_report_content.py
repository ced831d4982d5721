"""The PDF read back with pdftotext: what is public is there, what is hidden is not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from report_pdf_tools import squash
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import QueryLog, Record, Subject
from webapp.rules.kinds import ListNature, RecordKind, Visibility
from webapp.services.reports import issue_report
from webapp.services.reports.gather import SECTION_TITLES


def test_report_lists_every_public_record_and_no_hidden_one(
    db_session: Session, make_subject: Callable[..., Subject],
    make_record: Callable[..., Record], pdftotext: Callable[[bytes], str],
) -> None:
    subject = make_subject(name="黑河市龙江商贸有限公司")
    public = [
        make_record(subject, kind=RecordKind.LICENSE.value, doc_number="黑市监许〔2026〕11号",
                    title="食品经营许可证"),
        make_record(subject, doc_number="黑市监罚〔2026〕12号", title="罚款"),
        make_record(subject, kind=RecordKind.LIST.value, list_nature=ListNature.RED.value,
                    list_type="守信激励对象名单", doc_number="黑税红〔2026〕13号"),
        make_record(subject, kind=RecordKind.EVALUATION.value, doc_number="黑税评〔2026〕14号",
                    title="纳税信用等级", grade="A"),
    ]
    under_objection = make_record(subject, doc_number="黑市监罚〔2026〕15号",
                                  visibility=Visibility.OBJECTION.value)
    hidden = [
        *(make_record(subject, doc_number=f"黑市监罚〔2026〕9{n}号", visibility=state.value)
          for n, state in enumerate(
              (Visibility.ARCHIVED, Visibility.REVOKED, Visibility.EXPIRED), 1)),
        make_record(subject, doc_number="黑市监罚〔2026〕94号",
                    public_until=date.today() - timedelta(days=30)),
    ]
    other = make_subject(name="黑河市别家公司")
    make_record(other, doc_number="黑市监罚〔2026〕95号")

    issued = issue_report(db_session, subject)
    text = squash(pdftotext(issued.pdf))

    assert "黑河市龙江商贸有限公司" in text
    assert subject.uscc in text
    assert issued.issue.number in text
    for record in [*public, under_objection]:
        assert squash(record.doc_number) in text
    for record in hidden:
        assert squash(record.doc_number) not in text
    assert "黑市监罚〔2026〕95号" not in text
    assert "异议处理中" in text
    assert "查询期内无相关信息" in text  # e.g. no black list, no commitments
    for title in ("严重失信主体名单信息", "经营异常名录信息", "信用承诺信息", "信用评价信息",
                  "司法判决信息", "其他信息", "信用状况提升建议", "免责声明"):
        assert title in text
    assert issued.issue.section_counts["penalty"] == 2
    assert issued.issue.section_counts["black"] == 0
    assert set(issued.issue.section_counts) == set(SECTION_TITLES)


def test_every_page_carries_number_and_page_of_total(
    db_session: Session, make_subject: Callable[..., Subject],
    make_record: Callable[..., Record], pdftotext: Callable[[bytes], str],
) -> None:
    subject = make_subject()
    issued = issue_report(db_session, subject)
    pages = [squash(p) for p in pdftotext(issued.pdf).split("\f") if p.strip()]
    total = issued.issue.page_count
    assert total == len(pages) >= 2
    for n, page in enumerate(pages, 1):
        assert f"第{n}页/共{total}页" in page
        assert issued.issue.number in page


def test_natural_person_is_masked_and_the_view_logged(
    db_session: Session, make_subject: Callable[..., Subject],
    make_record: Callable[..., Record], pdftotext: Callable[[bytes], str],
) -> None:
    person = make_subject(name="张大明", subject_type="自然人", id_number="231102198001011234")
    make_record(person, doc_number="黑公罚〔2026〕21号")

    issued = issue_report(db_session, person, address="203.0.113.9")
    text = squash(pdftotext(issued.pdf))

    assert "张大明" not in text
    assert "张**" in text
    assert "231102198001011234" not in text
    assert "2311**********1234" in text
    assert "黑公罚〔2026〕21号" in text
    logs = db_session.scalars(select(QueryLog).where(QueryLog.subject_id == person.id)).all()
    assert [entry.surface for entry in logs] == ["report"]


def test_organisation_report_writes_no_query_log(
    db_session: Session, make_subject: Callable[..., Subject],
) -> None:
    issue_report(db_session, make_subject())
    assert db_session.scalars(select(QueryLog)).all() == []
