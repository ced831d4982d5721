import pytest

from webapp.rules import masking


def test_id_number_never_whole() -> None:
    assert masking.mask_id_number("231102198001011234") == "2311**********1234"
    assert masking.mask_id_number("23110219800101123X") == "2311**********123X"
    assert masking.mask_id_number("12345") == "*****"
    assert masking.mask_id_number(None) == ""


def test_names_keep_only_the_first_character() -> None:
    assert masking.mask_name("张三") == "张*"
    assert masking.mask_name("欧阳明华") == "欧***"
    assert masking.mask_name("李") == "*"


def test_phone_masked() -> None:
    assert masking.mask_phone("13812345678") == "138****5678"


def test_display_name_discloses_only_when_a_list_requires_it() -> None:
    disclosed = ["失信被执行人"]
    assert masking.display_name("张三", True) == "张*"
    assert masking.display_name("张三", True, ["严重失信主体名单"], disclosed) == "张*"
    assert masking.display_name("张三", True, ["失信被执行人"], disclosed) == "张三"
    assert masking.display_name("黑河市鑫源贸易有限公司", False) == "黑河市鑫源贸易有限公司"


# -- ID numbers inside free text (facts, content, remarks, petition replies) ---------------

@pytest.mark.parametrize("written, masked", [
    ("231102198001011237", "2311**********1237"),
    ("231102 19800101 1236", "2311**********1236"),  # wrong check digit: masked all the same
    ("231102-19800101-1237", "2311**********1237"),
    ("231102－19800101－1237", "2311**********1237"),
    ("23110219800101123x", "2311**********123x"),
    ("２３１１０２１９８００１０１１２３７", "２３１１**********１２３７"),
    ("231102800101123", "2311*******1123"),  # the old 15-digit form
])
def test_id_numbers_in_text_are_masked_in_every_written_form(written: str, masked: str) -> None:
    text = f"当事人（身份证号{written}）于2026年6月1日无证经营。"
    assert masking.mask_ids_in_text(text) == f"当事人（身份证号{masked}）于2026年6月1日无证经营。"


@pytest.mark.parametrize("text", [
    "黑市监处罚〔2026〕123号", "罚款人民币20000元", "统一社会信用代码91440300708461136T",
    "电话13800138000", "许可编号JY12311020012345", "2026-06-01 至 2027-05-31",
])
def test_other_numbers_are_left_alone(text: str) -> None:
    assert masking.mask_ids_in_text(text) == text
