"""The scan page and the verify API: verdicts, live status, counts, revocation, rotation."""

from __future__ import annotations

import base64
import json
import re
import sys
import types
from datetime import date

import pytest
from sqlalchemy import func, inspect, select

from webapp.models.codes import CreditCode, ScanCount, WithdrawalCategory
from webapp.rules.kinds import ListNature, RecordKind, Visibility
from webapp.services import codes as code_service
from webapp.services.clock import today as china_today
from webapp.services.codes.keys import KeyStore
from webapp.services.codes.tokens import CodeClaims, new_serial, sign_code


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def banner(response) -> str:
    """The verdict: a banner for anything but a genuine code, which is a quiet line under the
    shop's name and status (its colour is the only one that speaks about the shop)."""
    html = response.get_data(as_text=True)
    if 'class="genuine-line"' in html:
        return "genuine"
    match = re.search(r'class="verdict verdict-(\w+)"', html)
    assert match, "the scan page always shows a verdict"
    return match.group(1)


def status_colour(response) -> str | None:
    match = re.search(r'class="status-panel status-panel-(\w+)"', response.get_data(as_text=True))
    return match.group(1) if match else None


def test_a_genuine_code_shows_the_subject_and_live_green_status(
    client, make_subject, make_record, issue
) -> None:
    subject = make_subject(name="黑河市诚信超市", address="黑河市爱辉区王肃街2号")
    make_record(subject, kind=RecordKind.EVALUATION.value, title="纳税信用等级", grade="A")
    code = issue(subject)
    response = client.get(f"/c/{code.token}")
    assert response.status_code == 200
    assert banner(response) == "genuine"
    assert status_colour(response) == "green"
    page = text_of(response)
    for expected in ("黑河市诚信超市", subject.uscc, "黑河市爱辉区王肃街2号", "纳税信用等级", "A",
                     "社会评价", "暂无", "数据更新时间"):
        assert expected in page
    html = response.get_data(as_text=True)
    assert f'href="/petitions/complaint?subject={subject.id}"' in html
    assert f'href="/subjects/{subject.id}"' in html
    assert f'href="/subjects/{subject.id}/report.pdf"' in html
    assert "<script" not in html  # works without JavaScript
    assert response.headers["Cache-Control"] == "no-store"


def test_black_listing_turns_the_old_code_red_and_repair_turns_it_back(
    client, db_session, make_subject, make_record, issue
) -> None:
    subject = make_subject()
    code = issue(subject)
    assert status_colour(client.get(f"/c/{code.token}")) == "green"

    listing = make_record(subject, kind=RecordKind.LIST.value,
                          list_nature=ListNature.BLACK.value, decided_on=date(2026, 5, 1))
    penalty = make_record(subject, kind=RecordKind.PENALTY.value)
    db_session.commit()
    response = client.get(f"/c/{code.token}")
    assert status_colour(response) == "red"
    assert banner(response) == "genuine"  # the code is still genuine; the shop is not
    assert _count(response, "严重失信名单") == 1 and _count(response, "行政处罚") == 1

    listing.set_visibility(Visibility.ARCHIVED, "信用修复")
    penalty.set_visibility(Visibility.REVOKED, "异议成立，撤销")
    db_session.commit()
    response = client.get(f"/c/{code.token}")
    assert status_colour(response) == "green"
    assert _count(response, "严重失信名单") == 0 and _count(response, "行政处罚") == 0


def _count(response, label: str) -> int:
    html = response.get_data(as_text=True)
    match = re.search(r'class="count-n">(\d+)</span><span class="count-l">' + label, html)
    assert match, label
    return int(match.group(1))


def test_red_list_and_watch_list_show_in_the_counts(client, make_subject, make_record, issue):
    subject = make_subject()
    make_record(subject, kind="list", list_nature="red", list_type="A级纳税人")
    make_record(subject, kind="list", list_nature="watch", list_type="重点关注对象名单")
    response = client.get(f"/c/{issue(subject).token}")
    assert status_colour(response) == "yellow"
    assert _count(response, "守信红名单") == 1 and _count(response, "重点关注名单") == 1
    assert "守信激励对象" in text_of(response)


def test_forged_altered_and_withdrawn_codes_are_told_apart(
    client, db_session, make_subject, issue, tmp_path
) -> None:
    subject = make_subject()
    code = issue(subject)
    forger = KeyStore(tmp_path / "forger")
    forger.ensure()
    forged = sign_code(forger, CodeClaims(sub=subject.uscc, iat=1, jti=new_serial()))
    altered = code.token[:-10] + ("A" if code.token[-10] != "A" else "B") + code.token[-9:]

    assert banner(client.get(f"/c/{forged}")) == "forged"
    assert banner(client.get(f"/c/{altered}")) == "forged"
    assert banner(client.get("/c/not-a-code")) == "forged"
    assert subject.name not in text_of(client.get(f"/c/{forged}"))  # nothing trusted from it

    code_service.withdraw_code(db_session, code, category=WithdrawalCategory.MISUSE,
                               reason="被复制到另一家店", actor="staff")
    db_session.commit()
    response = client.get(f"/c/{code.token}")
    assert banner(response) == "revoked"
    assert status_colour(response) is None  # no green light on a withdrawn code
    assert "已被收回作废" in text_of(response)


