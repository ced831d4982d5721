from dataclasses import dataclass

import pytest

from webapp.rules.status import credit_status


@dataclass
class R:
    kind: str
    list_nature: str | None = None
    severity: str | None = None


BLACK = R("list", "black")
WATCH = R("list", "watch")
ABNORMAL = R("list", "abnormal")
RED = R("list", "red")
SERIOUS = R("penalty", severity="serious")
GENERAL = R("penalty", severity="general")
LICENCE = R("license")


@pytest.mark.parametrize(
    "records, colour, honoured",
    [
        ([], "green", False),
        ([LICENCE, GENERAL], "green", False),
        ([RED], "green", True),
        ([WATCH], "yellow", False),
        ([ABNORMAL], "yellow", False),
        ([SERIOUS], "yellow", False),
        ([BLACK], "red", False),
        ([BLACK, WATCH, SERIOUS, RED], "red", True),
    ],
)
def test_status_table(records: list[R], colour: str, honoured: bool) -> None:
    status = credit_status(records)
    assert status.colour == colour
    assert status.honoured is honoured


def test_every_reason_is_listed_once() -> None:
    status = credit_status([BLACK, ABNORMAL, SERIOUS, SERIOUS])
    assert status.label == "严重失信"
    assert len(status.reasons) == 3
    assert "经营异常名录" in status.reasons[1]
    assert status.colour_label == "红码"
