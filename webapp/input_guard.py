"""Text the site refuses before any view runs: NUL bytes and lone surrogates anywhere in the
query string, the form or a JSON body (PostgreSQL cannot store NUL, no encoder can write a
lone surrogate), and bodies that are not a form on the form endpoints (Flask-WTF would
otherwise read a JSON body as form data, lists and objects included)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import Flask, abort, request
from werkzeug.exceptions import BadRequest

_BAD = re.compile("[\x00\ud800-\udfff]")
FORM_TYPES = {"", "application/x-www-form-urlencoded", "multipart/form-data"}


class RefusedText(BadRequest):
    """400 whose page says what was wrong (render_error shows `user_message`)."""

    user_message = "提交的内容包含无效字符（如空字符），请删除后重试。"


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _texts() -> Iterable[str]:
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    if request.method in ("POST", "PUT", "PATCH"):
        for key, value in request.form.items(multi=True):
            yield key
            yield value
        for upload in request.files.values():
            yield upload.filename or ""
        if request.is_json:
            yield from _strings(request.get_json(silent=True))


def refuse_hostile_input() -> None:
    if (request.method in ("POST", "PUT", "PATCH") and request.mimetype not in FORM_TYPES
            and not request.path.startswith("/api/")):
        abort(415)
    if any(_BAD.search(text) for text in _texts()):
        raise RefusedText()


def register(app: Flask) -> None:
    app.before_request(refuse_hostile_input)
