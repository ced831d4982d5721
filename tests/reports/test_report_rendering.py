"""The PDF drawn by poppler without any system font: the embedded subset must carry the text."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import zxingcpp
from flask import Flask
from PIL import Image
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from report_pdf_tools import squash
from sqlalchemy.orm import Session

from webapp.models import Record, Subject
from webapp.services.reports import fonts, issue_report
from webapp.services.reports.signing import certificate_path

DPI = 72  # 1 px = 1 pt


def _render(pdf: bytes, page: int, tmp_path: Path, env: dict[str, str]) -> Image.Image:
    tool = shutil.which("pdftoppm")
    if tool is None:
        pytest.skip("pdftoppm not installed (apt-get install poppler-utils; `make sysdeps`)")
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run([tool, "-r", str(DPI), "-f", str(page), "-l", str(page), "-png",
                    "-singlefile", str(source), str(tmp_path / "page")], check=True, env=env)
    return Image.open(tmp_path / "page.png").convert("L")


def test_chinese_text_is_drawn_without_any_system_font(
    db_session: Session, make_subject: Callable[..., Subject], tmp_path: Path,
    no_cjk_fonts_env: dict[str, str],
) -> None:
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True,
                            env=no_cjk_fonts_env, check=False).stdout
    assert listed.strip() == ""  # the environment really has no Chinese font
    issued = issue_report(db_session, make_subject())
    page = _render(issued.pdf, 1, tmp_path, no_cjk_fonts_env)

    # The cover title "公共信用信息报告" alone on its line: Chinese glyphs only, no rules.
    mm = 72 / 25.4
    title_band = page.crop((int(60 * mm), int(56 * mm), int(150 * mm), int(68 * mm)))
    dark = sum(title_band.histogram()[:128])  # pixels darker than mid-grey
    assert dark > 500, "the title area is blank: the Chinese font was not embedded"


def test_fonts_are_embedded_subsets(
    db_session: Session, make_subject: Callable[..., Subject], tmp_path: Path,
) -> None:
    tool = shutil.which("pdffonts")
    if tool is None:
        pytest.skip("pdffonts not installed (apt-get install poppler-utils)")
    source = tmp_path / "report.pdf"
    source.write_bytes(issue_report(db_session, make_subject()).pdf)
    listing = subprocess.run([tool, str(source)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    assert listing
    for line in listing:
        name, emb, sub = line.split()[0], line.split()[-5], line.split()[-4]
        assert (emb, sub) == ("yes", "yes"), line
        assert "+" in name  # subset tag, e.g. AAAAAA+NotoSansSC


def test_every_page_qr_leads_to_the_verification_page(
    db_session: Session, make_subject: Callable[..., Subject], tmp_path: Path,
    no_cjk_fonts_env: dict[str, str],
) -> None:
    issued = issue_report(db_session, make_subject())
    for page_number in range(1, issued.issue.page_count + 1):
        page = _render(issued.pdf, page_number, tmp_path, no_cjk_fonts_env)
        found = zxingcpp.read_barcodes(page.resize((page.width * 3, page.height * 3)))
        texts = [barcode.text for barcode in found]
        assert texts == [f"http://localhost/reports/verify?no={issued.issue.number}"]


def test_500_records_make_a_long_report_with_right_page_numbers(
    db_session: Session, make_subject: Callable[..., Subject],
    make_record: Callable[..., Record], pdftotext: Callable[[bytes], str],
) -> None:
    subject = make_subject()
    records = [
        make_record(subject, doc_number=f"黑市监罚〔2025〕{n}号", title="罚款",
                    content="未按规定办理年度报告公示，责令改正并处罚款。")
        for n in range(1, 501)
    ]
    issued = issue_report(db_session, subject)
    pages = [squash(p) for p in pdftotext(issued.pdf).split("\f") if p.strip()]
    total = issued.issue.page_count

    assert total > 10
    assert len(pages) == total
    for n, page in enumerate(pages, 1):
        assert f"第{n}页/共{total}页" in page
    text = "".join(pages)
    for record in records:
        assert squash(record.doc_number) in text
    # The table header repeats on every page the penalty table runs over.
    table_pages = [p for p in pages if "黑市监罚〔2025〕" in p]
    assert len(table_pages) > 5
    assert all("序号文书号日期部门内容" in p for p in table_pages)
    assert issued.issue.section_counts["penalty"] == 500


def test_prepare_font_command_fills_the_cache(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["reports", "prepare-font"])
    assert result.exit_code == 0, result.output
    cached = Path(app.config["INSTANCE_DIR"]) / "fonts" / fonts.CACHE_NAME
    assert cached.exists()
    assert str(cached) in result.output


def test_report_carries_a_valid_pades_signature(
    app: Flask, db_session: Session, make_subject: Callable[..., Subject],
) -> None:
    issued = issue_report(db_session, make_subject())
    trust = ValidationContext(trust_roots=[
        load_cert_from_pemder(str(certificate_path(app.config["INSTANCE_DIR"])))
    ])
    signatures = PdfFileReader(io.BytesIO(issued.pdf)).embedded_signatures
    assert len(signatures) == 1
    status = validate_pdf_signature(signatures[0], trust)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE

    # One byte changed inside the signed content breaks the signature.
    at = issued.pdf.index(b"/Title")
    tampered = issued.pdf[:at] + b"/Titlf" + issued.pdf[at + 6:]
    broken = PdfFileReader(io.BytesIO(tampered), strict=False).embedded_signatures[0]
    assert not validate_pdf_signature(broken, trust).intact
