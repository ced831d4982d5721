"""The engine on plain documents: recall on substrings, normalisation, pinyin, codes,
phrase precision, filters, expiry, highlights, versions."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest

from search_index.backend import BACKENDS, SearchBackend, Suggestion, backend_class
from search_index.documents import RecordDoc, SubjectDoc
from search_index.text import normalize

NAMES = {
    1: "黑河市天鑫源商贸有限公司",
    2: "黑河市鑫源（ＡＢＣ）食品店",
    3: "爱辉区张记老街烧烤店",
    4: "五大连池市龙腾矿泉水饮品有限责任公司",
}
USCC = "91231102MA1C2D3E4F"


@pytest.fixture(params=sorted(BACKENDS))
def backend_type(request: pytest.FixtureRequest) -> type[SearchBackend]:
    """Every test here runs on every backend: one suite, the same answers."""
    return backend_class(request.param)


@pytest.fixture
def engine(tmp_path: Path, backend_type: type[SearchBackend]) -> SearchBackend:
    engine = backend_type(tmp_path / "index")
    engine.update(
        [SubjectDoc(i, name, name, uscc=USCC if i == 1 else None,
                    subject_type="个体工商户" if i in (2, 3) else "企业法人",
                    region_id=7 if i == 3 else 1, former_names=("黑河市旧名称贸易公司",) if i == 4
                    else ())
         for i, name in NAMES.items()],
        [
            RecordDoc(10, 1, "penalty", date(2026, 3, 1), subject_uscc=USCC,
                      doc_number="黑市监处罚〔2026〕15号",
                      facts="销售过期食品，违反第六十条规定，依据第十三条处罚", department_id=5,
                      department_name="黑河市市场监督管理局"),
            RecordDoc(11, 1, "license", date(2026, 5, 1), subject_uscc=USCC,
                      title="食品经营许可", department_id=6,
                      content="准予食品经营许可", department_name="黑河市行政审批局"),
            RecordDoc(12, 2, "penalty", date(2025, 1, 1), public_until=date(2026, 1, 1),
                      facts="销售过期食品（已过公示期）", department_id=5),
            RecordDoc(13, 3, "list", date(2026, 4, 1), list_nature="red", title="守信激励名单",
                      facts="纳税信用A级，食品安全示范", region_id=7, department_id=6),
        ],
    )
    return engine


def ids(page) -> set[int]:
    return {hit.id for hit in page.hits}


def test_every_substring_of_two_to_six_characters_finds_the_name(engine):
    for subject_id, name in NAMES.items():
        text = normalize(name)
        for size in range(2, 7):
            for start in range(len(text) - size + 1):
                part = text[start:start + size]
                expected = {i for i, n in NAMES.items() if part in normalize(n)}
                assert expected <= ids(engine.search_subjects(part, per_page=50)), part
                assert subject_id in expected


def test_one_character_queries_work_on_names(engine):
    assert ids(engine.search_subjects("烤")) == {3}


def test_multi_character_queries_match_contiguous_text_only(engine):
    # 鑫 and 源 both occur in 天鑫源, but "源鑫" does not: no scattered matches.
    assert ids(engine.search_subjects("源鑫")) == set()
    assert ids(engine.search_records("六十三", today=date(2026, 6, 1))) == set()
    assert ids(engine.search_records("第六十条", today=date(2026, 6, 1))) == {10}


def test_full_width_brackets_letters_and_case_are_normalised(engine):
    assert ids(engine.search_subjects("鑫源(abc)")) == {2}
    assert ids(engine.search_subjects("ＡＢＣ）食")) == {2}
    assert ids(engine.search_subjects("鑫源 abc")) == {2}


def test_former_names_are_found(engine):
    assert ids(engine.search_subjects("旧名称")) == {4}


def test_pinyin_full_and_initials(engine):
    assert ids(engine.search_subjects("hhstxy")) == {1}
    assert ids(engine.search_subjects("tianxinyuan")) == {1}
    assert ids(engine.search_subjects("xinyuan")) == {1, 2}
    assert ids(engine.search_subjects("zhangji")) == {3}


def test_uscc_exact_and_prefix(engine):
    assert ids(engine.search_subjects(USCC)) == {1}
    assert ids(engine.search_subjects(USCC.lower()[:10])) == {1}
    assert ids(engine.search_subjects("91231102MA1C2D3E4X")) == set()


def test_record_by_document_number_and_department(engine):
    today = date(2026, 6, 1)
    assert ids(engine.search_records("黑市监处罚〔2026〕15号", today=today)) == {10}
    assert ids(engine.search_records("行政审批局", today=today)) == {11}


def test_records_past_their_public_day_are_never_returned(engine):
    assert ids(engine.search_records("过期食品", today=date(2026, 6, 1))) == {10}
    assert ids(engine.search_records("过期食品", today=date(2025, 6, 1))) == {10, 12}


def test_filters_and_sort_by_date(engine):
    today = date(2026, 6, 1)
    assert ids(engine.search_records("食品", {"kind": "license"}, today=today)) == {11}
    assert ids(engine.search_records("食品", {"department_id": 6}, today=today)) == {11, 13}
    assert ids(engine.search_records("食品", {"list_nature": "red"}, today=today)) == {13}
    assert ids(engine.search_records("食品", {"region_id": 7}, today=today)) == {13}
    ranged = {"date_from": date(2026, 4, 1), "date_to": date(2026, 4, 30)}
    assert ids(engine.search_records("食品", ranged, today=today)) == {13}
    newest = engine.search_records("食品", sort="date", today=today)
    assert [h.id for h in newest.hits] == [11, 13, 10]
    assert ids(engine.search_subjects("店", {"subject_type": "个体工商户"})) == {2, 3}


def test_pagination_reports_the_total(engine):
    first = engine.search_records("食品", per_page=2, sort="date", today=date(2026, 6, 1))
    second = engine.search_records("食品", page=2, per_page=2, sort="date",
                                   today=date(2026, 6, 1))
    assert (first.total, second.total) == (3, 3)
    assert [h.id for h in first.hits] == [11, 13] and [h.id for h in second.hits] == [10]


def test_highlights_are_escaped_and_marked(engine):
    engine.update([SubjectDoc(9, "<b>黑河</b>&鑫源商行", "<b>黑河</b>&鑫源商行")])
    hit = engine.search_subjects("鑫源商行").hits[0]
    assert str(hit.highlight) == "&lt;b&gt;黑河&lt;/b&gt;&amp;<mark>鑫源商行</mark>"
    record = engine.search_records("第六十条", today=date(2026, 6, 1)).hits[0]
    assert "<mark>第六十条</mark>" in record.highlight


def test_highlight_uses_the_display_name_while_search_uses_the_full_name(tmp_path,
                                                                        backend_type):
    engine = backend_type(tmp_path / "p")
    engine.update([SubjectDoc(5, "欧阳明华", "欧阳**")])
    hit = engine.search_subjects("明华").hits[0]
    assert hit.id == 5 and "明华" not in hit.highlight


def test_suggest_prefers_names_starting_with_the_prefix(engine):
    assert {s.id for s in engine.suggest("黑河市", limit=5)} == {1, 2, 4}  # 4: former name
    assert [s.id for s in engine.suggest("hhs", limit=5)][:1] in ([1], [2], [4])
    assert engine.suggest("龙腾")[0] == Suggestion(4, NAMES[4], None)


def test_deleted_documents_disappear(engine):
    engine.update(delete_records=[10], delete_subjects=[3])
    assert ids(engine.search_records("第六十条", today=date(2026, 6, 1))) == set()
    assert ids(engine.search_subjects("烧烤")) == set()


def test_updates_are_visible_to_another_process_engine(engine, tmp_path):
    other = type(engine)(engine.store.root)
    assert ids(other.search_subjects("新开张")) == set()
    engine.update([SubjectDoc(20, "黑河市新开张超市", "黑河市新开张超市")])
    assert ids(other.search_subjects("新开张")) == {20}


def test_a_rebuilt_version_is_swapped_in_while_old_readers_keep_working(engine):
    reader = type(engine)(engine.store.root)
    assert ids(reader.search_subjects("天鑫源")) == {1}
    old = engine.store.current_name()
    version = engine.build([SubjectDoc(30, "黑河市重建后公司", "黑河市重建后公司")], [])
    assert ids(reader.search_subjects("天鑫源")) == {1}  # not live yet
    engine.swap(version)
    assert engine.store.current_name() == version != old
    assert ids(reader.search_subjects("重建后")) == {30}
    assert ids(reader.search_subjects("天鑫源")) == set()


def test_broad_queries_scan_in_index_order_with_an_exact_total_when_the_scan_ends(
    engine, monkeypatch
):
    if engine.name != "whoosh":
        pytest.skip("whoosh scans broad queries; tantivy counts every match exactly")
    import search_index.whoosh_backend.engine as engine_module

    monkeypatch.setattr(engine_module, "BROAD_CANDIDATES", 0)
    today = date(2026, 6, 1)
    found = engine.search_records("食品", per_page=2, today=today)
    assert found.total == 3 and len(found.hits) == 2
    second = engine.search_records("食品", page=2, per_page=2, today=today)
    assert {h.id for h in found.hits + second.hits} == {10, 11, 13}  # 12 is past its day
    assert all("<mark>食品</mark>" in h.highlight for h in found.hits + second.hits)
    assert ids(engine.search_subjects("黑河市", per_page=10)) == {1, 2, 4}


def test_an_over_budget_scan_answers_with_what_it_has_and_says_the_total_is_approximate(
    engine, monkeypatch
):
    """The budget holds inside phrase matching, before any hit is found: a phrase whose
    candidates rarely line up cannot hold a worker."""
    if engine.name != "whoosh":
        pytest.skip("only whoosh scans broad queries in Python")
    import search_index.whoosh_backend.budget as budget_module
    import search_index.whoosh_backend.engine as engine_module

    monkeypatch.setattr(engine_module, "BROAD_CANDIDATES", 0)
    monkeypatch.setattr(engine_module, "SCAN_BUDGET_SECONDS", 0.0)
    monkeypatch.setattr(budget_module, "CHECK_EVERY", 1)
    found = engine.search_records("过期食品", today=date(2026, 6, 1))
    assert not found.exact and ids(found) <= {10}  # what it had when the clock ran out
    monkeypatch.setattr(engine_module, "SCAN_BUDGET_SECONDS", 10.0)
    found = engine.search_records("过期食品", today=date(2026, 6, 1))
    assert found.exact and ids(found) == {10}


def test_code_and_number_queries_on_records_are_term_look_ups(engine):
    today = date(2026, 6, 1)
    # The subject's USCC prefix finds its records, though no record text holds the code.
    for prefix in (USCC[:4], USCC[:8], USCC):
        assert ids(engine.search_records(prefix, today=today)) == {10, 11}, prefix
    # A number in a document number ("黑市监处罚〔2026〕15号") is one of its terms.
    assert ids(engine.search_records("2026", today=today)) == {10}
    assert ids(engine.search_records("91239999", today=today)) == set()


def test_a_commit_is_visible_in_another_process_within_a_second(engine):
    """Like two gunicorn workers: one writes, the other's next search sees it."""
    import subprocess
    import sys
    import time

    script = (
        "import sys, time\n"
        "from search_index.backend import open_backend\n"
        "engine = open_backend(sys.argv[2], sys.argv[1])\n"
        "assert engine.search_subjects('远方来客').total == 0\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
        "started = time.perf_counter()\n"
        "while engine.search_subjects('远方来客').total == 0:\n"
        "    time.sleep(0.01)\n"
        "print(round(time.perf_counter() - started, 3), flush=True)\n"
    )
    with subprocess.Popen([sys.executable, "-c", script, str(engine.store.root), engine.name],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                          cwd=Path(__file__).resolve().parents[2]) as other:
        try:
            assert other.stdout.readline().strip() == "ready"
            engine.update([SubjectDoc(40, "黑河市远方来客旅馆", "黑河市远方来客旅馆")])
            started = time.perf_counter()
            other.stdin.write("go\n")
            other.stdin.flush()
            waited = float(other.stdout.readline())
            assert waited < 1.0 and time.perf_counter() - started < 1.0
        finally:
            other.kill()


