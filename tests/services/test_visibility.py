"""The SQL twin of the visibility rule agrees with the rule, on the real database."""

from datetime import date, timedelta

from webapp.models import QueryLog
from webapp.rules.kinds import Visibility
from webapp.rules.publicity import is_public
from webapp.services import querylog, visibility

TODAY = date(2026, 11, 23)


def test_only_shown_and_current_records_are_public(make_subject, make_record, db_session):
    shop = make_subject(name="黑河市鑫源贸易有限公司")
    shown = make_record(shop, doc_number="A1")
    objected = make_record(shop, doc_number="A2", visibility=Visibility.OBJECTION.value)
    last_day = make_record(shop, doc_number="A3", public_until=TODAY)
    past = make_record(shop, doc_number="A4", public_until=TODAY - timedelta(days=1))
    hidden = [
        make_record(shop, doc_number=f"H{state}", visibility=state.value)
        for state in (Visibility.ARCHIVED, Visibility.REVOKED, Visibility.EXPIRED)
    ]
    found = {r.doc_number for r in visibility.public_records_of(db_session, shop.id, TODAY)}
    assert found == {"A1", "A2", "A3"}
    for record in [shown, objected, last_day, past, *hidden]:
        assert (record.doc_number in found) == is_public(
            record.visibility, record.public_until, TODAY
        )


def test_status_changes_when_a_black_list_entry_is_repaired(make_subject, make_record, db_session):
    shop = make_subject()
    entry = make_record(shop, kind="list", list_nature="black")
    assert visibility.subject_status(db_session, shop.id, TODAY).colour == "red"
    entry.set_visibility(Visibility.ARCHIVED, "信用修复")
    db_session.flush()
    assert visibility.subject_status(db_session, shop.id, TODAY).colour == "green"


def test_person_names_masked_unless_the_list_requires_it(make_subject, make_record, db_session):
    person = make_subject(name="张三", subject_type="自然人", id_number="231102198001011234")
    records = visibility.public_records_of(db_session, person.id, TODAY)
    assert visibility.public_name(person, records) == "张*"
    make_record(person, kind="list", list_nature="black", list_type="失信被执行人")
    records = visibility.public_records_of(db_session, person.id, TODAY)
    assert visibility.public_name(person, records) == "张三"


def test_query_use_log_only_for_natural_persons(make_subject, db_session):
    person = make_subject(name="李四", subject_type="自然人", id_number="231102199002021111")
    company = make_subject()
    querylog.log_personal_view(db_session, person, "public.subject", address="10.0.0.1")
    querylog.log_personal_view(db_session, company, "public.subject", address="10.0.0.1")
    logs = db_session.query(QueryLog).all()
    assert [(log.subject_id, log.surface) for log in logs] == [(person.id, "public.subject")]
    assert logs[0].client_hash and "10.0.0.1" not in logs[0].client_hash
