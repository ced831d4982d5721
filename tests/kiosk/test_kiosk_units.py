"""The kiosk's pure parts: keyboard layouts and key presses, reading QR frames with zxing."""

from __future__ import annotations

import io

import pytest
import qrcode
from PIL import Image

from webapp.kiosk import keyboard as kb
from webapp.kiosk import scanner
from webapp.rules import uscc as uscc_rules

BASE = "https://xy.heihe.example"


def _valid_uscc() -> str:
    body = "91231102MA1B2C3D4"
    return body + uscc_rules.check_character(body)


def _png(text: str) -> bytes:
    out = io.BytesIO()
    qrcode.make(text, border=4).save(out, format="PNG")
    return out.getvalue()


def test_uscc_keypad_has_exactly_the_31_characters() -> None:
    keys = kb.LAYOUTS["uscc"].keys
    assert len(keys) == 31 and set(keys) == set(uscc_rules.ALPHABET)
    assert not set("IOSVZ") & set(keys)
    assert sorted(kb.LAYOUTS["letters"].keys) == [chr(c) for c in range(65, 91)]
    assert kb.LAYOUTS["digits"].keys == "1234567890"


@pytest.mark.parametrize(("value", "key", "expected"), [
    ("HH", "S", "HHS"), ("HHS", kb.BACKSPACE, "HH"), ("HHS", kb.CLEAR, ""),
    ("", kb.BACKSPACE, ""), ("hh", "s", "HHS"), ("HH", "<", "HH"), ("HH", "ab", "HH"),
    ("H<script>", None, "HSCRIPT"), ("ABCDE", "F", "ABCDE"),
])
def test_apply_key(value: str, key: str | None, expected: str) -> None:
    letters = kb.LAYOUTS["letters"].keys
    assert kb.apply_key(value, key, letters, 5 if expected == "ABCDE" else 30) == expected


def test_a_credit_code_qr_is_read_and_recognised() -> None:
    texts = scanner.decode_frame(_png(f"{BASE}/c/eyJhbGciOi.payload.sig"))
    assert texts == [f"{BASE}/c/eyJhbGciOi.payload.sig"]
    assert scanner.classify(texts[0], BASE) == scanner.Reading("code", "eyJhbGciOi.payload.sig")


def test_a_licence_qr_gives_its_uscc_and_a_foreign_code_url_is_not_ours() -> None:
    code = _valid_uscc()
    licence = f"http://www.gsxt.gov.cn/index.html?uniscid={code}&type=1"
    assert scanner.classify(scanner.decode_frame(_png(licence))[0], BASE) == \
        scanner.Reading("uscc", code)
    # Another site's /c/ path is not a credit code of ours; a wrong check character no USCC.
    assert scanner.classify("https://evil.example/c/abc", BASE).kind == "other"
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert scanner.classify(f"统一社会信用代码:{wrong}", BASE).kind == "other"


def test_frames_without_a_code_or_not_an_image() -> None:
    blank = io.BytesIO()
    Image.new("RGB", (320, 240), "white").save(blank, format="JPEG")
    assert scanner.decode_frame(blank.getvalue()) == []
    with pytest.raises(scanner.FrameError):
        scanner.decode_frame(b"not an image at all")
