"""Routes of the public blueprint: home, search, subject profile, record detail, honour board,
双公示 timeliness. Views are thin: services build the data; a view that shows a natural
person's data logs the view (查询使用登记) and commits once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import (
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from sqlalchemy import select

from webapp.extensions import db, limiter
from webapp.models import Record, Subject
from webapp.public import bp
from webapp.public import results as search_results
from webapp.public.forms import SearchForm
from webapp.rules import uscc as uscc_rules
from webapp.rules.kinds import ListNature
from webapp.rules.status import GREEN, HONOUR_LABEL, HONOUR_MEANING, STATUS_TABLE
from webapp.services import profiles, statistics
from webapp.services.clock import today as china_today
from webapp.services.querylog import log_personal_view
from webapp.services.visibility import public_name, public_records_of

PER_PAGE = 20


def search_limit() -> str:
    return str(current_app.config["RATELIMIT_SEARCH"])


def log_views(subjects: Iterable[Subject], surface: str) -> None:
    """查询使用登记 for every natural person shown, then commit the request's writes."""
    logged = False
    for subject in subjects:
        if subject.is_natural_person:
            log_personal_view(db.session, subject, surface, address=request.remote_addr)
            logged = True
    if logged:
        db.session.commit()


def list_entry_names(entries: Iterable[Record]) -> dict[int, str]:
    """Display names of the subjects of list entries (masked unless disclosed)."""
    entries = list(entries)
    summaries = profiles.summaries(db.session, [e.subject_id for e in entries])
    return {sid: s.display_name for sid, s in summaries.items()}


@bp.get("/")
def home() -> Any:
    counts = statistics.home_counts(db.session)
    red = statistics.latest_list_entries(db.session, ListNature.RED)
    black = statistics.latest_list_entries(db.session, ListNature.BLACK)
    names = list_entry_names([*red, *black])  # organisations only: nothing to log
    return render_template("public/home.html", counts=counts, red=red, black=black,
                           names=names, form=SearchForm())


@bp.get("/search")
@limiter.limit(search_limit)
def search() -> Any:
    form = SearchForm(request.args)
    form.load_choices(db.session)
    form.validate()
    query = form.query
    tab = form.active_tab
    results = None
    unavailable = None
    exact = _subject_by_exact_code(query) if tab == "subjects" and form.page_number == 1 else None
    if exact is not None:  # a whole, valid code: straight to the profile (scanned or typed)
        return redirect(url_for("public.subject", subject_id=exact.id), code=303)
    if query:
        try:
            results = _run_search(form, tab, query)
        except search_results.SearchUnavailable as error:
            unavailable = str(error)
    if results is not None:
        log_views(search_results.natural_persons(results), "public.search")
    return render_template("public/search.html", form=form, tab=tab, query=query,
                           results=results, unavailable=unavailable,
                           page_url=_page_url), 503 if unavailable else 200


def _subject_by_exact_code(query: str) -> Subject | None:
    if not uscc_rules.is_valid(query):
        return None
    code = uscc_rules.normalize(query)
    return db.session.scalar(select(Subject).where(Subject.uscc == code))


def _run_search(form: SearchForm, tab: str, query: str) -> search_results.Results:
    subject_only = tab == "subjects"
    filters = search_results.make_filters(
        kind=None if subject_only else form.kind.data or None,
        list_nature=None if subject_only else form.list_nature.data or None,
        department_id=None if subject_only else form.department.data,
        region_id=form.region.data,
        subject_type=form.subject_type.data or None,
        date_from=None if subject_only else form.date_from.data,
        date_to=None if subject_only else form.date_to.data,
    )
    run = search_results.subject_results if subject_only else search_results.record_results
    return run(db.session, query, filters, form.page_number, PER_PAGE, form.sort.data)


