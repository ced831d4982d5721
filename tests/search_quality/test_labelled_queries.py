"""The labelled query set (labelled_queries.json, written from the demo city by
scripts/make_labelled_queries.py) on every backend: each query's subject or record comes
first, or on the first page, as labelled; private persons never appear."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from search_index import evaluation
from search_index.backend import BACKENDS, SearchBackend, backend_class
from webapp.demo.generator import REFERENCE_DATE
from webapp.demo.search_docs import city_documents

ITEMS = evaluation.load()


@pytest.fixture(scope="module")
def city() -> tuple[list, list]:
    return city_documents()


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           city: tuple[list, list]) -> Iterator[SearchBackend]:
    subjects, records = city
    root: Path = tmp_path_factory.mktemp(f"labelled-{request.param}")
    backend = backend_class(request.param)(root)
    backend.swap(backend.build(subjects, records))
    yield backend
    backend.close()


def first_page(engine: SearchBackend, tab: str, query: str) -> list[int]:
    if tab == "subjects":
        page = engine.search_subjects(query, per_page=evaluation.PAGE)
    else:
        page = engine.search_records(query, per_page=evaluation.PAGE, today=REFERENCE_DATE)
    return [hit.id for hit in page.hits]


def test_the_set_is_large_and_covers_every_kind_of_query():
    categories = {item["category"] for item in ITEMS}
    assert len([i for i in ITEMS if i["expect"] != "absent"]) >= 150
    assert {"several words", "admin word left out", "form word left out", "form word added",
            "whole name in pinyin", "whole name in initials", "Chinese and pinyin mixed",
            "traditional characters", "records by subject name", "person by ID number",
            "person by name (private)"} <= categories


def test_every_labelled_query_finds_its_target(engine: SearchBackend, city: tuple[list, list]):
    targets = evaluation.Targets.from_records(city[1])
    scores = evaluation.measure(ITEMS, lambda tab, q: first_page(engine, tab, q), targets)
    missed = [f"{item['category']}: {item['query']!r} ({item['tab']}, {item['expect']}) "
              f"-> {hits[:5]}" for item, hits in scores.failures]
    assert not missed, f"{len(missed)} missed on {engine.name}:\n" + "\n".join(missed)


def test_both_backends_give_the_same_order(city: tuple[list, list],
                                           tmp_path_factory: pytest.TempPathFactory):
    subjects, records = city
    engines = []
    for name in sorted(BACKENDS):
        backend = backend_class(name)(tmp_path_factory.mktemp(f"order-{name}"))
        backend.swap(backend.build(subjects, records))
        engines.append(backend)
    try:
        for item in ITEMS:
            pages = [first_page(e, item["tab"], item["query"]) for e in engines]
            assert pages[0] == pages[1], item
    finally:
        for backend in engines:
            backend.close()


def test_the_typeahead_never_suggests_a_person_and_follows_the_search_order(
        engine: SearchBackend, city: tuple[list, list]):
    subjects, _records = city
    listed = next(s for s in subjects if s.is_person and s.name_public)
    assert engine.search_subjects(listed.name).total >= 1
    assert all(s.id != listed.id for s in engine.suggest(listed.name))
    for prefix in ("黑河市川达", "hhscd", "川达"):
        suggested = [s.id for s in engine.suggest(prefix, limit=5)]
        assert suggested == first_page(engine, "subjects", prefix)[:5]


def test_the_home_page_example_ranks_a_matching_company_first(engine: SearchBackend,
                                                               city: tuple[list, list]):
    from pypinyin import lazy_pinyin

    subjects, _records = city
    names = {s.id: (s.name, *s.former_names) for s in subjects}
    hits = first_page(engine, "subjects", "hhsxy")
    assert hits
    for hit in hits[:5]:  # names (or former names) beginning with those initials come first
        initials = ["".join(p[:1] for p in lazy_pinyin(n)) for n in names[hit]]
        assert any(i.startswith("hhsxy") for i in initials), names[hit]
