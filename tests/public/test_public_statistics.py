"""诚信红黑榜 and 双公示 timeliness: the numbers, on a small fixture, through the client."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from webapp.models import QueryLog
from webapp.rules.kinds import Visibility
from webapp.services import statistics
from webapp.services.clock import CHINA_TZ
from webapp.services.clock import today as china_today


def cst(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment given in China time, stored in UTC as the site stores it."""
    return datetime(year, month, day, hour, minute, tzinfo=CHINA_TZ).astimezone(UTC)


def test_quarters():
    q = statistics.Quarter.parse("2026Q4")
    assert (q.first_day, q.last_day) == (date(2026, 10, 1), date(2026, 12, 31))
    assert q.next() == statistics.Quarter(2027, 1)
    assert statistics.Quarter(2026, 1).previous() == statistics.Quarter(2025, 4)
    assert statistics.Quarter(2026, 1).last_day == date(2026, 3, 31)
    assert statistics.Quarter.of(date(2026, 5, 31)).key == "2026Q2"
    assert statistics.Quarter.parse("2026Q5") is None


def test_honour_board_by_quarter_and_list_type(client, make_subject, make_record, db_session):
    quarter = statistics.Quarter.of(china_today())
    first = quarter.first_day
    before = quarter.previous().first_day
    red_now = make_subject(name="黑河市本季红榜有限公司")
    make_record(red_now, kind="list", list_nature="red", list_type="守信激励对象名单",
                decided_on=first)
    tax_a = make_subject(name="黑河市纳税A级有限公司")
    make_record(tax_a, kind="list", list_nature="red", list_type="纳税信用A级纳税人",
                decided_on=first)
    red_before = make_subject(name="黑河市上季红榜有限公司")
    make_record(red_before, kind="list", list_nature="red", list_type="守信激励对象名单",
                decided_on=before)
    repaired = make_subject(name="黑河市已移出红榜有限公司")
    make_record(repaired, kind="list", list_nature="red", list_type="守信激励对象名单",
                decided_on=first, visibility=Visibility.REVOKED.value)
    debtor = make_subject(name="赵六", subject_type="自然人", id_number="231102198001011234")
    make_record(debtor, kind="list", list_nature="black", list_type="失信被执行人",
                decided_on=first)
    masked = make_subject(name="钱七", subject_type="自然人", id_number="231102198001015678")
    make_record(masked, kind="list", list_nature="black", list_type="严重失信主体名单",
                decided_on=first)
    db_session.commit()

    red = client.get("/honour-board").get_data(as_text=True)
    assert quarter.label in red
    assert "黑河市本季红榜有限公司" in red and "黑河市纳税A级有限公司" in red
    assert "黑河市上季红榜有限公司" not in red  # another quarter
    assert "黑河市已移出红榜有限公司" not in red  # no longer public
    assert "赵六" not in red
    chips = dict(re.findall(r'>([^<>]+) <span class="count">(\d+)</span></a>', red))
    assert chips == {"全部": "2", "守信激励对象名单": "1", "纳税信用A级纳税人": "1"}

    one_type = client.get("/honour-board", query_string={
        "quarter": quarter.key, "list": "red", "type": "纳税信用A级纳税人"}).get_data(as_text=True)
    assert "黑河市纳税A级有限公司" in one_type and "黑河市本季红榜有限公司" not in one_type

    earlier = client.get(f"/honour-board?quarter={quarter.previous().key}").get_data(as_text=True)
    assert "黑河市上季红榜有限公司" in earlier and "黑河市本季红榜有限公司" not in earlier

    black = client.get(f"/honour-board?quarter={quarter.key}&list=black").get_data(as_text=True)
    assert "赵六" in black  # 失信被执行人: the law requires naming
    assert "钱*" in black and "钱七" not in black
    assert "231102198001011234" not in black
    logged = sorted(db_session.scalars(select(QueryLog.subject_id)))
    assert logged == sorted([debtor.id, masked.id])


