"""The code page (get a code, download it), self-declarations, and the codes CLI."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from webapp.models.codes import CreditCode, DeclarationState, SelfDeclaration
from webapp.services import codes as code_service
from webapp.services.codes import qr


def csrf_token(response) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      response.get_data(as_text=True))
    assert match
    return match.group(1)


def codes_of(db_session, subject_id: int) -> int:
    return db_session.scalar(
        select(func.count()).select_from(CreditCode).where(CreditCode.subject_id == subject_id)
    )


def test_getting_a_code_from_the_page_is_idempotent(client, db_session, make_subject, store):
    subject = make_subject()
    page = client.get(f"/subjects/{subject.id}/code")
    assert "领取信用码" in page.get_data(as_text=True)
    assert client.get(f"/subjects/{subject.id}/code.png").status_code == 404  # none yet
    assert codes_of(db_session, subject.id) == 0  # looking does not issue

    token = csrf_token(page)
    for _ in range(3):
        response = client.post(f"/subjects/{subject.id}/code", data={"csrf_token": token})
        assert response.status_code == 303
    assert codes_of(db_session, subject.id) == 1
    shown = client.get(f"/subjects/{subject.id}/code").get_data(as_text=True)
    code = code_service.current_code(db_session, subject.id)
    assert code.serial in shown
    assert code.qr_mask == qr.best_mask(f"http://localhost/c/{code.token}")  # chosen once
    for link in ("code-poster.png?download=1", "code.png?download=1", "code.svg?download=1"):
        assert f"/subjects/{subject.id}/{link}" in shown


def test_issuing_without_a_csrf_token_is_refused(client, db_session, make_subject, store):
    subject = make_subject()
    assert client.post(f"/subjects/{subject.id}/code").status_code == 400
    assert codes_of(db_session, subject.id) == 0


def test_subjects_without_uscc_or_deregistered_get_no_code(
    client, db_session, make_subject, store, no_csrf
):
    person = make_subject(subject_type="自然人", name="张三", id_number="231102198001011234")
    closed = make_subject(registration_status="注销")
    db_session.commit()
    assert "没有统一社会信用代码" in client.get(f"/subjects/{person.id}/code").get_data(
        as_text=True)
    follow = client.post(f"/subjects/{closed.id}/code", follow_redirects=True)
    assert "不能领取信用码" in follow.get_data(as_text=True)
    assert codes_of(db_session, person.id) == codes_of(db_session, closed.id) == 0


def test_downloads_are_attachments_and_revalidated(client, make_subject, issue):
    subject = make_subject()
    issue(subject)
    response = client.get(f"/subjects/{subject.id}/code-poster.png?download=1")
    assert response.mimetype == "image/png"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-cache"
    again = client.get(f"/subjects/{subject.id}/code-poster.png",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(f"/subjects/{subject.id}/code.svg").mimetype == "image/svg+xml"


def test_a_self_declaration_shows_on_the_scan_page_only_once_approved(
    client, db_session, make_subject, issue, no_csrf
):
    subject = make_subject()
    code = issue(subject)
    response = client.post(f"/subjects/{subject.id}/declaration", data={
        "category": "资质荣誉", "title": "2025年度守合同重信用企业",
        "content": "黑河市市场监管局认定",
        "contact_name": "李经理", "contact_phone": "13800001111",
    })
    assert response.status_code == 303
    declaration = db_session.scalar(select(SelfDeclaration))
    assert declaration.state == DeclarationState.PENDING.value
    assert "守合同重信用" not in client.get(f"/c/{code.token}").get_data(as_text=True)

    code_service.approve_declaration(db_session, declaration.id, actor="reviewer1")
    db_session.commit()
    page = client.get(f"/c/{code.token}").get_data(as_text=True)
    assert "2025年度守合同重信用企业" in page
    assert "13800001111" not in page and "李经理" not in page  # contact never public

    code_service.withdraw_approval(db_session, declaration.id, actor="reviewer1", note="不实")
    db_session.commit()
    assert "守合同重信用" not in client.get(f"/c/{code.token}").get_data(as_text=True)


def test_a_rejected_declaration_never_shows_and_bad_input_is_explained(
    client, db_session, make_subject, issue, no_csrf
):
    subject = make_subject()
    code = issue(subject)
    bad = client.post(f"/subjects/{subject.id}/declaration", data={
        "category": "资质荣誉", "title": "", "content": "x", "contact_name": "王",
        "contact_phone": "abc",
    })
    assert bad.status_code == 422  # shown again with its errors
    assert "请填写标题" in bad.get_data(as_text=True)
    assert "请填写有效的电话号码" in bad.get_data(as_text=True)
    declaration = code_service.submit_declaration(
        db_session, subject, category="其他", title="虚假荣誉", content="…",
        contact_name="王", contact_phone="13900000000")
    code_service.reject_declaration(db_session, declaration.id, actor="reviewer1", note="无法核实")
    db_session.commit()
    assert "虚假荣誉" not in client.get(f"/c/{code.token}").get_data(as_text=True)


def test_codes_cli_withdraws_and_reissues(app, db_session, make_subject, issue):
    subject = make_subject()
    first = issue(subject)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["codes", "withdraw", subject.uscc, "--reason", "冒用",
                                 "--category", "misuse"])
    assert result.exit_code == 0 and first.serial in result.output
    assert code_service.current_code(db_session, subject.id) is None
    result = runner.invoke(args=["codes", "reissue", str(subject.id), "--reason", "换发"])
    assert result.exit_code == 0
    new = code_service.current_code(db_session, subject.id)
    assert new is not None and new.serial != first.serial and new.serial in result.output


def test_two_requests_racing_to_issue_end_with_one_code(db_session, make_subject, store,
                                                         monkeypatch):
    """The loser of the race meets the one-active-code index and returns the winner's code."""
    from webapp.services.codes import issuing

    subject = make_subject()
    winner = code_service.issue_code(db_session, subject, store)  # the other request's code
    db_session.commit()
    real_current_code = issuing.current_code
    looks = []

    def racing_current_code(session, subject_id):
        looks.append(subject_id)
        if len(looks) == 1:
            return None  # our request looked before the winner committed
        return real_current_code(session, subject_id)

    monkeypatch.setattr(issuing, "current_code", racing_current_code)
    loser = code_service.issue_code(db_session, subject, store)
    db_session.commit()
    assert loser.serial == winner.serial
    assert len(looks) == 2  # it did try to insert, and then looked again
    assert codes_of(db_session, subject.id) == 1
