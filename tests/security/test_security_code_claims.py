"""Finding 3: who may claim and reissue a credit code.

The rule (README, 码上诚信): anyone may claim a business's first code, since the code shows
only public information and is the same code whoever claims it; once staff withdrew a code,
only staff can issue the next one (报告 → 换发), however often the public page is posted.
"""

from __future__ import annotations

from typing import Any

from flask import g
from security_helpers import csrf_of

from webapp.models.codes import CodeState, CreditCode, WithdrawalCategory
from webapp.services import codes as code_service


def _claim(client: Any, subject: Any) -> Any:
    g.pop("csrf_token", None)
    url = f"/subjects/{subject.id}/code"
    token = csrf_of(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token}, follow_redirects=True)


def _active(db_session: Any, subject: Any) -> int:
    db_session.rollback()
    return db_session.query(CreditCode).filter_by(
        subject_id=subject.id, state=CodeState.ACTIVE.value).count()


def test_first_claim_is_open_to_the_public(client: Any, make_subject: Any,
                                           db_session: Any) -> None:
    code_service.key_store().ensure()
    subject = make_subject()
    db_session.commit()
    assert _claim(client, subject).status_code == 200
    assert _active(db_session, subject) == 1
    token = csrf_of(client.get(f"/subjects/{subject.id}/declaration").get_data(as_text=True))
    client.post(f"/subjects/{subject.id}/code", data={"csrf_token": token})  # idempotent
    assert db_session.query(CreditCode).filter_by(subject_id=subject.id).count() == 1


def test_staff_withdrawal_sticks_until_staff_reissue(
        client: Any, shop: Any, db_session: Any, admin_client: Any) -> None:
    code_service.withdraw_subject_code(db_session, shop.id, category=WithdrawalCategory.MISUSE,
                                       reason="被他人冒用", actor="admin1")
    db_session.commit()
    for _ in range(3):
        page = _claim(client, shop).get_data(as_text=True)
        assert "已被管理部门作废" in page
    assert _active(db_session, shop) == 0

    g.pop("csrf_token", None)
    staff_page = admin_client.get(f"/admin/codes/subjects/{shop.id}").get_data(as_text=True)
    token = csrf_of(staff_page)
    admin_client.post(f"/admin/codes/subjects/{shop.id}/reissue",
                      data={"csrf_token": token, "reason": "核实后换发"})
    assert _active(db_session, shop) == 1


def test_system_replacement_is_not_blocked(shop: Any, db_session: Any) -> None:
    """A code the system replaced (key retired) is reissued at the next claim as before."""
    code = code_service.current_code(db_session, shop.id)
    code_service.withdraw_code(db_session, code, category=WithdrawalCategory.KEY_RETIRED,
                               reason="密钥停用", actor="system")
    db_session.commit()
    new = code_service.issue_code(db_session, shop, code_service.key_store())
    assert new.state == CodeState.ACTIVE.value and new.serial != code.serial
