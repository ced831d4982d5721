"""Routes of the api blueprint: search and subject profiles for apps, as JSON.

Same visibility, masking, query-use log and rate limits as the pages. GET only (CSRF does not
apply). Errors are JSON with a Chinese reason (the factory's handlers do the 404/429/500s).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, jsonify, request
from sqlalchemy import select

from webapp.api import bp, serializers
from webapp.api.openapi import openapi_document
from webapp.extensions import db, limiter
from webapp.models import Subject
from webapp.public import results as search_results
from webapp.public.views import log_views
from webapp.rules import uscc as uscc_rules
from webapp.rules.kinds import SUBJECT_TYPES, ListNature, RecordKind
from webapp.services import profiles

PER_PAGE = 20
MAX_PAGE = 500
#: `kind`: which results to return; a record kind narrows the records to that kind.
KINDS = ("all", "subjects", "records", *(k.value for k in RecordKind))
SORTS = ("relevance", "date")
LIST_NATURES = tuple(n.value for n in ListNature)


class BadParameter(ValueError):
    """A search parameter the API refuses (the message is the Chinese reason)."""


def _id_param(name: str) -> int | None:
    raw = request.args.get(name) or ""
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
        raise BadParameter(f"{name} 参数应为正整数")
    return int(raw)


def _date_param(name: str) -> date | None:
    raw = request.args.get(name) or ""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"{name} 参数应为 YYYY-MM-DD 格式的日期") from None


def _choice_param(name: str, allowed: tuple[str, ...]) -> str | None:
    raw = request.args.get(name) or ""
    if raw and raw not in allowed:
        raise BadParameter(f"{name} 参数无效，可选值：{'、'.join(allowed)}")
    return raw or None


def search_filters() -> dict[str, Any]:
    """The filters the search page has, from the query string (raises BadParameter)."""
    found = {
        "list_nature": _choice_param("list_nature", LIST_NATURES),
        "department_id": _id_param("department_id"),
        "region_id": _id_param("region_id"),
        "subject_type": _choice_param("subject_type", SUBJECT_TYPES),
        "date_from": _date_param("date_from"),
        "date_to": _date_param("date_to"),
    }
    if found["date_from"] and found["date_to"] and found["date_from"] > found["date_to"]:
        raise BadParameter("date_from 不能晚于 date_to")
    return found


def api_limit() -> str:
    return str(current_app.config["RATELIMIT_API"])


def error(status: int, title: str, reason: str) -> Any:
    return jsonify({"error": title, "reason": reason, "status": status}), status


@bp.get("/search")
@limiter.limit(api_limit)
def search() -> Any:
    query = (request.args.get("q") or "").strip()
    kind = request.args.get("kind") or "all"
    page = request.args.get("page", "1")
    if not query:
        return error(400, "请求无效", "缺少查询内容参数 q")
    if len(query) > 100:
        return error(400, "请求无效", "查询内容不能超过100个字符")
    if kind not in KINDS:
        return error(400, "请求无效", f"kind 参数无效，可选值：{'、'.join(KINDS)}")
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        return error(400, "请求无效", f"page 参数应为 1 到 {MAX_PAGE} 之间的整数")
    try:
        sort = _choice_param("sort", SORTS) or "relevance"
        given = search_filters()
    except BadParameter as bad:
        return error(400, "请求无效", str(bad))
    try:
        body: dict[str, Any] = {"query": query, "kind": kind, "page": int(page),
                                "per_page": PER_PAGE, "sort": sort,
                                "filters": {k: v.isoformat() if isinstance(v, date) else v
                                            for k, v in given.items() if v is not None}}
        shown = []
        if kind in ("all", "subjects"):
            # Subjects have no list nature, department or decision date: those filters
            # narrow the records only (as on the search page).
            subject_filters = search_results.make_filters(
                region_id=given["region_id"], subject_type=given["subject_type"])
            found = search_results.subject_results(
                db.session, query, subject_filters, int(page), PER_PAGE, sort)
            body["subjects"] = {"total": found.total, "total_exact": found.exact,
                                "hits": [serializers.subject_hit_json(h) for h in found.hits]}
            shown.extend(search_results.natural_persons(found))
        if kind != "subjects":
            record_kind = kind if kind in {k.value for k in RecordKind} else None
            filters = search_results.make_filters(kind=record_kind, **given)
            found = search_results.record_results(
                db.session, query, filters, int(page), PER_PAGE, sort)
            body["records"] = {"total": found.total, "total_exact": found.exact,
                               "hits": [serializers.record_hit_json(h) for h in found.hits]}
            shown.extend(search_results.natural_persons(found))
    except search_results.SearchUnavailable as unavailable:
        return error(503, "服务暂不可用", str(unavailable))
    log_views(shown, "api.search")
    return jsonify(body)


@bp.get("/subjects/<code>")
@limiter.limit(api_limit)
def subject(code: str) -> Any:
    try:
        normalised = uscc_rules.validate(code)
    except uscc_rules.InvalidUSCC as invalid:
        return error(400, "统一社会信用代码无效", str(invalid))
    found = db.session.scalar(select(Subject).where(Subject.uscc == normalised))
    if found is None:
        return error(404, "未找到信用主体", f"没有统一社会信用代码为 {normalised} 的信用主体")
    profile = profiles.build_profile(db.session, found)
    log_views([found], "api.subject")
    return jsonify(serializers.profile_json(profile))


@bp.get("/openapi.json")
@limiter.limit(api_limit)
def openapi() -> Any:
    # PUBLIC_BASE_URL, never the request's Host header (which a client chooses).
    return jsonify(openapi_document(current_app.config["PUBLIC_BASE_URL"].rstrip("/")
                                    + "/api/v1"))
