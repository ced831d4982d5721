import pytest

from webapp.rules import uscc

# Published codes of real organisations (GB 32100 check characters verified by hand).
REAL_CODES = ["91110000802100433B", "91440300708461136T"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    assert uscc.validate(code) == code


def test_check_character_is_computed_per_standard() -> None:
    # 9144030070846113 6 + check T: recompute from the first 17 characters.
    assert uscc.check_character("91440300708461136") == "T"


def test_wrong_check_character_names_the_expected_one() -> None:
    with pytest.raises(uscc.InvalidUSCC, match="第18位应为 T"):
        uscc.validate("91440300708461136A")


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z"])
def test_letters_outside_the_alphabet_are_rejected(bad: str) -> None:
    with pytest.raises(uscc.InvalidUSCC, match="不允许的字符"):
        uscc.validate("9144030070846113" + bad + "T")


def test_lower_case_and_full_width_are_normalised() -> None:
    code = "91310000MA1FL1MMX" + uscc.check_character("91310000MA1FL1MMX")
    assert uscc.validate(code.lower()) == code
    assert uscc.validate("９１４４０３００７０８４６１１３６Ｔ") == "91440300708461136T"
    assert uscc.validate(" 9144 0300 7084 6113 6T ") == "91440300708461136T"


@pytest.mark.parametrize("raw, reason", [("", "为空"), ("9144030070846113", "应为18位")])
def test_empty_and_short(raw: str, reason: str) -> None:
    with pytest.raises(uscc.InvalidUSCC, match=reason):
        uscc.validate(raw)


def test_is_valid_and_prefix_detection() -> None:
    assert uscc.is_valid("91110000802100433B")
    assert not uscc.is_valid("91110000802100433C")
    assert uscc.looks_like_code_prefix("91110000")
    assert not uscc.looks_like_code_prefix("鑫源")
    assert not uscc.looks_like_code_prefix("hhsxy")