def _page_url(page: int, **changes: Any) -> str:
    """This search with another page (or tab), keeping every filter."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    args["page"] = str(page)
    return url_for("public.search", **args)


@bp.get("/search/suggest")
@limiter.limit(search_limit)
def suggest() -> Any:
    prefix = (request.args.get("q") or "").strip()[:50]
    if not prefix:
        return jsonify({"query": "", "suggestions": []})
    try:
        items = search_results.suggestions(db.session, prefix)
    except search_results.SearchUnavailable as error:
        return jsonify({"error": "搜索服务暂不可用", "reason": str(error), "status": 503}), 503
    return jsonify({"query": prefix, "suggestions": items})


@bp.get("/subjects/<int:subject_id>")
def subject(subject_id: int) -> Any:
    subject = db.session.get(Subject, subject_id)
    if subject is None:
        abort(404)
    profile = profiles.build_profile(db.session, subject)
    log_views([subject], "public.subject")
    return render_template(
        "public/subject.html", profile=profile, subject=subject,
        empty_text=profiles.EMPTY_SECTION_TEXT,
        status_table=STATUS_TABLE, green=GREEN,
        honour_label=HONOUR_LABEL, honour_meaning=HONOUR_MEANING,
    )


@bp.get("/s/<code>")
def subject_by_code(code: str) -> Any:
    """Short link by USCC (printed material, other sites)."""
    try:
        normalised = uscc_rules.validate(code)
    except uscc_rules.InvalidUSCC:
        abort(404)
    subject = db.session.scalar(select(Subject).where(Subject.uscc == normalised))
    if subject is None:
        abort(404)
    return redirect(url_for("public.subject", subject_id=subject.id), code=302)


@bp.get("/records/<int:record_id>")
def record(record_id: int) -> Any:
    found = profiles.public_records_by_id(db.session, [record_id]).get(record_id)
    if found is None:  # unknown, or not public: repaired, revoked, expired, past its period
        abort(404)
    subject = found.subject
    shown = public_name(subject, public_records_of(db.session, subject.id))
    disclosed = subject.is_natural_person and shown == subject.name
    item = profiles.public_record(found, subject, disclosed)
    log_views([subject], "public.record")
    return render_template("public/record.html", item=item, record=found, subject=subject,
                           subject_name=shown, label=profiles.record_label(found))


def _quarter_arg(today: date) -> statistics.Quarter:
    return statistics.Quarter.parse(request.args.get("quarter")) or statistics.Quarter.of(today)


@bp.get("/favicon.ico")
def favicon() -> Any:
    """Browsers ask for it on their first visit whatever the page links to."""
    return send_from_directory(current_app.static_folder or "", "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)


@bp.get("/honour-board")
def honour_board() -> Any:
    today = china_today()
    quarter = _quarter_arg(today)
    nature_arg = request.args.get("list", "red")
    nature = ListNature.BLACK if nature_arg == "black" else ListNature.RED
    page = request.args.get("page", 1, type=int) or 1
    board = statistics.honour_board(
        db.session, quarter, nature, request.args.get("type") or None, max(1, min(page, 500)),
        today=today,
    )
    names = list_entry_names(board.entries)
    log_views([e.subject for e in board.entries], "public.honour_board")
    current = statistics.Quarter.of(today)
    quarters = [current]
    while len(quarters) < 8:
        quarters.append(quarters[-1].previous())
    return render_template("public/honour_board.html", board=board, names=names,
                           quarters=quarters, current=current)


@bp.get("/timeliness")
def timeliness() -> Any:
    today = china_today()
    year = request.args.get("year", today.year, type=int) or today.year
    year = min(max(year, 2000), today.year)
    quarter = statistics.Quarter.parse(request.args.get("quarter"))
    if quarter is not None:
        date_from, date_to = quarter.first_day, quarter.last_day
    else:
        date_from, date_to = date(year, 1, 1), date(year, 12, 31)
    report = statistics.timeliness(db.session, date_from, date_to)
    return render_template("public/timeliness.html", report=report, year=year, quarter=quarter,
                           years=list(range(today.year, today.year - 5, -1)), target=0.98)
