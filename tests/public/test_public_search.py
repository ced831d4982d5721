"""The results page, typeahead and API search around the search service.

The search engine is not what these tests are about (its own tests cover recall, pinyin,
hidden records in the index): here a scripted engine returns chosen hits, so the page's own
duties can be checked — re-checking visibility against a stale index, masking persons in
highlights, query-use logging, filters, pagination. The tests at the end run the real engine
once it has landed.
"""

from __future__ import annotations

import re
import sys
import types
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from markupsafe import Markup
from sqlalchemy import select

import webapp.services
from webapp.models import QueryLog, Region
from webapp.rules import uscc as uscc_rules
from webapp.rules.kinds import Visibility
from webapp.services.search import SearchFilters as Filters

ID_NUMBER = "231102198001011234"


@dataclass
class Hit:
    id: int
    score: float
    highlight: Markup


@dataclass
class Page:
    total: int
    page: int
    per_page: int
    hits: list[Hit]


@dataclass
class ScriptedEngine:
    """Answers with the hits a test gives it and remembers how it was called."""

    subjects: list[Hit] = field(default_factory=list)
    records: list[Hit] = field(default_factory=list)
    total: int | None = None
    names: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str, Any, int, str]] = field(default_factory=list)

    def module(self) -> types.ModuleType:
        module = types.ModuleType("webapp.services.search")
        module.SearchFilters = Filters
        module.search_subjects = lambda q, f, page=1, per_page=20, sort="relevance": \
            self._answer("subjects", q, f, page, per_page, sort, self.subjects)
        module.search_records = lambda q, f, page=1, per_page=20, sort="relevance": \
            self._answer("records", q, f, page, per_page, sort, self.records)
        module.suggest = lambda prefix, limit=10: self.names[:limit]
        return module

    def _answer(self, what, q, filters, page, per_page, sort, hits) -> Page:
        self.calls.append((what, q, filters, page, sort))
        return Page(self.total if self.total is not None else len(hits), page, per_page, hits)


@pytest.fixture
def engine(monkeypatch) -> ScriptedEngine:
    scripted = ScriptedEngine()
    module = scripted.module()
    monkeypatch.setitem(sys.modules, "webapp.services.search", module)
    monkeypatch.setattr(webapp.services, "search", module, raising=False)
    return scripted


def text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_stale_index_never_shows_a_hidden_record(client, engine, make_subject, make_record,
                                                 db_session):
    shop = make_subject(name="黑河市鑫源贸易有限公司")
    shown = make_record(shop, doc_number="SHOWN-1", title="销售过期食品")
    repaired = make_record(shop, doc_number="REPAIRED-1", title="无照经营",
                           visibility=Visibility.ARCHIVED.value)
    db_session.commit()
    engine.records = [Hit(repaired.id, 9.0, Markup("<mark>无照</mark>经营")),
                      Hit(shown.id, 5.0, Markup("销售<mark>过期</mark>食品"))]
    html = text(client.get("/search?q=过期&tab=records"))
    assert "SHOWN-1" in html and "销售<mark>过期</mark>食品" in html
    assert "REPAIRED-1" not in html and "无照" not in html
    assert f"/records/{shown.id}" in html and f"/records/{repaired.id}" not in html


def test_a_record_without_title_or_number_still_has_a_link_text(client, engine, make_subject,
                                                                make_record, db_session):
    shop = make_subject(name="黑河市承诺无题商贸有限公司")
    bare = make_record(shop, kind="commitment", doc_number=None, title=None,
                       content="依法诚信经营的承诺")
    db_session.commit()
    engine.records = [Hit(bare.id, 1.0, Markup("依法<mark>诚信</mark>经营的承诺"))]
    html = text(client.get("/search?q=诚信&tab=records"))
    link = re.search(rf'<a href="/records/{bare.id}">([^<]*)</a>', html)
    assert link is not None and link.group(1).strip(), html
    assert f"{bare.decided_on:%Y-%m-%d}" in link.group(1)