def scan_rows(db_session) -> list[tuple]:
    return sorted(db_session.execute(
        select(ScanCount.subject_id, ScanCount.day, ScanCount.count)).all())


def test_scans_are_counted_per_subject_per_day_without_personal_data(
    client, db_session, make_subject, issue
) -> None:
    subject, other = make_subject(), make_subject()
    for _ in range(3):
        client.get(f"/c/{issue(subject).token}", headers={"User-Agent": "MicroMessenger"})
    client.get(f"/c/{issue(other).token}")
    client.get("/c/forged.token.here")
    assert scan_rows(db_session) == []  # buffered: no write transaction per page view
    assert code_service.flush_scans(force=True) == 4
    today = china_today()
    assert scan_rows(db_session) == sorted([(subject.id, today, 3), (other.id, today, 1)])
    client.get(f"/c/{issue(subject).token}")
    code_service.flush_scans(force=True)
    assert code_service.scans_of(db_session, subject.id) == 4
    assert {c.key for c in inspect(ScanCount).columns} == {"id", "subject_id", "day", "count"}


def test_with_a_zero_flush_interval_each_scan_is_written_in_its_request(
    client, db_session, make_subject, issue
) -> None:
    subject = make_subject()
    code = issue(subject)
    code_service.scan_buffer().interval = 0
    client.get(f"/c/{code.token}")
    assert scan_rows(db_session) == [(subject.id, china_today(), 1)]
    client.get(f"/c/{code.token}")
    assert scan_rows(db_session) == [(subject.id, china_today(), 2)]


def test_rotation_keeps_old_codes_valid_until_retirement(
    client, db_session, make_subject, issue, store
) -> None:
    subject = make_subject()
    old = issue(subject)
    old_kid = store.active().kid
    store.rotate()
    assert banner(client.get(f"/c/{old.token}")) == "genuine"
    assert issue(subject).serial == old.serial  # still verifies: no needless new code

    store.retire(old_kid)
    response = client.get(f"/c/{old.token}")
    assert banner(response) == "revoked"
    assert client.get(f"/api/v1/codes/verify?token={old.token}").json["reason"] == "key_retired"
    renewed = issue(subject)
    assert renewed.serial != old.serial and renewed.kid == store.active().kid
    assert banner(client.get(f"/c/{renewed.token}")) == "genuine"
    db_session.refresh(old)
    assert old.withdrawal_category == WithdrawalCategory.KEY_RETIRED.value


def test_a_genuine_code_for_a_subject_no_longer_in_the_database(client, store) -> None:
    from webapp.rules.uscc import check_character

    uscc = "91231102MA1XYW001" + check_character("91231102MA1XYW001")
    token = sign_code(store, CodeClaims(sub=uscc, iat=1, jti=new_serial()))
    assert banner(client.get(f"/c/{token}")) == "unknown_subject"


# -- the JSON API ---------------------------------------------------------------------------


def test_verify_api_answers_valid_with_subject_and_status(client, make_subject, issue) -> None:
    subject = make_subject()
    code = issue(subject)
    response = client.get("/api/v1/codes/verify", query_string={"token": code.token})
    assert response.status_code == 200
    body = response.json
    assert body["valid"] is True and body["reason"] == "valid"
    assert body["kid"] == code.kid and body["serial"] == code.serial
    assert body["subject"]["uscc"] == subject.uscc and body["subject"]["id"] == subject.id
    assert body["status"]["colour"] == "green"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert code_service.flush_scans(force=True) == 0  # API look-ups are not scans


def test_verify_api_gives_each_rejection_its_reason(
    client, db_session, make_subject, issue, store, tmp_path
) -> None:
    subject = make_subject()
    code = issue(subject)
    forger = KeyStore(tmp_path / "forger")
    forger.ensure()
    header = base64.urlsafe_b64encode(
        json.dumps({"alg": "none", "kid": code.kid}).encode()).rstrip(b"=").decode()
    _, payload, signature = code.token.split(".")
    middle = len(signature) // 2
    changed = signature[:middle] + ("Q" if signature[middle] != "Q" else "R") + \
        signature[middle + 1:]
    cases = {
        "unknown_key": sign_code(forger, CodeClaims(sub=subject.uscc, iat=1, jti="x1")),
        "alg_not_allowed": f"{header}.{payload}.",
        "bad_signature": f"{code.token.rsplit('.', 1)[0]}.{changed}",
    }
    for reason, token in cases.items():
        response = client.get("/api/v1/codes/verify", query_string={"token": token})
        assert response.status_code == 200, reason
        assert response.json["valid"] is False and response.json["reason"] == reason
        assert response.json["subject"] is None  # nothing from an untrusted token is echoed

    code_service.withdraw_code(db_session, code, category=WithdrawalCategory.DEREGISTERED,
                               reason="注销", actor="staff")
    db_session.commit()
    response = client.get("/api/v1/codes/verify", query_string={"token": code.token})
    assert response.json["valid"] is False and response.json["reason"] == "revoked"


