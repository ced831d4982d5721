"""Write the labelled query set (tests/search_quality/labelled_queries.json) from the demo city.

    .venv/bin/python scripts/make_labelled_queries.py

Each entry is a query a visitor would type, the tab it is typed on and the subject (or the
record) a person checking the answer expects: "first" (it must be the first hit) or "page"
(it must be on the first page of 20), "absent" (it must not be on the first page: persons
kept private). The expectation is decided by reading the demo data, never by running the
engine: a target is expected first only when no other subject fits the query as well (a
substring scan of all names, pinyin and cores). The file is committed; rerun after a change
to the demo generator and review the diff.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from opencc import OpenCC
from pypinyin import lazy_pinyin

from search_index.text import normalize
from search_index.variants import core
from webapp.demo.search_docs import city_documents

OUT = Path(__file__).resolve().parent.parent / "tests" / "search_quality" / "labelled_queries.json"
PLACES = ("五大连池市", "黑河市", "爱辉区", "北安市", "嫩江市", "逊克县", "孙吴县", "黑龙江")
FORMS = ("股份有限公司", "有限责任公司", "有限公司")
PAGE_MAX = 12  # a "page" expectation only when at most this many subjects fit equally


def main() -> None:
    subjects, records = city_documents()
    rng = random.Random(11)
    to_traditional = OpenCC("s2t")
    orgs = sorted((s for s in subjects if not s.is_person), key=lambda s: s.id)
    names = {s.id: [normalize(n) for n in (s.name, *s.former_names)] for s in orgs}
    cores = {i: [core(n) for n in ns] for i, ns in names.items()}
    pinyins = {i: ["".join(lazy_pinyin(n)) for n in ns] for i, ns in names.items()}
    initials = {i: ["".join(p[:1] for p in lazy_pinyin(n)) for n in ns] for i, ns in names.items()}
    texts = {s.id: "|".join(normalize(t) for t in s.record_text) for s in orgs}
    of_subject: dict[int, list] = {}
    for r in records:
        of_subject.setdefault(r.subject_id, []).append(r)
    out: list[dict] = []

    def fitting(test: Callable[[int], bool]) -> set[int]:
        return {i for i in names if test(i)}

    def in_cores(wanted: str) -> set[int]:
        """Subjects with a name whose core is the query's: the exact-variant tier."""
        return fitting(lambda i: wanted in cores[i])

    def add(category: str, query: str, target: int | str, fits: set[int] | None = None,
            tab: str = "subjects", expect: str | None = None) -> None:
        if expect is None:
            fits = fits or set()
            if len(fits) == 1:
                expect = "first"
            elif len(fits) <= PAGE_MAX:
                expect = "page"
            else:
                return
        key = "record_docno" if isinstance(target, str) else "subject"
        out.append({"category": category, "tab": tab, "query": query, "expect": expect,
                    key: target})

    def place_of(name: str) -> str:
        return next((p for p in PLACES if name.startswith(p)), "")

    companies = [s for s in orgs if s.name.endswith(FORMS)]
    shops = [s for s in orgs if not s.name.endswith(("公司", "合作社")) and place_of(s.name)]
    sample = rng.sample

    for s in sample(companies, 20):  # the whole name
        add("exact name", s.name, s.id, expect="first")
    for s in sample([c for c in companies if place_of(c.name) != "黑龙江"], 15):
        place = place_of(s.name)
        rest = s.name[len(place):]
        if rng.random() < 0.5:
            rest = next(rest[:-len(f)] for f in FORMS if rest.endswith(f))
        query = place[:-1] + rest  # 市 / 区 / 县 left out
        add("admin word left out", query, s.id, in_cores(core(query)))
    for s in sample(companies, 15):
        form = next(f for f in FORMS if s.name.endswith(f))
        query = s.name[:-len(form)] + rng.choice(("公司", ""))  # 有限 / 股份 left out
        add("form word left out", query, s.id, in_cores(core(query)))
    for s in sample(shops, 10):
        query = s.name + rng.choice(("有限公司", "公司"))
        add("form word added", query, s.id, in_cores(core(query)))
    for s in sample(companies + shops, 30):
        n = normalize(s.name)
        start = len(place_of(s.name))
        first, second = n[start:start + 2], n[start + 2:start + 4]
        if rng.random() < 0.5:
            first, second = second, first
        if rng.random() < 0.3 and place_of(s.name):
            first = place_of(s.name)[:2]
        add("several words", f"{first} {second}", s.id,
            fitting(lambda i, a=first, b=second: all(any(t in n for n in names[i])
                                                     for t in (a, b))))
    for s in sample([c for c in companies + shops if of_subject.get(c.id)], 25):
        n = normalize(s.name)
        start = len(place_of(s.name))
        word = n[start:start + 2]
        title = normalize(rng.choice([r.title or "" for r in of_subject[s.id]]) or "许可")
        at = rng.randrange(max(1, len(title) - 3))
        piece = title[at:at + rng.choice((2, 3, 4))]
        def across(i: int, a: str = word, b: str = piece) -> bool:
            # every term in the names or the records, one at least in the names (ranking)
            in_names = [any(t in n for n in names[i] + cores[i]) for t in (a, b)]
            found = zip(in_names, (a, b), strict=True)
            return any(in_names) and all(x or t in texts[i] for x, t in found)
        add("name and record", f"{word} {piece}", s.id, fitting(across))
    for s in sample(orgs, 15):
        query = "".join(lazy_pinyin(normalize(s.name)))
        add("whole name in pinyin", query, s.id, fitting(lambda i, q=query: q in pinyins[i]))
    for s in sample(orgs, 20):
        query = "".join(p[:1] for p in lazy_pinyin(normalize(s.name)))
        add("whole name in initials", query, s.id,
            fitting(lambda i, q=query: any(x.startswith(q) for x in initials[i])))
    for s in sample(companies + shops, 15):
        n = normalize(s.name)
        start = len(place_of(s.name))
        query = "".join(lazy_pinyin(n[start:start + 4]))
        add("name part in pinyin", query, s.id,
            fitting(lambda i, q=query: any(q in p for p in pinyins[i])))
    for s in sample(companies + shops, 15):
        n = normalize(s.name)
        start = len(place_of(s.name))
        head, tail = n[start:start + 2], n[start + 2:start + 4]
        query = head + "".join(p[:1] for p in lazy_pinyin(tail))
        add("Chinese and pinyin mixed", query, s.id,
            fitting(lambda i, a=head, b=tail: any(a + b in n for n in names[i])))
    for s in sample(orgs, 25):
        whole = rng.random() < 0.5
        n = normalize(s.name)
        start = len(place_of(s.name))
        part = s.name if whole else n[start:start + 4]
        query = to_traditional.convert(part)
        if query == part:
            continue
        add("traditional characters", query, s.id,
            {s.id} if whole else fitting(lambda i, q=part: any(q in n for n in names[i])))
    for s in sample([c for c in orgs if c.uscc], 5):
        add("USCC", s.uscc or "", s.id, expect="first")
    for s in sample([c for c in orgs if c.former_names], 8):
        former = normalize(s.former_names[0])
        add("former name", s.former_names[0], s.id,
            fitting(lambda i, q=former: q in names[i]))
    # records tab
    with_records = [c for c in orgs if of_subject.get(c.id)]
    for s in sample(with_records, 20):
        add("records by subject name", s.name, s.id, tab="records", expect="first")
    for s in sample([c for c in with_records if c.uscc], 5):
        add("records by code", s.uscc or "", s.id, tab="records", expect="first")
    for s in sample([c for c in with_records if c.former_names], 4):
        add("records by former name", s.former_names[0], s.id, tab="records", expect="page")
    numbered = [r for r in records if r.doc_number]
    for r in sample(numbered, 12):
        add("document number", r.doc_number or "", r.doc_number or "", tab="records",
            expect="first")
    # natural persons
    persons = sorted((s for s in subjects if s.is_person), key=lambda s: s.id)
    for s in sample(persons, 12):
        add("person by ID number", s.id_number or "", s.id, expect="first")
    named = [s for s in persons if s.name_public]
    shared = {}
    for s in persons:
        shared.setdefault(s.name, []).append(s.id)
    for s in sample(named, 8):
        add("listed person by name", s.name, s.id,
            expect="first" if len(shared[s.name]) == 1 else "page")
    for s in sample([p for p in persons if not p.name_public], 8):
        add("person by name (private)", s.name, s.id, expect="absent")
    for s in sample([p for p in named if len(p.name) >= 3], 6):
        add("person by part of the name (private)", s.name[:2], s.id, expect="absent")
    for s in sample(persons, 4):
        add("person by part of the ID number (private)", (s.id_number or "")[:14], s.id,
            expect="absent")
    # the examples of issue 11, typed by a new user on the demo city
    by_name = {s.name: s.id for s in orgs}
    for query, name, tab, expect in (
        ("热力 川达", "黑河市川达热力有限公司", "subjects", "first"),
        ("川达 热力", "黑河市川达热力有限公司", "subjects", "first"),
        ("黑河 川达", "黑河市川达热力有限公司", "subjects", "page"),
        ("川达rl", "黑河市川达热力有限公司", "subjects", "first"),
        ("heiheshichuanda", "黑河市川达热力有限公司", "subjects", "page"),
        ("heiheshichuandareli", "黑河市川达热力有限公司", "subjects", "first"),
        ("hhscdrlyxgs", "黑河市川达热力有限公司", "subjects", "first"),
        ("hhscd", "黑河市川达对俄经贸有限公司", "subjects", "page"),
        ("黑河川达热力", "黑河市川达热力有限公司", "subjects", "first"),
        ("川达热力公司", "黑河市川达热力有限公司", "subjects", "first"),
        ("黑河市川達熱力", "黑河市川达热力有限公司", "subjects", "first"),
        ("黑河市和瑞大豆有限公司", "黑河市和瑞大豆有限公司", "records", "first"),
        ("和瑞大豆", "黑河市和瑞大豆有限公司", "records", "first"),
        ("和瑞大豆", "黑河市和瑞大豆有限公司", "subjects", "first"),
    ):
        add("issue 11 example", query, by_name[name], tab=tab, expect=expect)
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    counts: dict[str, int] = {}
    for item in out:
        counts[item["category"]] = counts.get(item["category"], 0) + 1
    print(f"{len(out)} queries -> {OUT}")
    for category, count in counts.items():
        print(f"  {category}: {count}")


if __name__ == "__main__":
    main()