def test_persons_are_masked_in_results_and_logged(client, engine, make_subject, make_record,
                                                  db_session):
    person = make_subject(name="张三丰", subject_type="自然人", id_number=ID_NUMBER)
    penalty = make_record(person, doc_number="P-9", facts=f"张三丰（{ID_NUMBER}）无证经营")
    company = make_subject(name="黑河市张三丰餐饮有限公司")
    db_session.commit()
    engine.subjects = [Hit(person.id, 3.0, Markup("<mark>张三丰</mark>")),
                       Hit(company.id, 2.0, Markup("黑河市<mark>张三丰</mark>餐饮有限公司"))]
    html = text(client.get("/search?q=张三丰"))
    assert "张**" in html
    assert "黑河市<mark>张三丰</mark>餐饮有限公司" in html  # organisations keep their names
    assert "<mark>张三丰</mark>" not in html.replace("黑河市<mark>张三丰</mark>餐饮", "")

    engine.records = [Hit(penalty.id, 1.0, Markup("<mark>张三丰</mark>（%s）无证经营") % ID_NUMBER)]
    html = text(client.get("/search?q=无证&tab=records"))
    assert ID_NUMBER not in html and "张三丰" not in html
    assert "2311**********1234" in html and "<mark>无证</mark>" in html
    logged = list(db_session.scalars(select(QueryLog.surface).where(
        QueryLog.subject_id == person.id)))
    assert logged == ["public.search", "public.search"]
    assert db_session.scalar(select(QueryLog).where(QueryLog.subject_id == company.id)) is None


def test_filters_sort_and_pagination_reach_the_engine(client, engine, make_subject, make_record,
                                                      db_session):
    region = Region(code="231102", name="爱辉区")
    db_session.add(region)
    shop = make_subject(region=region)
    page_of = [make_record(shop, department_name="黑河市生态环境局") for _ in range(20)]
    record = page_of[0]
    db_session.commit()
    engine.records = [Hit(r.id, 1.0, Markup("<mark>鑫源</mark>")) for r in page_of]
    engine.total = 45  # a full page 2 of 3
    html = text(client.get("/search", query_string={
        "q": "鑫源", "tab": "records", "kind": "penalty", "department": record.department_id,
        "region": region.id, "date_from": "2026-01-01", "date_to": "2026-06-30",
        "sort": "date", "page": "2"}))
    what, query, filters, page, sort = engine.calls[-1]
    assert (what, query, page, sort) == ("records", "鑫源", 2, "date")
    assert filters == Filters(kind="penalty", department_id=record.department_id,
                              region_id=region.id, date_from=date(2026, 1, 1),
                              date_to=date(2026, 6, 30))
    assert "找到 <strong>45</strong> 条" in html
    assert "共 45 条，第 2 / 3 页" in html
    next_link = html.split('rel="next"')[0].rsplit('href="', 1)[1]
    assert "page=3" in next_link and "kind=penalty" in next_link and "sort=date" in next_link
    assert "爱辉区" in html and "黑河市生态环境局" in html  # the filter choices come from the DB

    text(client.get("/search?q=鑫源&tab=subjects&kind=penalty&page=abc"))
    what, _, filters, page, _ = engine.calls[-1]
    assert what == "subjects" and page == 1 and filters.kind is None  # record filters ignored


def test_typeahead_leaves_persons_out(client, engine, make_subject, db_session):
    shop = make_subject(name="黑河市鑫源贸易有限公司")
    person = make_subject(name="鑫小明", subject_type="自然人", id_number=ID_NUMBER)
    db_session.commit()
    engine.names = [{"id": person.id, "name": "鑫小明"}, {"id": shop.id, "name": shop.name}]
    body = client.get("/search/suggest?q=鑫").get_json()
    assert body["suggestions"] == [{"id": shop.id, "name": shop.name, "uscc": shop.uscc,
                                    "url": f"/subjects/{shop.id}"}]
    assert client.get("/search/suggest?q=").get_json()["suggestions"] == []