def _penalty(make_record, subject, department, decided: date, published: datetime, **kw):
    return make_record(subject, kind=kw.pop("kind", "penalty"), department_name=department,
                       decided_on=decided, published_at=published, **kw)


def test_timeliness_across_the_national_day_holiday(
    client, app, make_subject, make_record, db_session
):
    shop = make_subject()
    market = "黑河市市场监督管理局"
    # Decided on 30 September 2026: the 7 working days run over the National Day holiday
    # (1-7 October) and count the make-up working Saturday 10 October: due 15 October.
    _penalty(make_record, shop, market, date(2026, 9, 30), cst(2026, 10, 15, 10))  # in time
    # 00:30 on 16 October in China is still 15 October in UTC: late all the same.
    _penalty(make_record, shop, market, date(2026, 9, 30), cst(2026, 10, 16, 0, 30))  # late
    _penalty(make_record, shop, market, date(2026, 10, 9), cst(2026, 10, 19, 9))  # in time
    _penalty(make_record, shop, market, date(2026, 11, 2), cst(2026, 11, 2, 12))  # same day
    _penalty(make_record, shop, market, date(2025, 12, 1), cst(2026, 3, 1, 9))  # other year
    tax = "国家税务总局黑河市税务局"
    # Decided Friday 9 October; Saturday 10 October is a working day, so due Monday 19th.
    _penalty(make_record, shop, tax, date(2026, 10, 9), cst(2026, 10, 20, 9), kind="license")
    # Repaired since: still counts, it was published in time when it was decided.
    _penalty(make_record, shop, tax, date(2026, 10, 9), cst(2026, 10, 9, 15),
             visibility=Visibility.ARCHIVED.value)
    db_session.commit()

    report = statistics.timeliness(db_session, date(2026, 1, 1), date(2026, 12, 31))
    rows = {d.department: d for d in report.departments}
    assert (rows[market].penalty.in_time, rows[market].penalty.total) == (3, 4)
    assert rows[market].penalty.rate == 0.75
    assert rows[market].license.total == 0 and rows[market].license.rate is None
    assert (rows[tax].license.in_time, rows[tax].license.total) == (0, 1)
    assert (rows[tax].combined.in_time, rows[tax].combined.total) == (1, 2)
    assert (report.overall.combined.in_time, report.overall.combined.total) == (4, 6)

    html = client.get("/timeliness?year=2026").get_data(as_text=True)
    market_row = html.split(f'<th scope="row">{market}')[1].split("</tr>")[0]
    assert "75.0%" in market_row and "3 / 4" in market_row
    tax_row = html.split(f'<th scope="row">{tax}')[1].split("</tr>")[0]
    assert "0.0%" in tax_row and "100.0%" in tax_row and "50.0%" in tax_row
    assert "66.7%" in html.split("全部部门")[1]  # 4 of 6 overall

    q4 = client.get("/timeliness?year=2026&quarter=2026Q4").get_data(as_text=True)
    # Q4 holds only the decisions of 9 October and 2 November (30 September is Q3).
    assert "2 / 2" in q4.split(f'<th scope="row">{market}')[1].split("</tr>")[0]


def test_timeliness_uses_the_configured_number_of_working_days(
    app, make_subject, make_record, db_session
):
    shop = make_subject()
    _penalty(make_record, shop, "黑河市应急管理局", date(2026, 11, 2), cst(2026, 11, 4, 9))
    db_session.commit()
    within = statistics.timeliness(db_session, date(2026, 11, 1), date(2026, 11, 30))
    assert within.overall.penalty.in_time == 1
    app.config["DOUBLE_PUBLICITY_WORKING_DAYS"] = 1
    late = statistics.timeliness(db_session, date(2026, 11, 1), date(2026, 11, 30))
    assert late.overall.penalty.in_time == 0
