"""The long drill the issue asked for: hundreds of incremental writes of every kind —
imports (new rows and corrections by re-import), objections (revoked, dismissed,
corrected), credit repairs, credit-code withdrawals — interleaved with whoosh merges, an
optimise every few dozen steps and a full reindex, each through the real services and
committed; after every step search is compared with what the database says is public
(ids and content hashes of everything, and the touched record by its number).

SEARCH_DRILL_STEPS sets the length (default 300; CI runs the default).
"""

from __future__ import annotations

import os
import random
from typing import Any

import pytest
from import_files import csv_bytes, penalty_row
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Record, Subject
from webapp.models.codes import WithdrawalCategory
from webapp.models.petitions import CaseKind, Outcome
from webapp.rules.publicity import is_public
from webapp.services import codes as code_service
from webapp.services import petitions, search, search_sync
from webapp.services.clock import today as china_today
from webapp.services.codes.issuing import withdraw_code
from webapp.services.imports import import_file

STEPS = int(os.environ.get("SEARCH_DRILL_STEPS", "300"))
SUBJECTS = 30
CASE_FIELDS = {"title": "异议", "description": "信息有误", "contact_name": "张三",
               "contact_phone": "13800138000"}


class Drill:
    def __init__(self, reviewer: Any, store: Any, rng: random.Random) -> None:
        self.reviewer, self.store, self.rng = reviewer, store, rng
        self.numbers: dict[str, dict[str, str]] = {}  # doc number -> its row
        self.serial = 0
        self.counts: dict[str, int] = {}

    # ------------------------------------------------------------------ writes

    def import_new(self) -> str:
        self.serial += 1
        n = self.rng.randint(1, SUBJECTS)
        row = penalty_row(n, 行政处罚决定书文号=f"黑市监处罚〔2026〕D{self.serial}号",
                          违法事实=f"经查，当事人第{self.serial}次销售过期食品。")
        return self._import(row)

    def import_correction(self) -> str:
        number = self.rng.choice(sorted(self.numbers))
        row = dict(self.numbers[number], 违法事实=f"更正：第{self.rng.randint(1, 10**6)}号事实")
        return self._import(row)

    def _import(self, row: dict[str, str]) -> str:
        number = row["行政处罚决定书文号"]
        result = import_file(db.session, "penalty", "drill.csv", csv_bytes([row]), actor="drill")
        assert result.exit_code == 0, result.report_lines()
        self.numbers[number] = row
        return number

    def _public_record(self) -> Record | None:
        numbers = sorted(self.numbers)
        self.rng.shuffle(numbers)
        for number in numbers[:20]:
            record = db.session.scalar(select(Record).where(Record.doc_number == number))
            if record is not None and record.visibility == "public":
                return record
        return None

    def objection(self, outcome: Outcome, corrections: dict[str, str] | None = None) -> str | None:
        record = self._public_record()
        if record is None:
            return None
        self.serial += 1
        case, _ = petitions.open_case(db.session, CaseKind.OBJECTION, form_token=f"o{self.serial}",
                                      fields=CASE_FIELDS, record=record)
        petitions.accept(db.session, case, self.reviewer)
        petitions.decide(db.session, case, self.reviewer, outcome, "已核查。", corrections)
        return record.doc_number

    def repair(self) -> str | None:
        record = self._public_record()
        if record is None:
            return None
        self.serial += 1
        try:
            case, _ = petitions.open_case(db.session, CaseKind.REPAIR,
                                          form_token=f"r{self.serial}", fields=CASE_FIELDS,
                                          record=record)
        except petitions.PetitionError:
            return None
        petitions.accept(db.session, case, self.reviewer)
        petitions.decide(db.session, case, self.reviewer, Outcome.UPHELD, "准予修复。")
        return record.doc_number

    def code_withdrawal(self) -> str | None:
        subject = db.session.scalar(select(Subject).order_by(Subject.id)
                                    .offset(self.rng.randrange(SUBJECTS)).limit(1))
        if subject is None:
            return None
        code = code_service.issue_code(db.session, subject, self.store, by_staff=True)
        withdraw_code(db.session, code, category=WithdrawalCategory.REISSUED, reason="演练",
                      actor="drill")
        return None

    # ------------------------------------------------------------------ maintenance

    def optimise(self) -> None:
        from search_index.whoosh_backend.engine import open_index
        from search_index.whoosh_backend.schema import RECORDS
        from search_index.whoosh_backend.schema import SUBJECTS as SUBJECT_INDEX

        backend = search.engine()
        with backend.writer_lock(30) as held:
            assert held
            for name in (SUBJECT_INDEX, RECORDS):
                open_index(backend.store.live_dir(), name).optimize()

    def reindex(self) -> None:
        search_sync.rebuild(db.session, search.engine())

    # ------------------------------------------------------------------ the check

    def check(self, number: str | None, step: int, what: str) -> None:
        if number is not None:
            record = db.session.scalar(select(Record).where(Record.doc_number == number))
            public = record is not None and is_public(record.visibility, record.public_until,
                                                      china_today())
            found = {h.id for h in search.search_records(number).hits}  # catches up first
            assert found == ({record.id} if public else set()), (step, what, number)
        else:
            search.search_subjects("鑫源")  # catch up
        differences = search_sync.verify(db.session, search.engine())
        assert differences == [], (step, what, differences[:5])


@pytest.mark.slow
def test_hundreds_of_writes_of_every_kind_keep_search_equal_to_the_database(
        app, make_staff, db_session):
    store = code_service.key_store()
    store.ensure()
    rng = random.Random(8)
    first = penalty_row(1)
    import_file(db_session, "penalty", "seed.csv",
                csv_bytes([penalty_row(n) for n in range(1, SUBJECTS + 1)]), actor="drill")
    reviewer = make_staff("reviewer")
    db_session.commit()
    drill = Drill(reviewer, store, rng)
    drill.numbers[first["行政处罚决定书文号"]] = first
    operations = [
        ("import", 30, drill.import_new),
        ("correction by re-import", 15, drill.import_correction),
        ("objection upheld", 8, lambda: drill.objection(Outcome.UPHELD)),
        ("objection dismissed", 8, lambda: drill.objection(Outcome.DISMISSED)),
        ("objection corrected", 10, lambda: drill.objection(
            Outcome.UPHELD, {"facts": f"经异议更正的事实{rng.randint(1, 10**6)}"})),
        ("repair", 10, drill.repair),
        ("code withdrawal", 8, drill.code_withdrawal),
    ]
    names, weights = zip(*[(name, weight) for name, weight, _ in operations], strict=True)
    actions = {name: action for name, _, action in operations}
    for step in range(1, STEPS + 1):
        what = rng.choices(names, weights)[0]
        number = actions[what]()
        db_session.commit()
        drill.counts[what] = drill.counts.get(what, 0) + 1
        if step % 40 == 0:
            drill.optimise()
        if step == STEPS // 2:
            drill.reindex()
        drill.check(number, step, what)
    assert all(drill.counts.get(name, 0) for name in names), drill.counts
    assert search.engine().applied_sequence() == search_sync.changelog.latest(db_session)