def test_api_search_shape(client, engine, make_subject, make_record, db_session):
    shop = make_subject(name="黑河市鑫源贸易有限公司")
    record = make_record(shop, doc_number="黑市监处罚〔2026〕7号", visibility="objection")
    db_session.commit()
    engine.subjects = [Hit(shop.id, 2.0, Markup("黑河市<mark>鑫源</mark>贸易有限公司"))]
    engine.records = [Hit(record.id, 1.0, Markup("<mark>鑫源</mark>"))]
    body = client.get("/api/v1/search?q=鑫源").get_json()
    assert body["query"] == "鑫源" and body["page"] == 1 and body["per_page"] == 20
    assert body["subjects"]["total"] == 1
    hit = body["subjects"]["hits"][0]
    assert hit["uscc"] == shop.uscc and hit["status"]["colour"] == "green"
    assert hit["highlight"] == "黑河市<mark>鑫源</mark>贸易有限公司"
    rec = body["records"]["hits"][0]
    assert rec["doc_number"] == "黑市监处罚〔2026〕7号" and rec["under_objection"] is True
    assert rec["subject"]["id"] == shop.id
    only = client.get("/api/v1/search?q=鑫源&kind=penalty").get_json()
    assert "subjects" not in only and engine.calls[-1][2].kind == "penalty"


def test_search_page_without_a_query_shows_help(client, engine):
    html = text(client.get("/search"))
    assert "请输入企业名称" in html and engine.calls == []


# ---------------------------------------------------------------- with the real engine

def real_search() -> Any:
    return pytest.importorskip("webapp.services.search",
                               reason="search service not yet available")


def test_real_engine_finds_by_name_part_and_never_a_hidden_record(
    client, make_subject, make_record, db_session
):
    real_search()
    shop = make_subject(name="黑河市天鑫源贸易有限公司")
    make_record(shop, doc_number="黑市监处罚〔2026〕101号", facts="销售过期食品")
    make_record(shop, doc_number="黑市监处罚〔2026〕102号", facts="销售假冒商品",
                visibility=Visibility.ARCHIVED.value)
    db_session.commit()
    html = text(client.get("/search?q=鑫源"))
    assert "<mark>" in html and f"/subjects/{shop.id}" in html
    records = text(client.get("/search?q=销售&tab=records"))
    assert "101号" in records and "102号" not in records


def _result_list(html: str) -> str:
    return html.split('<ol class="result-list">', 1)[1].split("</ol>", 1)[0] \
        if '<ol class="result-list">' in html else ""


def test_real_engine_finds_a_person_only_by_the_whole_id_number(client, make_subject,
                                                                make_record, db_session):
    real_search()
    person = make_subject(name="欧阳明华", subject_type="自然人", id_number=ID_NUMBER)
    make_record(person, facts="无证驾驶营运车辆")
    db_session.commit()
    for partial in ("欧阳明华", "欧阳", "明华", ID_NUMBER[:10]):
        assert f"/subjects/{person.id}" not in _result_list(text(
            client.get("/search", query_string={"q": partial}))), partial
    results = _result_list(text(client.get(f"/search?q={ID_NUMBER}")))
    assert f"/subjects/{person.id}" in results
    # The answer shows what the profile shows: the masked name, never the number whole.
    assert "欧***" in results and "欧阳明华" not in results and ID_NUMBER not in results
    assert db_session.scalar(select(QueryLog).where(QueryLog.subject_id == person.id))


def test_real_engine_finds_a_listed_person_by_the_whole_name_only(client, make_subject,
                                                                  make_record, db_session):
    real_search()
    listed = make_subject(name="欧阳明华", subject_type="自然人", id_number=ID_NUMBER)
    make_record(listed, kind="list", list_type="失信被执行人", title="失信被执行人")
    fined = make_subject(name="欧阳明国", subject_type="自然人", id_number="231102198001015678")
    make_record(fined, facts="无证驾驶营运车辆")
    db_session.commit()
    results = _result_list(text(client.get("/search?q=欧阳明华")))
    assert f"/subjects/{listed.id}" in results and "欧阳明华" in results
    assert f"/subjects/{fined.id}" not in _result_list(text(client.get("/search?q=欧阳明国")))
    assert f"/subjects/{listed.id}" not in _result_list(text(client.get("/search?q=欧阳明")))
    names = client.get("/search/suggest?q=欧阳明华").get_json()["suggestions"]
    assert names == []