def test_one_character_record_queries_find_characters_at_the_end_of_a_text(
        tmp_path: Path, backend_type: type[SearchBackend]):
    engine = backend_type(tmp_path / "index")
    engine.update([], [
        RecordDoc(1, 1, "evaluation", date(2026, 1, 1), title="纳税信用等级", content="A"),
        RecordDoc(2, 1, "evaluation", date(2026, 1, 1), title="纳税信用等级", content="B级"),
        RecordDoc(3, 1, "penalty", date(2026, 1, 1), facts="责令改正并罚款"),
    ])
    today = date(2026, 6, 1)
    assert {h.id for h in engine.search_records("a", today=today).hits} == {1}
    assert {h.id for h in engine.search_records("Ａ", today=today).hits} == {1}
    assert {h.id for h in engine.search_records("款", today=today).hits} == {3}
    assert {h.id for h in engine.search_records("级", today=today).hits} == {1, 2}
    assert engine.search_records("a级", today=today).total == 0  # no phrase across parts


def test_tantivy_gram_text_keeps_the_shared_ngrams_and_their_positions():
    """The tantivy backend feeds the shared n-grams as a string: the same grams, and a
    filler wherever the shared positions jump, so phrases never cross parts."""
    from search_index.analysis import join_parts, ngrams
    from search_index.tantivy_backend.schema import GAP_TOKEN, gram_text

    value = join_parts("黑河市天鑫源", "A", "旧名（称）")
    for size in (1, 2):
        tokens = gram_text(value, size).split(" ")
        expected = list(ngrams(value, size))
        assert [t for t in tokens if t != GAP_TOKEN] == [g for g, _ in expected]
        positions = [i for i, t in enumerate(tokens) if t != GAP_TOKEN]
        gaps = [b - a for (_, a), (_, b) in pairwise(expected)]
        assert [b - a for a, b in pairwise(positions)] == [
            1 if gap == 1 else 2 for gap in gaps]


