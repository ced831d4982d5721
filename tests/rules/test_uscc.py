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


# -- the structure every code entering the system must have (GB 32100, GB 11714) ----------


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_have_a_valid_structure(code: str) -> None:
    assert uscc.validate_structure(code) == code


def test_organisation_code_check_per_gb_11714() -> None:
    # 70846113-6: the organisation code inside 91440300708461136T.
    assert uscc.organisation_check_character("70846113") == "6"
    assert uscc.organisation_check_character("MA1FL1MM") == "X"  # letters count 10..35


def _with_checks(first16: str) -> str:
    first17 = first16 + uscc.organisation_check_character(first16[8:16])
    return first17 + uscc.check_character(first17)


@pytest.mark.parametrize("prefix", ["11", "12", "51", "52", "53", "91", "92", "93", "N2", "Y1"])
def test_known_authority_and_type_codes(prefix: str) -> None:
    code = _with_checks(prefix + "231102" + "MA1FL1MM")
    assert uscc.validate_structure(code) == code


@pytest.mark.parametrize("prefix", ["10", "94", "99", "A5", "00", "NY"])
def test_unknown_authority_or_type_is_rejected(prefix: str) -> None:
    with pytest.raises(uscc.InvalidUSCC, match="第1-2位"):
        uscc.validate_structure(_with_checks(prefix + "231102" + "MA1FL1MM"))


def test_region_must_be_six_digits() -> None:
    with pytest.raises(uscc.InvalidUSCC, match="第3-8位"):
        uscc.validate_structure(_with_checks("91" + "2311A2" + "MA1FL1MM"))


def test_wrong_organisation_check_character_is_rejected_even_with_a_right_18th() -> None:
    first17 = "91231102" + "MA1FL1MM" + "3"  # the GB 11714 check is X
    code = first17 + uscc.check_character(first17)
    assert uscc.is_valid(code)  # the GB 32100 check alone passes
    with pytest.raises(uscc.InvalidUSCC, match="第17位应为 X"):
        uscc.validate_structure(code)


def test_make_builds_valid_codes() -> None:
    for n in (0, 1, 12345678, 99999999):
        assert uscc.validate_structure(uscc.make("91", "231102", n))
