"""Finding 1: a solved CAPTCHA is used up on the server, so replaying the cookie fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import session
from security_helpers import form_tokens

from webapp import create_app
from webapp.extensions import db
from webapp.models.petitions import Case
from webapp.services import captcha

COMPLAINT = {"category": "其他", "title": "标价不符", "description": "多收了钱", "anonymous": "y"}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "PETITION_CAPTCHA_AFTER": 0,
            "RATELIMIT_PETITION_SUBMIT": "1000 per minute"}


@pytest.fixture
def known_answer(monkeypatch: pytest.MonkeyPatch) -> str:
    # The image is random; the test fixes the digits it draws (the check itself stays real).
    monkeypatch.setattr(captcha.secrets, "choice", lambda alphabet: "7")
    return "77777"


def _post(client: Any, url: str, answer: str) -> Any:
    tokens = form_tokens(client, url)
    return client.post(url, data={**tokens, **COMPLAINT, "captcha": answer},
                       follow_redirects=True)


def test_replaying_the_cookie_with_the_solved_answer_is_refused(
        client: Any, make_subject: Any, db_session: Any, known_answer: str) -> None:
    subject = make_subject()
    db_session.commit()
    url = f"/petitions/complaint?subject={subject.id}"
    form_tokens(client, url)
    assert client.get("/petitions/captcha.png").status_code == 200
    saved = client.get_cookie("session").value

    assert "提交成功" in _post(client, url, known_answer).get_data(as_text=True)
    accepted = 1
    for _ in range(4):  # the attacker's replays: the old cookie, the same answer
        client.set_cookie("session", saved)
        page = _post(client, url, known_answer).get_data(as_text=True)
        accepted += "提交成功" in page
        assert "验证码不正确" in page or "提交成功" in page
    db_session.rollback()
    assert accepted == 1
    assert db_session.query(Case).count() == 1


def test_wrong_answer_uses_the_challenge_up(
        client: Any, make_subject: Any, db_session: Any, known_answer: str) -> None:
    subject = make_subject()
    db_session.commit()
    url = f"/petitions/complaint?subject={subject.id}"
    form_tokens(client, url)
    client.get("/petitions/captcha.png")
    assert "验证码不正确" in _post(client, url, "22222").get_data(as_text=True)
    assert "验证码不正确" in _post(client, url, known_answer).get_data(as_text=True)
    db_session.rollback()
    assert db_session.query(Case).count() == 0


def test_a_challenge_is_single_use_across_app_instances(
        tmp_path: Path, app_config: dict[str, Any], known_answer: str) -> None:
    """Two apps on one database stand for two gunicorn workers."""
    config = {**app_config, "DATABASE_URL": app_config["DATABASE_URL"]
              if not app_config["DATABASE_URL"].startswith("sqlite")
              else f"sqlite:///{tmp_path / 'shared.sqlite3'}"}
    first, second = create_app(config), create_app(config)
    with first.app_context():
        db.create_all()
    with first.test_request_context("/"):
        captcha.new_image()
        cookie_session = dict(session)
        db.session.commit()
    results = []
    for app in (second, first, second):
        with app.test_request_context("/"):
            session.update(cookie_session)
            results.append(captcha.check(known_answer))
            db.session.commit()
            db.session.remove()
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()
    assert results == [True, False, False]