@pytest.mark.parametrize(
    "query",
    [
        "", "token=", "token=abc", "token=a.b.c", "token=%00%01", "token=" + "x" * 5000,
        "token=%E4%B8%AD.%E6%96%87.x", "token=e30.e30.", "token=..", "token=%ff%fe.%ff.%ff",
        "token=a&token=b", "token[]=1",
    ],
)
def test_verify_api_answers_malformed_input_with_400_never_500(client, store, query) -> None:
    response = client.get(f"/api/v1/codes/verify?{query}")
    assert response.status_code == 400
    assert response.json["status"] == 400 and response.json.get("valid") is not True
    if "\x00" not in request_args(query):  # NUL is refused before the view, for any route
        assert response.json["valid"] is False and response.json["reason"] in (
            "malformed", "missing_token")


def request_args(query: str) -> str:
    from urllib.parse import unquote

    return unquote(query)


def test_jwks_is_public_cors_open_cached_and_verifies_with_jwcrypto(
    client, make_subject, issue
) -> None:
    from jwcrypto import jwk, jws

    code = issue(make_subject())
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age=" in response.headers["Cache-Control"]
    keyset = jwk.JWKSet.from_json(response.get_data(as_text=True))
    obj = jws.JWS()
    obj.deserialize(code.token)
    obj.verify(keyset.get_key(code.kid), alg="EdDSA")
    assert json.loads(obj.payload)["jti"] == code.serial
    assert all("d" not in key for key in response.json["keys"])
    etag = response.headers["ETag"]
    assert client.get("/.well-known/jwks.json", headers={"If-None-Match": etag}).status_code == 304


def test_revocation_list_publishes_withdrawn_serials_without_staff_notes(
    client, db_session, make_subject, issue, store
) -> None:
    subject = make_subject()
    first = issue(subject)
    new = code_service.reissue_code(db_session, subject, store, reason="内部备注：举报编号123",
                                    actor="staff")
    db_session.commit()
    response = client.get("/.well-known/credit-code-revocations.json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.json
    assert [r["jti"] for r in body["revoked"]] == [first.serial]
    assert body["revoked"][0]["reason"] == "reissued"
    assert "内部备注" not in response.get_data(as_text=True)
    assert new.serial not in response.get_data(as_text=True)
    assert banner(client.get(f"/c/{first.token}")) == "revoked"
    assert banner(client.get(f"/c/{new.token}")) == "genuine"
    active = db_session.scalar(select(func.count()).select_from(CreditCode)
                               .where(CreditCode.subject_id == subject.id,
                                      CreditCode.state == "active"))
    assert active == 1


def _petitions_module(summary) -> types.ModuleType:
    module = types.ModuleType("webapp.services.petitions")
    module.complaint_summary = summary
    return module


def test_social_evaluation_shows_the_complaints_summary_once_petitions_provides_it(
    client, make_subject, issue, monkeypatch
) -> None:
    subject = make_subject()
    code = issue(subject)
    calls = []

    def complaint_summary(session, subject_id):
        calls.append(subject_id)
        return 5, 3

    monkeypatch.setitem(sys.modules, "webapp.services.petitions",
                        _petitions_module(complaint_summary))
    page = text_of(client.get(f"/c/{code.token}"))
    assert "近12个月收到投诉 5 件，已办结 3 件" in page
    assert calls == [subject.id]


def test_a_failing_complaints_summary_does_not_take_the_scan_page_down(
    client, make_subject, issue, monkeypatch, caplog
) -> None:
    subject = make_subject()
    code = issue(subject)

    def broken(session, subject_id):
        raise RuntimeError("petitions table missing")

    monkeypatch.setitem(sys.modules, "webapp.services.petitions", _petitions_module(broken))
    response = client.get(f"/c/{code.token}")
    assert response.status_code == 200 and banner(response) == "genuine"
    assert "社会评价 暂无" in text_of(response)
    assert "complaint_summary failed" in caplog.text


def test_a_deregistered_subject_is_flagged_on_its_old_code(client, db_session, make_subject,
                                                            issue) -> None:
    subject = make_subject()
    code = issue(subject)
    subject.registration_status = "吊销"
    db_session.commit()
    page = text_of(client.get(f"/c/{code.token}"))
    assert "无码 · 已吊销" in page and "不发放信用码" in page and "绿码" not in page
