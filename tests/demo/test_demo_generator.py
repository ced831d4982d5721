"""The demo city: deterministic by seed, valid codes, rows in the data standard's columns."""

from collections import Counter

from webapp.demo.generator import DEPARTMENTS, REGIONS, generate_city
from webapp.rules import uscc as uscc_rules
from webapp.services.imports import SPECS, idcard


def test_same_seed_same_city_and_another_seed_another() -> None:
    assert generate_city(300, seed=7) == generate_city(300, seed=7)
    assert generate_city(300, seed=7) != generate_city(300, seed=8)


def test_every_code_and_id_number_is_valid() -> None:
    city = generate_city(2000, seed=11)
    codes = [r["统一社会信用代码"] for rows in city.values() for r in rows
             if r.get("统一社会信用代码")]
    assert codes and all(uscc_rules.is_valid(c) for c in codes)
    region_codes = {code for code, _ in REGIONS}
    entity_codes = [r["统一社会信用代码"] for r in city["entities"] if r["统一社会信用代码"]]
    assert len(entity_codes) == len(set(entity_codes))  # one code per organisation
    assert all(c[2:8] in region_codes for c in entity_codes)
    ids = [r[col] for rows in city.values() for r in rows
           for col in ("证件号码", "法定代表人证件号码") if r.get(col)]
    assert ids and all(idcard.validate(i) == i for i in ids)
    assert all(uscc_rules.is_valid(d.uscc) for d in DEPARTMENTS.values())


def test_rows_use_exactly_the_standard_columns() -> None:
    city = generate_city(500, seed=3)
    assert set(city) == set(SPECS)
    for kind, rows in city.items():
        assert rows, kind
        assert all(list(r) == list(SPECS[kind].columns) for r in rows)


def test_a_believable_mix() -> None:
    city = generate_city(3000, seed=20261123)
    types = Counter(r["主体类别"] for r in city["entities"])
    assert types["企业法人"] > types["个体工商户"] > types["自然人"] > 0
    assert types["农民专业合作社"] and types["社会组织"] and types["事业单位"]
    names = [r["主体名称"] for r in city["entities"] if r["主体类别"] != "自然人"]
    assert len(names) == len(set(names))
    assert any("（集团）" in n for n in names)
    assert any(n.endswith("烧烤店") for n in names)
    assert any(r["曾用名"] for r in city["entities"])
    natures = Counter(r["名单性质"] for r in city["list"])
    assert set(natures) == {"红名单", "黑名单", "重点关注", "经营异常"}
    assert any(r["移出日期"] for r in city["list"])
    penalties = city["penalty"]
    assert any(r["行政相对人类别"] == "自然人" and r["证件号码"] for r in penalties)
    assert all(r["处罚依据"].startswith("《") for r in penalties)
    assert any(r["行政处罚决定书文号"].startswith("黑市监处罚〔") for r in penalties)
    grades = {r["评价结果"] for r in city["evaluation"] if r["评价类别"] == "纳税信用等级"}
    assert grades == set("ABMCD")
    records = sum(len(rows) for kind, rows in city.items() if kind != "entities")
    assert 2.3 <= records / 3000 <= 3.5  # about three records per subject


def test_benchmarks_can_ask_for_more_records_per_subject() -> None:
    city = generate_city(1000, seed=4, records_per_subject=10)
    records = sum(len(rows) for kind, rows in city.items() if kind != "entities")
    assert records == 10_000 and len(city["entities"]) == 1000
    numbers = [r["行政处罚决定书文号"] + r["处罚机关"] for r in city["penalty"]]
    assert len(numbers) == len(set(numbers))  # every record its own identity
    assert generate_city(200, seed=4) == generate_city(200, seed=4, records_per_subject=None)
