"""Printing and case tracking at the kiosk: counted per kiosk, reachable only in the visit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import g
from kiosk_pages import csrf_of, start
from sqlalchemy import select

from webapp.models.kiosk import Kiosk
from webapp.models.petitions import CaseKind
from webapp.models.reports import ReportIssue
from webapp.services import petitions as petition_service
from webapp.services.reports import fonts


@pytest.fixture(scope="session")
def converted_font(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fonts.convert(tmp_path_factory.mktemp("fonts") / fonts.CACHE_NAME)


@pytest.fixture
def app_config(app_config: dict[str, Any], converted_font: Path) -> dict[str, Any]:
    font_dir = Path(app_config["INSTANCE_DIR"]) / "fonts"
    font_dir.mkdir(parents=True, exist_ok=True)
    (font_dir / fonts.CACHE_NAME).symlink_to(converted_font)
    return app_config


def _print(machine: Any, visit: str, subject_id: int) -> Any:
    g.pop("csrf_token", None)
    profile = machine.get(f"/kiosk/subjects/{subject_id}?v={visit}").get_data(as_text=True)
    return machine.post(f"/kiosk/subjects/{subject_id}/print",
                        data={"csrf_token": csrf_of(profile), "v": visit})


def test_printing_is_counted_per_kiosk_and_the_report_stays_in_the_visit(
        kiosk_client, make_subject, make_record, db_session, client) -> None:
    subject = make_subject()
    make_record(subject)
    db_session.commit()
    first, second = kiosk_client("一号机"), kiosk_client("二号机")
    visit = start(first)
    printed = _print(first, visit, subject.id)
    assert printed.status_code == 303 and "autoprint=1" in printed.location
    number = db_session.scalar(select(ReportIssue.number))
    page = first.get(printed.location).get_data(as_text=True)
    assert number in page and subject.name in page and "data:image/png;base64," in page
    assert 'data-autoprint="1"' in page and "print.css" in page
    _print(first, visit, subject.id)
    start_second = start(second)
    _print(second, start_second, subject.id)
    counts = dict(db_session.execute(select(Kiosk.name, Kiosk.print_count)).all())
    assert counts == {"一号机": 2, "二号机": 1}
    # The printed number is a real, verifiable report.
    assert "报告编号" in client.get(f"/reports/verify?no={number}").get_data(as_text=True)

    # Another kiosk, and the next visitor at the same kiosk, cannot open it.
    assert second.get(f"/kiosk/reports/{number}?v={start_second}").status_code == 404
    first.get("/kiosk/reset")
    assert first.get(printed.location).status_code == 303  # the old visit's address
    assert first.get(f"/kiosk/reports/{number}?v={start(first)}").status_code == 404


def test_track_a_case_without_script_and_it_ends_with_the_visit(
        kiosk_client, make_subject, db_session) -> None:
    subject = make_subject()
    case, _ = petition_service.open_case(
        db_session, CaseKind.COMPLAINT, form_token="kiosk-track-token-000001",
        fields={"title": "标价不符", "description": "多收了钱", "anonymous": True},
        subject_id=subject.id, query_code="ABCDEFGH23")
    db_session.commit()
    machine = kiosk_client()
    visit = start(machine)
    g.pop("csrf_token", None)
    token = csrf_of(machine.get(f"/kiosk/track?v={visit}").get_data(as_text=True))
    form = {"csrf_token": token, "v": visit, "number": case.number[:-1], "code": "ABCDEFGH2",
            "field": "number"}
    typed = machine.post("/kiosk/track", data={**form, "key": case.number[-1]})
    assert f'value="{case.number}"' in typed.get_data(as_text=True)
    wrong = machine.post("/kiosk/track", data={**form, "number": case.number, "code": "X"})
    assert "不正确" in wrong.get_data(as_text=True)
    found = machine.post("/kiosk/track", data={**form, "number": case.number,
                                               "code": "ABCDEFGH23"})
    assert found.status_code == 303 and "ABCDEFGH23" not in found.location
    shown = machine.get(found.location).get_data(as_text=True)
    assert case.number in shown and "已提交" in shown
    assert not re.search(r'href="/petitions', shown)  # no attachment download at the kiosk
    machine.get("/kiosk/reset")
    assert machine.get(f"/kiosk/track/{case.number}?v={start(machine)}").status_code == 404
    public = machine.get(f"/petitions/track/{case.number}").get_data(as_text=True)
    assert "标价不符" not in public  # the public page asks for the query code again