def test_real_engine_never_finds_a_person_without_a_public_record(client, make_subject,
                                                                  make_record, db_session):
    real_search()
    person = make_subject(name="欧阳明华", subject_type="自然人", id_number=ID_NUMBER)
    make_record(person, kind="list", list_type="失信被执行人", title="失信被执行人",
                visibility=Visibility.ARCHIVED.value)  # repaired: kept as an archive
    db_session.commit()
    for query in ("欧阳明华", ID_NUMBER):
        assert f"/subjects/{person.id}" not in _result_list(text(
            client.get("/search", query_string={"q": query}))), query


def test_result_page_queries_do_not_grow_with_hits(client, engine, make_subject, make_record,
                                                   db_session):
    from sqlalchemy import event

    from webapp.extensions import db

    region = Region(code="231102", name="爱辉区")
    shops = [make_subject(region=region) for _ in range(20)]
    records = [make_record(shop) for shop in shops]
    db_session.commit()

    def count_queries(url: str) -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            text(client.get(url))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    counts = {}
    for n in (1, 20):
        engine.subjects = [Hit(s.id, 1.0, Markup("")) for s in shops[:n]]
        engine.records = [Hit(r.id, 1.0, Markup("")) for r in records[:n]]
        counts[n] = (count_queries("/search?q=测试"), count_queries("/search?q=测试&tab=records"))
    assert counts[1] == counts[20]


def test_real_engine_pagination_filters_and_typeahead(client, make_subject, make_record,
                                                      db_session):
    real_search()
    shops = [make_subject(name=f"黑河市鑫源第{n}贸易有限公司") for n in range(25)]
    make_record(shops[0], kind="license", doc_number="LIC-鑫源-1", title="鑫源食品经营许可证")
    make_record(shops[1], kind="penalty", doc_number="PEN-鑫源-1", facts="鑫源销售过期食品")
    person = make_subject(name="鑫源明", subject_type="自然人", id_number=ID_NUMBER)
    db_session.commit()

    first = text(client.get("/search?q=鑫源"))
    assert "找到 <strong>25</strong> 条" in first  # the person has no public record
    assert "共 25 条，第 1 / 2 页" in first
    second = text(client.get("/search?q=鑫源&page=2"))
    assert second.count('class="card result"') == 5

    records = text(client.get("/search?q=鑫源&tab=records&kind=penalty"))
    assert "PEN-鑫源-1" in records and "LIC-鑫源-1" not in records

    names = [s["name"] for s in client.get("/search/suggest?q=鑫源").get_json()["suggestions"]]
    assert names and all(name.startswith("黑河市鑫源") for name in names)
    assert "鑫源明" not in names and "鑫**" not in names

    body = client.get("/api/v1/search?q=鑫源").get_json()
    assert body["subjects"]["total"] == 25 and len(body["subjects"]["hits"]) == 20
    assert body["records"]["total"] == 2
    person_hit = [h for h in body["subjects"]["hits"] if h["id"] == person.id]
    assert not person_hit or person_hit[0]["name"] == "鑫**"
    assert "鑫源明" not in client.get("/api/v1/search?q=鑫源&page=2").get_data(as_text=True)


def test_a_whole_code_goes_straight_to_the_profile(client, engine, make_subject, db_session):
    shop = make_subject()
    db_session.commit()
    spaced = " ".join([shop.uscc[:6].lower(), shop.uscc[6:]])
    response = client.get("/search", query_string={"q": spaced})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/subjects/{shop.id}")
    assert engine.calls == []
    # A code nobody has is searched like any other text (prefix look-ups, other spellings).
    unknown = "91231102987654321"
    text(client.get(f"/search?q={unknown}{uscc_rules.check_character(unknown)}"))
    assert engine.calls
