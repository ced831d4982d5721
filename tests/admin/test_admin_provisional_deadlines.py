"""Staff pages mark a deadline 暂定 when it counts days of a year no calendar source knows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from webapp.models.petitions import Case, CaseKind
from webapp.models.staff import Role
from webapp.services import petitions as svc


def _complaint(db_session, subject, token: str, received: date) -> Case:
    case, _ = svc.open_case(
        db_session, CaseKind.COMPLAINT, form_token=token, today=received, subject_id=subject.id,
        fields={"title": f"投诉{token}", "description": "经过", "contact_name": "张三",
                "contact_phone": "13800138000"})
    return case


def test_provisional_deadline_marked_on_queue_and_case_page(
    app, client, db_session, make_staff, make_subject, login_as
) -> None:
    shop = make_subject()
    known = _complaint(db_session, shop, "known", date(2026, 9, 28))
    unknown = _complaint(db_session, shop, "unknown", date(2027, 12, 20))
    db_session.commit()
    # 15 working days; 2028-01-01 falls on a Saturday and is made up on Monday 01-03.
    assert unknown.due_on == date(2028, 1, 11)
    login_as(client, make_staff(Role.ADMIN))
    queue = client.get("/admin/cases").get_data(as_text=True)
    rows = {number: line for line in queue.split("<tr")
            for number in (known.number, unknown.number) if number in line}
    assert "暂定" in rows[unknown.number] and "暂定" not in rows[known.number]
    page = client.get(f"/admin/cases/{unknown.id}").get_data(as_text=True)
    assert "暂定" in page and "尚未公布" in page
    assert "暂定" not in client.get(f"/admin/cases/{known.id}").get_data(as_text=True)
    assert db_session.scalar(select(Case).where(Case.id == known.id)).due_on.year == 2026
