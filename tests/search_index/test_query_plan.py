"""Query understanding (search_index.query_plan, variants, pinyin) and the engines on it:
several words, words left out or added, pinyin of whole names, mixed terms, traditional
characters, persons, records by subject."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from search_index import query_plan
from search_index.backend import BACKENDS, SearchBackend, backend_class
from search_index.documents import RecordDoc, SubjectDoc
from search_index.pinyin import pinyin_heads, pinyin_keys, pinyin_wholes
from search_index.variants import core, simplified

ID_NUMBER = "231102198001011234"


def test_terms_split_on_spaces_and_separators_but_not_inside_a_document_number():
    assert [t.text for t in query_plan.plan("黑河 热力，川达").terms] == ["黑河", "热力", "川达"]
    assert [t.text for t in query_plan.plan("〔2026〕17号").terms] == ["202617号"]
    assert [t.text for t in query_plan.plan("鑫源（ＡＢＣ）食品").terms] == ["鑫源abc食品"]
    assert query_plan.plan("  ，").empty


def test_traditional_characters_are_read_as_simplified_and_as_typed():
    assert simplified("鑫源商貿") == "鑫源商贸" and simplified("hhsxy") == "hhsxy"
    (term,) = query_plan.plan("乾豐").terms
    assert [f.text for f in term.forms] == ["干丰", "乾豐"]


def test_cores_leave_out_administrative_and_company_form_words_only():
    assert core("黑河市天鑫源商贸有限公司") == "黑河天鑫源商贸"
    assert core("黑河天鑫源商贸公司") == core("黑河市天鑫源商贸股份有限公司") == "黑河天鑫源商贸"
    assert core("五大连池市龙腾矿泉水饮品有限责任公司") == "五大连池龙腾矿泉水饮品"
    for word in ("超市", "市场", "社区", "县城"):
        assert core(word) == word


def test_pinyin_keys_reach_whole_names_and_mixed_terms_read_both_ways():
    name = "黑河市川达热力有限公司"
    assert {"heiheshichuandareliyouxiangongsi", "hhscdrlyxgs"} <= set(pinyin_wholes(name).split())
    assert {"heiheshichuanda", "hhscd", "hhscdrlyxgs"} <= set(pinyin_heads(name).split())
    keys = set(pinyin_keys(name).split())
    assert {"chuandareli", "cdrl", "reli"} <= keys and "hhscdrlyxgs" in keys
    assert query_plan.mixed_keys("川达rl") == ("cdrl", "chuandarl")


def test_the_tiers_follow_the_scoring_table():
    from search_index.ranking import RECORD_TIERS, SUBJECT_TIERS

    plan = query_plan.plan("黑河 热力")
    assert [name for name, _ in plan.subject_tiers()] == [n for n, _ in SUBJECT_TIERS]
    assert [name for name, _ in plan.record_tiers()] == [n for n, _ in RECORD_TIERS]


NAMES = {
    1: "黑河市川达热力有限公司",
    2: "黑河市川达对俄经贸有限公司",
    3: "黑河市永金热力有限公司",
    4: "北安市鑫源商贸有限公司",
    5: "黑河市和瑞大豆有限公司",
}


@pytest.fixture(params=sorted(BACKENDS))
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> SearchBackend:
    backend = backend_class(request.param)(tmp_path / "index")
    subjects = [SubjectDoc(i, n, n, founded_on=date(2020, 1, i),
                           record_text=("罚款",) if i == 3 else ()) for i, n in NAMES.items()]
    subjects += [
        SubjectDoc(20, "欧阳明华", "欧***", subject_type="自然人", is_person=True,
                   id_number=ID_NUMBER),
        SubjectDoc(21, "欧阳明国", "欧阳明国", subject_type="自然人", is_person=True,
                   name_public=True, id_number="231102198001015678"),
    ]
    records = [
        RecordDoc(30, 5, "license", date(2026, 1, 1), title="准予行政许可决定书（食品经营许可证）",
                  subject_names=(NAMES[5],)),
        RecordDoc(31, 5, "penalty", date(2026, 3, 1), facts="未明码标价",
                  subject_names=(NAMES[5],)),
        RecordDoc(32, 4, "penalty", date(2026, 2, 1), facts="收购大豆未明码标价",
                  subject_names=(NAMES[4],)),
        RecordDoc(33, 20, "penalty", date(2026, 2, 1), facts="无证驾驶营运车辆",
                  subject_names=("欧阳明华",), subject_is_person=True),
    ]
    backend.update(subjects, records)
    return backend


def ids(page) -> list[int]:
    return [hit.id for hit in page.hits]


def test_every_term_must_match_in_the_name_or_the_records(engine):
    assert ids(engine.search_subjects("热力 川达")) == [1]
    assert ids(engine.search_subjects("黑河 热力")) == [3, 1]  # ties: most recent first
    assert ids(engine.search_subjects("永金 罚款")) == [3]  # a shop and what it was fined for
    assert ids(engine.search_subjects("川达 罚款")) == []


def test_names_are_found_with_words_left_out_or_added_below_the_exact_name(engine):
    assert ids(engine.search_subjects("黑河川达热力")) == [1]
    assert ids(engine.search_subjects("川达热力公司")) == [1]
    assert ids(engine.search_subjects("黑河市川达热力有限公司"))[0] == 1
    assert ids(engine.search_subjects("鑫源商貿"))[0] == 4  # traditional characters


def test_pinyin_whole_names_initials_and_mixed_terms(engine):
    assert ids(engine.search_subjects("heiheshichuandareli")) == [1]
    assert ids(engine.search_subjects("heiheshichuanda")) == [2, 1]
    assert ids(engine.search_subjects("hhscdrlyxgs")) == [1]
    assert ids(engine.search_subjects("川达rl")) == [1]
    assert ids(engine.search_subjects("rl")) == [3, 1]


def test_records_by_the_subject_name_with_titles_highlighted(engine):
    page = engine.search_records("黑河市和瑞大豆有限公司", today=date(2026, 6, 1))
    assert ids(page) == [31, 30]
    text = engine.search_records("大豆", today=date(2026, 6, 1))
    assert ids(text) == [32, 31, 30]  # text first, then the records of 和瑞大豆 by its name
    assert "<mark>大豆</mark>" in str(text.hits[0].highlight)


def test_persons_only_by_the_whole_id_number_or_a_published_name(engine):
    for query in ("欧阳明华", "欧阳", "明华", "oymh", ID_NUMBER[:12]):
        assert 20 not in ids(engine.search_subjects(query)), query
    assert ids(engine.search_subjects(ID_NUMBER)) == [20]
    assert ids(engine.search_subjects("欧阳明国")) == [21]
    assert ids(engine.search_subjects("欧阳明")) == []
    assert engine.suggest("欧阳明国") == []
    assert ids(engine.search_records("欧阳明华", today=date(2026, 6, 1))) == []


def test_the_typeahead_follows_the_search_order(engine):
    assert [s.id for s in engine.suggest("黑河市川达")] == ids(engine.search_subjects("黑河市川达"))
    assert [s.id for s in engine.suggest("hhs", limit=2)] == ids(
        engine.search_subjects("hhs"))[:2]
