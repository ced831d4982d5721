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
