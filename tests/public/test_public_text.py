"""Redaction and highlighting of free text shown on public pages."""

from __future__ import annotations

from types import SimpleNamespace

from webapp.services.profiles import highlight, redact_text

PERSON = SimpleNamespace(name="张三丰", is_natural_person=True)
COMPANY = SimpleNamespace(name="黑河市鑫源贸易有限公司", is_natural_person=False)


def test_id_numbers_never_whole_in_free_text():
    text = "当事人张三丰（231102198001011234）、李四（23110219900202111X）及旧证 231102800101123"
    shown = redact_text(text, PERSON, name_disclosed=False)
    assert "231102198001011234" not in shown and "2311**********1234" in shown
    assert "23110219900202111X" not in shown and "2311**********111X" in shown
    assert "231102800101123" not in shown and "2311*******1123" in shown
    assert "张三丰" not in shown and "张**" in shown


def test_names_kept_when_disclosed_or_an_organisation():
    text = "张三丰拒不履行判决，黑河市鑫源贸易有限公司为其担保"
    assert redact_text(text, PERSON, name_disclosed=True) == text
    assert redact_text(text, COMPANY, name_disclosed=False) == text


def test_document_numbers_and_amounts_are_not_taken_for_id_numbers():
    text = "黑市监处罚〔2026〕101号，罚款 20000 元，许可编号 WG2311020630858"
    assert redact_text(text, COMPANY, name_disclosed=False) == text


def test_highlight_escapes_text_and_query():
    marked = highlight("<b>鑫源</b> & 鑫源", "鑫源")
    assert str(marked) == "&lt;b&gt;<mark>鑫源</mark>&lt;/b&gt; &amp; <mark>鑫源</mark>"
    assert str(highlight("a<script>", "<script>")) == "a<mark>&lt;script&gt;</mark>"
    assert str(highlight("ABC abc", "abc")) == "<mark>ABC</mark> <mark>abc</mark>"
