"""Routes of the kiosk blueprint. Thin: the public services build the data, kiosk templates
show it without links out, downloads or new windows."""

from __future__ import annotations

import base64
import io
from typing import Any

import qrcode
from flask import (
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.extensions import db, limiter
from webapp.kiosk import bp, scanner
from webapp.kiosk import keyboard as kb
from webapp.kiosk import visit as visits
from webapp.kiosk.device import DEVICE_COOKIE, current_kiosk
from webapp.models import Subject
from webapp.models.petitions import Case
from webapp.models.reports import ReportIssue
from webapp.public import results as search_results
from webapp.public.views import list_entry_names, log_views, search_limit
from webapp.reports.views import reports_limit
from webapp.rules import uscc as uscc_rules
from webapp.rules.kinds import ListNature
from webapp.rules.status import GREEN, STATUS_TABLE
from webapp.services import codes as code_service
from webapp.services import kiosks, profiles, statistics
from webapp.services import petitions as petition_service
from webapp.services.clock import now_utc
from webapp.services.clock import today as china_today
from webapp.services.reports import issue_report
from webapp.services.reports.gather import EMPTY_TEXT, gather
from webapp.services.reports.issuing import verify_url
from webapp.services.visibility import public_name
from webapp.templating import format_date

OPEN_ENDPOINTS = {"kiosk.board"}  # the hall screen shows public data to the whole hall
NO_VISIT_ID = {"kiosk.start", "kiosk.reset"}
SEARCH_MAX = 30
CANDIDATES = 8
FRAME_MAX_BYTES = 2 * 1024 * 1024


@bp.before_request
def _guard() -> Any:
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    kiosk = current_kiosk()
    if kiosk is None:
        return render_template("kiosk/unregistered.html"), 403
    visit = visits.current()
    if visit is None or visits.expired(visit, kiosk):
        visit = visits.begin()
        if request.endpoint not in NO_VISIT_ID:
            return redirect(url_for("kiosk.start"), code=303)
    if request.endpoint not in NO_VISIT_ID and request.values.get("v") != visit["id"]:
        # A page of an earlier visit (history, a remembered address): back to the start.
        return redirect(url_for("kiosk.start"), code=303)
    visits.touch(visit)
    return None


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # nothing of a visit stays in a cache
    response.headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
    return response


@bp.context_processor
def _kiosk_globals() -> dict[str, Any]:
    kiosk = current_kiosk() if request.endpoint not in OPEN_ENDPOINTS else None
    visit = visits.current()
    return {
        "kiosk_url": visits.kiosk_url,
        "kiosk": kiosk,
        "visit": visit,
        "large_type": bool(visit and visit.get("large")),
        "idle_seconds": visits.idle_seconds(kiosk),
        "countdown_seconds": current_app.config["KIOSK_COUNTDOWN_SECONDS"],
    }


@bp.get("/")
def start() -> Any:
    kiosk = current_kiosk()
    if kiosk is not None:
        kiosk.last_seen_at = now_utc()
        db.session.commit()
    return render_template("kiosk/start.html")


@bp.get("/reset")
def reset() -> Response:
    """The end of a visit: new session, every other cookie and all site storage cleared.

    A GET, so the page without script can reach it by a meta refresh; it only ever ends
    the visit of the machine asking, so a forged request can do no more than that."""
    visits.begin()
    response = redirect(url_for("kiosk.start"), code=303)
    for name in request.cookies:
        if name not in (DEVICE_COOKIE, current_app.config["SESSION_COOKIE_NAME"]):
            response.delete_cookie(name, path="/")
    # Not "cookies": that would also remove the device cookie that makes this a kiosk.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.get("/alive")
def alive() -> Response:
    """The page was touched (typing on the on-screen keyboard makes no request by itself)."""
    return Response(status=204)


@bp.get("/large-type")
def large_type() -> Response:
    visit = visits.current()
    if visit is not None:
        visit["large"] = request.args.get("on") == "1"
        session.modified = True
    back = request.args.get("back") or ""
    if not back.startswith("/kiosk/") or "//" in back or "\\" in back:
        back = url_for("kiosk.start")
    return redirect(back, code=303)


# ---------------------------------------------------------------- search and profile


@bp.get("/search")
@limiter.limit(search_limit)
def search() -> Any:
    mode = kb.layout(request.args.get("to_mode") or request.args.get("mode"))
    allowed = kb.LAYOUTS["letters"].keys + kb.LAYOUTS["uscc"].keys
    query = kb.apply_key(request.args.get("q", ""), request.args.get("key"), allowed, SEARCH_MAX)
    purpose = "print" if request.args.get("purpose") == "print" else "profile"
    candidates: list[dict[str, Any]] = []
    unavailable = None
    if uscc_rules.is_valid(query):
        subject = db.session.scalar(select(Subject).where(Subject.uscc == query))
        if subject is not None:
            return redirect(visits.kiosk_url("kiosk.subject", subject_id=subject.id,
                                             purpose=purpose), code=303)
    if query:
        try:
            candidates = search_results.suggestions(db.session, query, limit=CANDIDATES)
        except search_results.SearchUnavailable as error:
            unavailable = str(error)
    return render_template("kiosk/search.html", query=query, mode=mode, layouts=kb.LAYOUTS,
                           candidates=candidates, purpose=purpose, unavailable=unavailable,
                           backspace=kb.BACKSPACE, clear=kb.CLEAR)


@bp.get("/subjects/<int:subject_id>")
def subject(subject_id: int) -> Any:
    subject = db.session.get(Subject, subject_id) or abort(404)
    profile = profiles.build_profile(db.session, subject)
    log_views([subject], "kiosk.subject")
    return render_template("kiosk/subject.html", profile=profile, subject=subject,
                           empty_text=profiles.EMPTY_SECTION_TEXT,
                           status_table=STATUS_TABLE, green=GREEN)


# ---------------------------------------------------------------- printing


@bp.post("/subjects/<int:subject_id>/print")
@limiter.limit(reports_limit)
def print_report(subject_id: int) -> Response:
    """Issue the credit report (numbered, verifiable, logged) and count it for this kiosk."""
    subject = db.session.get(Subject, subject_id) or abort(404)
    kiosk = current_kiosk()
    issued = issue_report(db.session, subject, address=request.remote_addr)
    if kiosk is not None:
        kiosks.count_print(db.session, kiosk)
    db.session.commit()
    visits.remember("reports", issued.issue.number)
    return redirect(visits.kiosk_url("kiosk.report", number=issued.issue.number, autoprint=1),
                    code=303)


@bp.get("/reports/<number>")
def report(number: str) -> Any:
    if not visits.holds("reports", number):  # only reports printed in this visit
        abort(404)
    issue = db.session.scalar(select(ReportIssue).where(ReportIssue.number == number))
    if issue is None:
        abort(404)
    data = gather(db.session, issue.subject)
    url = verify_url(number)
    return render_template("kiosk/report.html", issue=issue, data=data, verify_url=url,
                           qr_data_uri=_qr_data_uri(url), empty_text=EMPTY_TEXT,
                           autoprint=request.args.get("autoprint") == "1")


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


# ---------------------------------------------------------------- scanning


def _scan_limit() -> str:
    return str(current_app.config["RATELIMIT_KIOSK_SCAN"])


@bp.get("/scan")
def scan() -> Any:
    return render_template("kiosk/scan.html")


@bp.post("/scan/frame")
@limiter.limit(_scan_limit)
def scan_frame() -> Response:
    """One camera frame: {"go": url} when it holds a code we can open, else a message."""
    upload = request.files.get("frame")
    data = upload.read(FRAME_MAX_BYTES + 1) if upload else b""
    if not data or len(data) > FRAME_MAX_BYTES:
        return jsonify({"found": False, "message": "图像无效"}), 400
    try:
        texts = scanner.decode_frame(data)
    except scanner.FrameError as error:
        return jsonify({"found": False, "message": str(error)}), 400
    for text in texts:
        reading = scanner.classify(text, current_app.config["PUBLIC_BASE_URL"])
        if reading.kind == "code":
            return jsonify({"found": True,
                            "go": visits.kiosk_url("kiosk.verdict", token=reading.value)})
        if reading.kind == "uscc":
            subject = db.session.scalar(select(Subject).where(Subject.uscc == reading.value))
            if subject is None:
                return jsonify({"found": True, "message":
                                f"未找到统一社会信用代码为 {reading.value} 的主体。"})
            return jsonify({"found": True,
                            "go": visits.kiosk_url("kiosk.subject", subject_id=subject.id)})
    if texts:
        return jsonify({"found": True, "message":
                        "无法识别此二维码。请扫描“码上诚信”信用码或营业执照上的二维码。"})
    return jsonify({"found": False})


@bp.get("/c/<token>")
def verdict(token: str) -> Any:
    result = code_service.scan_code(db.session, token, code_service.key_store())
    if result.subject is not None:
        code_service.count_scan(result.subject.id)
    code_service.flush_scans()
    name = public_name(result.subject, result.public_records) if result.subject else None
    return render_template("kiosk/verdict.html", result=result, name=name)


# ---------------------------------------------------------------- case tracking (办件查询)


def _track_limit() -> str:
    return str(current_app.config["RATELIMIT_PETITION_TRACK"])


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(_track_limit, methods=["POST"])
def track() -> Any:
    """Case number and query code, typed on the keyboard. Posted, never in a URL: the query
    code is a secret. Without script every key press posts the form with its key."""
    allowed = kb.LAYOUTS["case"].keys
    field = "code" if request.form.get("field") == "code" else "number"
    values = {"number": request.form.get("number", ""), "code": request.form.get("code", "")}
    key = request.form.get("key")
    error = None
    if request.method == "POST":
        if key:
            values[field] = kb.apply_key(values[field], key, allowed, 24)
        elif request.form.get("switch") in ("number", "code"):
            field = request.form["switch"]
        else:
            case = petition_service.find_case(db.session, values["number"], values["code"])
            if case is not None and case.number:
                visits.remember("cases", case.number)
                return redirect(visits.kiosk_url("kiosk.case", number=case.number), code=303)
            error = "案件编号或查询码不正确。"
    return render_template("kiosk/track.html", values=values, field=field, error=error,
                           layout=kb.LAYOUTS["case"], backspace=kb.BACKSPACE, clear=kb.CLEAR)


@bp.get("/track/<number>")
def case(number: str) -> Any:
    if not visits.holds("cases", number):  # only cases opened in this visit
        abort(404)
    found = db.session.scalar(select(Case).where(Case.number == number)) or abort(404)
    return render_template("kiosk/case.html", case=found)


# ---------------------------------------------------------------- red and black board


def _board(per_page: int) -> dict[str, Any]:
    today = china_today()
    quarter = statistics.Quarter.of(today)
    boards = {nature: statistics.honour_board(db.session, quarter, nature, None, 1,
                                              per_page=per_page, today=today)
              for nature in (ListNature.RED, ListNature.BLACK)}
    entries = [e for b in boards.values() for e in b.entries]
    names = list_entry_names(entries)
    log_views([e.subject for e in entries], "kiosk.board")
    return {"quarter": quarter, "red": boards[ListNature.RED],
            "black": boards[ListNature.BLACK], "names": names}


@bp.get("/honour-board")
def honour_board() -> Any:
    nature = "black" if request.args.get("list") == "black" else "red"
    return render_template("kiosk/honour_board.html", shown=nature, **_board(per_page=30))


@bp.get("/board")
def board() -> Any:
    """电子屏滚动播放: the hall screen, scrolling by CSS and refreshing by itself."""
    response = make_response(render_template("kiosk/board.html",
                                             now_local=format_date(now_utc()),
                                             **_board(per_page=50)))
    # A wall display nobody operates (WCAG 2.2.1's real-time exception): the Refresh header
    # reloads it without script; a page meant for people keeps no timed refresh.
    response.headers["Refresh"] = str(current_app.config["KIOSK_BOARD_REFRESH_SECONDS"])
    return response
