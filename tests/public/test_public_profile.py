"""The subject credit profile, the /s/<USCC> short link and record detail, through the client."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from webapp.models import QueryLog, Record
from webapp.rules.kinds import Visibility
from webapp.services.clock import today as china_today
from webapp.services.profiles import EMPTY_SECTION_TEXT, SECTIONS

ID_NUMBER = "231102198001011234"


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def logs(db_session, subject_id: int) -> list[QueryLog]:
    return list(db_session.scalars(select(QueryLog).where(QueryLog.subject_id == subject_id)))


@pytest.fixture
def company(make_subject, make_record, db_session):
    """A black-listed company with one record of every state."""
    yesterday = china_today() - timedelta(days=1)
    shop = make_subject(name="黑河市鑫源贸易有限公司", legal_representative="王建国",
                        address="黑河市爱辉区王肃街1号")
    make_record(shop, doc_number="PUB-1", title="销售过期食品", facts="销售超过保质期的食品")
    make_record(shop, doc_number="OBJ-1", visibility=Visibility.OBJECTION.value,
                title="未按规定公示年报")
    make_record(shop, kind="list", list_nature="black", list_type="严重失信主体名单",
                doc_number="BLACK-1")
    make_record(shop, kind="license", doc_number="LIC-1", title="食品经营许可证")
    make_record(shop, doc_number="GONE-ARCHIVED", visibility=Visibility.ARCHIVED.value)
    make_record(shop, doc_number="GONE-REVOKED", visibility=Visibility.REVOKED.value)
    make_record(shop, doc_number="GONE-EXPIRED", visibility=Visibility.EXPIRED.value)
    make_record(shop, doc_number="GONE-PAST", public_until=yesterday)
    make_record(shop, kind="list", list_nature="red", list_type="守信激励对象名单",
                doc_number="GONE-RED", visibility=Visibility.ARCHIVED.value)
    db_session.commit()
    return shop


def test_profile_shows_status_meaning_and_every_public_record(client, company, db_session):
    html = page(client, f"/subjects/{company.id}")
    assert "黑河市鑫源贸易有限公司" in html
    assert company.uscc in html
    assert "红码" in html and "严重失信" in html
    assert "依法依规受到联合惩戒" in html  # what the status means
    for doc in ("PUB-1", "OBJ-1", "BLACK-1", "LIC-1"):
        assert doc in html
    for doc in ("GONE-ARCHIVED", "GONE-REVOKED", "GONE-EXPIRED", "GONE-PAST", "GONE-RED"):
        assert doc not in html
    assert "守信激励对象" not in html.split("信用状态说明")[0]  # no 守信 mark: red entry archived
    # The record under objection is marked, and has no second objection link.
    objection_item = html.split("OBJ-1")[0].rsplit("<li", 1)[1]
    assert "异议处理中" in objection_item
    assert html.count("异议处理中") == 1
    by_doc = {r.doc_number: r.id for r in db_session.scalars(select(Record))}
    assert f"/petitions/objection?record={by_doc['PUB-1']}\"" in html
    assert f"/petitions/objection?record={by_doc['OBJ-1']}\"" not in html
    # Links to the code, the report and the complaint form.
    for link in (f"/subjects/{company.id}/code", f"/subjects/{company.id}/report.pdf",
                 f"/petitions/complaint?subject={company.id}"):
        assert link in html
    assert "王建国" in html  # an organisation's legal representative is public
    assert logs(db_session, company.id) == []  # organisations are not query-use logged


def test_sections_have_counts_and_empty_ones_say_so(client, company):
    html = page(client, f"/subjects/{company.id}")
    counts = dict(re.findall(r'id="sec-(\w+)-title">[^<]*<span class="count"[^>]*>(\d+)<', html))
    assert counts == {"license": "1", "penalty": "2", "red": "0", "black": "1", "watch": "0",
                      "abnormal": "0", "commitment": "0", "evaluation": "0"}
    assert html.count(EMPTY_SECTION_TEXT) == 5
    assert len(counts) == len(SECTIONS)


def test_honoured_subject_gets_the_mark(client, make_subject, make_record, db_session):
    shop = make_subject()
    make_record(shop, kind="list", list_nature="red", list_type="守信激励对象名单")
    db_session.commit()
    html = page(client, f"/subjects/{shop.id}")
    assert "绿码" in html and "信用良好" in html
    assert 'class="badge honour">守信激励对象<' in html


def test_natural_person_is_masked_and_every_view_logged(
    client, make_subject, make_record, db_session
):
    person = make_subject(name="张三丰", subject_type="自然人", id_number=ID_NUMBER)
    record = make_record(person, doc_number="P-1", facts=f"张三丰（身份证号{ID_NUMBER}）无证经营")
    db_session.commit()
    for url in (f"/subjects/{person.id}", f"/records/{record.id}"):
        html = page(client, url)
        assert ID_NUMBER not in html
        assert "2311**********1234" in html
        assert "张三丰" not in html
        assert "张**" in html
    assert sorted(log.surface for log in logs(db_session, person.id)) == [
        "public.record", "public.subject"]


def test_name_disclosed_when_the_list_requires_it(client, make_subject, make_record, db_session):
    person = make_subject(name="李四", subject_type="自然人", id_number=ID_NUMBER)
    make_record(person, kind="list", list_nature="black", list_type="失信被执行人",
                facts=f"被执行人李四，身份证号{ID_NUMBER}")
    db_session.commit()
    html = page(client, f"/subjects/{person.id}")
    assert "李四" in html
    assert ID_NUMBER not in html
    assert len(logs(db_session, person.id)) == 1


def test_short_link_by_uscc(client, company):
    response = client.get(f"/s/{company.uscc.lower()}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/subjects/{company.id}")
    bad = company.uscc[:-1] + ("0" if company.uscc[-1] != "0" else "1")
    assert client.get(f"/s/{bad}").status_code == 404
    assert client.get("/subjects/999999").status_code == 404


def test_record_detail_only_for_public_records(client, company, db_session):
    by_doc = {r.doc_number: r for r in db_session.scalars(select(Record))}
    html = page(client, f"/records/{by_doc['PUB-1'].id}")
    assert "销售超过保质期的食品" in html and "黑河市鑫源贸易有限公司" in html
    assert "异议处理中" in page(client, f"/records/{by_doc['OBJ-1'].id}")
    for doc in ("GONE-ARCHIVED", "GONE-REVOKED", "GONE-EXPIRED", "GONE-PAST", "GONE-RED"):
        response = client.get(f"/records/{by_doc[doc].id}")
        assert response.status_code == 404, doc
        assert doc not in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(QueryLog)) == 0


def test_home_shows_counts_and_latest_lists(client, make_subject, make_record, db_session):
    honest = make_subject(name="黑河市诚信粮油有限公司")
    make_record(honest, kind="list", list_nature="red", list_type="守信激励对象名单")
    person = make_subject(name="王小明", subject_type="自然人", id_number=ID_NUMBER)
    make_record(person, kind="list", list_nature="black", list_type="严重失信主体名单")
    dishonest = make_subject(name="黑河市失信建筑有限公司")
    make_record(dishonest, kind="list", list_nature="black", list_type="严重失信主体名单")
    hidden = make_subject(name="黑河市已修复商贸有限公司")
    make_record(hidden, kind="list", list_nature="black", visibility=Visibility.ARCHIVED.value)
    db_session.commit()
    html = page(client, "/")
    assert "黑河市诚信粮油有限公司" in html and "黑河市失信建筑有限公司" in html
    assert "王小明" not in html and "王**" not in html  # persons stay off the home page
    assert "黑河市已修复商贸有限公司" not in html
    stats = dict((label, int(n)) for n, label in re.findall(
        r'stat-number">(\d+)</span><span class="stat-label">([^<]+)<', html))
    assert stats["信用主体"] == 4 and stats["红名单"] == 1 and stats["黑名单"] == 2  # counted
    assert logs(db_session, person.id) == []  # so no query-use log on every home view
    # The typeahead is an external script carrying this response's CSP nonce.
    response = client.get("/")
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'",
                      response.headers["Content-Security-Policy"]).group(1)
    assert f'suggest.js" nonce="{nonce}"' in response.get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html


def test_names_are_escaped(client, make_subject, make_record, db_session):
    shop = make_subject(name="<script>alert(1)</script>有限公司")
    make_record(shop, facts="<img src=x onerror=alert(1)>")
    db_session.commit()
    html = page(client, f"/subjects/{shop.id}")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html


def test_profile_queries_do_not_grow_with_records(client, app, make_subject, make_record,
                                                  db_session):
    from sqlalchemy import event

    from webapp.extensions import db

    def count_queries(url: str) -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page(client, url)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    small, big = make_subject(), make_subject()
    make_record(small)
    for n in range(30):
        make_record(big, kind=("penalty", "license", "commitment")[n % 3])
    db_session.commit()
    assert count_queries(f"/subjects/{big.id}") == count_queries(f"/subjects/{small.id}")
