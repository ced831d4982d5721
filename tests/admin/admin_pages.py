"""Helpers for the back office tests: a user and a staff member, each with their own browser,
working through the real forms (CSRF tokens included)."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import g
from flask.testing import FlaskClient
from PIL import Image

from webapp.models.petitions import Case


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def tokens(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="([\w-]*(?:csrf_token|form_token))" type="hidden" '
                           r'value="([^"]+)"', html))


def get_page(client: FlaskClient, url: str) -> Any:
    # The test's app context outlives requests and Flask-WTF caches the CSRF token in `g`:
    # drop it so each browser gets the token of its own session.
    g.pop("csrf_token", None)
    return client.get(url)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(out, "PNG")
    return out.getvalue()


def pdf() -> bytes:
    """A small valid PDF (the upload check parses it)."""
    import pikepdf

    document = pikepdf.new()
    document.add_blank_page()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def submit_public(client: FlaskClient, url: str, data: dict[str, Any],
                  files: tuple[tuple[str, bytes], ...] = ()) -> Any:
    page = get_page(client, url)
    assert page.status_code == 200, page.status_code
    payload: dict[str, Any] = {**tokens(page.get_data(as_text=True)), **data}
    if files:
        payload["attachments"] = [(io.BytesIO(body), name) for name, body in files]
    return client.post(url, data=payload, content_type="multipart/form-data",
                       follow_redirects=True)


QUERY_CODES: dict[str, str] = {}  # case number -> the query code its confirmation showed


def case_number(response: Any) -> str:
    """The number on a confirmation page; its query code is kept for track_page()."""
    html = response.get_data(as_text=True)
    match = re.search(r'class="case-number[^"]*">([^<]+)<', html)
    assert match, text_of(response)[:2000]
    code = re.search(r'class="query-code">([^<]+)<', html)
    if code:
        QUERY_CODES[match.group(1)] = code.group(1)
    return match.group(1)


def track_page(client: FlaskClient, number: str) -> Any:
    """The case as its filer sees it: the tracking form with the number and query code."""
    page = get_page(client, "/petitions/track")
    payload = {**tokens(page.get_data(as_text=True)), "number": number,
               "code": QUERY_CODES[number]}
    return client.post("/petitions/track", data=payload)


def staff_act(client: FlaskClient, case: Case | int, action: str,
              data: dict[str, Any] | None = None) -> Any:
    """GET the case page, fill the action's form (prefixed fields), POST, follow redirect.

    Irreversible actions (不予受理, 答复) get their confirmation box ticked, as the clerk does,
    unless the data says otherwise (confirm="" leaves it unticked).
    """
    case_id = case if isinstance(case, int) else case.id
    data = dict(data or {})
    if action in ("reject", "decide"):
        data.setdefault("confirm", "y")
    if data.get("confirm") == "":
        del data["confirm"]
    page = get_page(client, f"/admin/cases/{case_id}")
    found = tokens(page.get_data(as_text=True))
    token = found.get(f"{action}-csrf_token") or found.get("csrf_token")
    assert token, f"no form for {action}"
    payload = {f"{action}-csrf_token": token}
    payload.update({f"{action}-{key}": value for key, value in (data or {}).items()})
    return client.post(f"/admin/cases/{case_id}/{action}", data=payload,
                       follow_redirects=True)
