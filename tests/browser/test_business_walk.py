"""A business: opens its profile, downloads its credit report, and a partner verifies it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import picks
from harness import VIEWPORTS, Site, Visitor
from pyhanko.pdf_utils.generic import pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter


def _altered(pdf: bytes) -> bytes:
    """What an edit in a PDF tool makes: a later revision that changes what the file says."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info = writer.trailer["/Info"].get_object()
    info["/Subject"] = pdf_string("黑河市某某改名有限公司")
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _verdict(visitor: Visitor) -> tuple[str, str]:
    """The verdict heading's text and its colour class, read as a person sees the result."""
    heading = visitor.page.locator(".verify-result h2").first
    return heading.inner_text(), heading.get_attribute("class") or ""


def test_report_download_and_verification(site: Site, visitor: Visitor, tmp_path: Path) -> None:
    nth = [v.name for v in VIEWPORTS].index(visitor.viewport.name)
    shop = site.query(lambda: picks.business("yellow", nth))
    page = visitor.page
    visitor.visit(f"/subjects/{shop['id']}", "profile")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载信用报告").click()
    download = download_info.value
    number = re.search(r"XYBG\w+", download.suggested_filename)
    assert number, download.suggested_filename
    report = tmp_path / download.suggested_filename
    download.save_as(report)
    pdf = report.read_bytes()
    assert pdf.startswith(b"%PDF")

    # A partner types the number printed on the report.
    visitor.visit("/reports/verify", "verify page")
    page.get_by_label("报告编号").fill(number.group(0))
    page.get_by_role("button", name="核验").click()
    page.wait_for_load_state("load")
    visitor.check("verified by number")
    text, css = _verdict(visitor)
    assert "本站出具" in text and "verdict-ok" in css
    assert "文件" in visitor.text(".verify-result")  # says the file itself was not checked

    # The file alone: the number is read from it, and its signature checked.
    visitor.visit("/reports/verify", "verify page again")
    page.locator("input[type=file]").set_input_files(str(report))
    page.get_by_role("button", name="核验").click()
    page.wait_for_load_state("load")
    visitor.check("verified by file only")
    text, css = _verdict(visitor)
    assert "一致" in text and "不一致" not in text and "verdict-ok" in css
    result = visitor.text(".verify-result")
    assert number.group(0) in result and "签名" in result

    # An altered copy: the first thing the page says is that it does not match.
    altered = tmp_path / "altered.pdf"
    altered.write_bytes(_altered(pdf))
    visitor.visit("/reports/verify", "verify page, altered file")
    page.locator("input[type=file]").set_input_files(str(altered))
    page.get_by_role("button", name="核验").click()
    page.wait_for_load_state("load")
    visitor.check("altered file")
    text, css = _verdict(visitor)
    assert text.startswith("✗") and "不一致" in text and "verdict-bad" in css
    assert "本站出具的报告" not in text

    # Neither number nor file: an error summary, tied to the field.
    visitor.visit("/reports/verify", "verify page, empty")
    page.get_by_role("button", name="核验").click()
    page.wait_for_load_state("load")
    visitor.check("nothing entered")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert summary.evaluate("e => document.activeElement === e")