def test_record_text_phrases_match_exactly_the_records_containing_them(tmp_path, backend_type):
    """Every substring of 2-9 characters against a substring scan, on texts built to hold
    each other's bigrams out of order (a phrase checked on every other bigram must still
    need all of its characters, contiguous)."""
    texts = ["罚款人民币五万元", "罚款人民，币五万", "人民币罚款五万元", "罚款人x民币五万",
             "款人民币罚", "五万元罚款人民币", "民币五万元罚款人", "罚款人民币", "罚款人民币五",
             "罚款个民币五万元", "罚款人个币五万元", "罚个人民币五万元"]
    engine = backend_type(tmp_path / "index")
    engine.update([], [RecordDoc(100 + i, 1, "penalty", date(2026, 3, 1), facts=t)
                       for i, t in enumerate(texts)])
    normalized = {100 + i: normalize(t) for i, t in enumerate(texts)}  # "，" is dropped
    for text in set(normalized.values()):
        for size in range(2, 10):
            for start in range(len(text) - size + 1):
                part = text[start:start + size]
                expected = {i for i, t in normalized.items() if part in t}
                found = ids(engine.search_records(part, per_page=50, today=date(2026, 6, 1)))
                assert found == expected, part


def test_prune_expired_drops_what_is_past_its_public_period_and_says_how_many(engine):
    # `flask search-prune` prints this count: a second run finds nothing left to drop.
    assert engine.matching_ids("record", "已过公示期") == {12}
    assert engine.prune_expired(date(2026, 12, 1)) == 1
    assert engine.matching_ids("record", "已过公示期") == set()
    assert engine.prune_expired(date(2026, 12, 1)) == 0
    assert ids(engine.search_records("食品", today=date(2026, 12, 1))) == {10, 11, 13}
