"""Issuing, withdrawing and reissuing credit codes; the revocation list.

Functions take a session and flush, never commit: the request or CLI command commits once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.models import Subject
from webapp.models.base import utcnow
from webapp.models.codes import CodeState, CreditCode, WithdrawalCategory
from webapp.rules.status import CLOSED_STATES
from webapp.services.clock import to_local
from webapp.services.codes import qr
from webapp.services.codes.keys import KeyStore, KeyStoreError
from webapp.services.codes.tokens import CodeClaims, header_kid, new_serial, sign_code

#: Registration states in which a subject no longer gets a code (it no longer trades).
NO_CODE_REGISTRATION_STATES = tuple(CLOSED_STATES)  # 吊销, 注销, 迁出
SERIAL_ATTEMPTS = 5


class CodeError(ValueError):
    """A code operation that cannot be done; str(error) is a message a person understands."""


def current_code(session: Session, subject_id: int) -> CreditCode | None:
    """The subject's active code, if it has one."""
    return session.scalar(
        select(CreditCode).where(
            CreditCode.subject_id == subject_id, CreditCode.state == CodeState.ACTIVE.value
        )
    )


def code_by_serial(session: Session, serial: str) -> CreditCode | None:
    return session.scalar(select(CreditCode).where(CreditCode.serial == serial))


def issue_code(
    session: Session, subject: Subject, store: KeyStore, *, base_url: str | None = None
) -> CreditCode:
    """The subject's current code; a new one only if it has none that still verifies.

    Idempotent: clicking again returns the same code. Two requests racing to issue the
    first code meet the one-active-code-per-subject index, and the loser returns the winner's.
    With `base_url` (PUBLIC_BASE_URL) the QR mask is chosen now, so images render fast later.
    """
    if not subject.uscc:
        raise CodeError("该主体没有统一社会信用代码，无法领取信用码")
    if subject.registration_status in NO_CODE_REGISTRATION_STATES:
        raise CodeError(f"该主体登记状态为“{subject.registration_status}”，不能领取信用码")
    existing = current_code(session, subject.id)
    if existing is not None:
        if existing.uscc == subject.uscc and store.verification_key(existing.kid) is not None:
            return existing
        category = (
            WithdrawalCategory.REISSUED if existing.uscc != subject.uscc
            else WithdrawalCategory.KEY_RETIRED
        )
        withdraw_code(session, existing, category=category,
                      reason="系统自动换发（统一社会信用代码变更或密钥停用）", actor="system")
    return _new_code(session, subject, store, base_url)


def _new_code(
    session: Session, subject: Subject, store: KeyStore, base_url: str | None
) -> CreditCode:
    uscc = subject.uscc or ""  # checked by the caller
    for _ in range(SERIAL_ATTEMPTS):
        issued_at = utcnow().replace(microsecond=0)
        claims = CodeClaims(sub=uscc, iat=int(issued_at.timestamp()), jti=new_serial())
        try:
            token = sign_code(store, claims)
        except KeyStoreError as error:
            raise CodeError(str(error)) from error
        kid = header_kid(token) or ""
        mask = qr.best_mask(qr.code_url(base_url, token)) if base_url else None
        code = CreditCode(subject_id=subject.id, serial=claims.jti, kid=kid, uscc=uscc,
                          token=token, issued_at=issued_at, state=CodeState.ACTIVE.value,
                          qr_mask=mask)
        try:
            with session.begin_nested():
                session.add(code)
                session.flush()
        except IntegrityError:
            winner = current_code(session, subject.id)
            if winner is not None:
                return winner
            continue  # a serial collision (48 random bits): try another serial
        return code
    raise CodeError("信用码生成失败，请稍后重试")


def withdraw_code(
    session: Session,
    code: CreditCode,
    *,
    category: WithdrawalCategory,
    reason: str,
    actor: str,
) -> CreditCode:
    """Withdraw a code: its serial goes on the public revocation list at once."""
    if code.state == CodeState.WITHDRAWN.value:
        return code
    code.state = CodeState.WITHDRAWN.value
    code.withdrawn_at = utcnow()
    code.withdrawal_category = category.value
    code.withdrawn_reason = (reason or "").strip()[:500] or None
    code.withdrawn_by = actor[:64]
    session.flush()
    return code


def withdraw_subject_code(
    session: Session,
    subject_id: int,
    *,
    category: WithdrawalCategory,
    reason: str,
    actor: str,
) -> CreditCode | None:
    """Withdraw the subject's active code (e.g. after 注销/吊销); None if it had none."""
    code = current_code(session, subject_id)
    if code is None:
        return None
    return withdraw_code(session, code, category=category, reason=reason, actor=actor)


def reissue_code(
    session: Session,
    subject: Subject,
    store: KeyStore,
    *,
    reason: str,
    actor: str,
    base_url: str | None = None,
) -> CreditCode:
    """Withdraw the current code (if any) and issue a new one (e.g. after misuse)."""
    withdraw_subject_code(session, subject.id, category=WithdrawalCategory.REISSUED,
                          reason=reason, actor=actor)
    return issue_code(session, subject, store, base_url=base_url)


def is_revoked(session: Session, serial: str) -> bool:
    state = session.scalar(select(CreditCode.state).where(CreditCode.serial == serial))
    return state == CodeState.WITHDRAWN.value


def revocation_list(session: Session, issuer: str) -> dict[str, Any]:
    """Every withdrawn serial with when and why (a category, never the staff's note)."""
    rows = session.execute(
        select(CreditCode.serial, CreditCode.kid, CreditCode.withdrawn_at,
               CreditCode.withdrawal_category)
        .where(CreditCode.state == CodeState.WITHDRAWN.value)
        .order_by(CreditCode.withdrawn_at, CreditCode.id)
    ).all()
    revoked = [
        {
            "jti": serial,
            "kid": kid,
            "revoked_at": _iso(withdrawn_at),
            "reason": category,
        }
        for serial, kid, withdrawn_at, category in rows
    ]
    return {
        "issuer": issuer,
        "updated_at": revoked[-1]["revoked_at"] if revoked else None,
        "count": len(revoked),
        "revoked": revoked,
    }


def _iso(moment: Any) -> str:
    return to_local(moment).isoformat(timespec="seconds")
