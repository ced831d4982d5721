"""自主申报: a subject declares information about itself; staff approve it before it shows.

Functions flush, never commit. The back office calls approve_declaration/reject_declaration.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import Subject
from webapp.models.base import utcnow
from webapp.models.codes import DECLARATION_CATEGORIES, DeclarationState, SelfDeclaration


class DeclarationError(ValueError):
    """A declaration step that cannot be done; str(error) is a message a person understands."""


def submit_declaration(
    session: Session,
    subject: Subject,
    *,
    category: str,
    title: str,
    content: str,
    contact_name: str,
    contact_phone: str,
) -> SelfDeclaration:
    """A new declaration, pending review; nothing is public until staff approve it."""
    if category not in DECLARATION_CATEGORIES:
        raise DeclarationError("申报类别无效")
    if not title.strip() or not content.strip():
        raise DeclarationError("请填写申报标题和内容")
    declaration = SelfDeclaration(
        subject_id=subject.id,
        category=category,
        title=title.strip()[:100],
        content=content.strip()[:2000],
        contact_name=contact_name.strip()[:64],
        contact_phone=contact_phone.strip()[:32],
        state=DeclarationState.PENDING.value,
    )
    session.add(declaration)
    session.flush()
    return declaration


def _decide(
    session: Session, declaration_id: int, state: DeclarationState, actor: str, note: str | None
) -> SelfDeclaration:
    declaration = session.get(SelfDeclaration, declaration_id)
    if declaration is None:
        raise DeclarationError("申报不存在")
    if declaration.state != DeclarationState.PENDING.value:
        raise DeclarationError("该申报已处理，不能重复审核")
    declaration.state = state.value
    declaration.decided_at = utcnow()
    declaration.decided_by = actor[:64]
    declaration.decision_note = (note or "").strip()[:500] or None
    session.flush()
    return declaration


def approve_declaration(
    session: Session, declaration_id: int, actor: str, note: str | None = None
) -> SelfDeclaration:
    """Approve: the declaration shows on the subject's credit code page from now on."""
    return _decide(session, declaration_id, DeclarationState.APPROVED, actor, note)


def reject_declaration(
    session: Session, declaration_id: int, actor: str, note: str
) -> SelfDeclaration:
    """Reject with a reason (kept for the record; never shown publicly)."""
    if not (note or "").strip():
        raise DeclarationError("请填写不予通过的理由")
    return _decide(session, declaration_id, DeclarationState.REJECTED, actor, note)


def withdraw_approval(
    session: Session, declaration_id: int, actor: str, note: str
) -> SelfDeclaration:
    """Take an approved declaration off public view (e.g. found to be untrue)."""
    declaration = session.get(SelfDeclaration, declaration_id)
    if declaration is None or declaration.state != DeclarationState.APPROVED.value:
        raise DeclarationError("只有已通过的申报可以撤下")
    declaration.state = DeclarationState.REJECTED.value
    declaration.decided_at = utcnow()
    declaration.decided_by = actor[:64]
    declaration.decision_note = (note or "").strip()[:500] or "撤下公示"
    session.flush()
    return declaration


def pending_declarations(session: Session, limit: int = 100) -> Sequence[SelfDeclaration]:
    """The review queue for the back office, oldest first."""
    return session.scalars(
        select(SelfDeclaration)
        .where(SelfDeclaration.state == DeclarationState.PENDING.value)
        .order_by(SelfDeclaration.submitted_at, SelfDeclaration.id)
        .limit(limit)
    ).all()
