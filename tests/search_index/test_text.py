"""normalize keeps exactly the characters str.isalnum() accepts (after NFKC and case
folding), for every character of the Basic Multilingual Plane."""

from __future__ import annotations

import unicodedata

from search_index.text import normalize


def reference(text: str) -> str:
    """The definition: NFKC, case folding, then letters and digits only."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if c.isalnum())


def test_normalize_keeps_letters_and_digits_only_for_every_bmp_character():
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]
    assert [hex(ord(c)) for c in chars if normalize(c) != reference(c)] == []
    # Each character of the punctuation-first blocks next to a letter, a digit and an
    # ideograph: stripping punctuation first never changes what NFKC makes of the rest.
    fast = [c for c in chars if c < "\x80" or "\u3000" <= c <= "\u303f"
            or "\u4e00" <= c <= "\u9fff" or "\uff00" <= c <= "\uff60"
            or "\uffe0" <= c <= "\uffef"]
    for char in fast:
        for text in (f"a{char}b", f"１{char}２", f"黑{char}河", f"{char}{char}"):
            assert normalize(text) == reference(text), ascii(text)


def test_normalize_examples():
    assert normalize("黑河市（ＡＢＣ）食品_店 No.1") == "黑河市abc食品店no1"
    assert normalize("㍱ ① Ｉ") == "hpa1i"  # compatibility forms outside the fast blocks
    assert normalize("ｶﾞｽ") == "ガス"  # half-width kana compose under NFKC
