"""The report as an A4 PDF (reportlab platypus): cover, sections, notes; on every page the
report number, "第 x 页 / 共 y 页" and a QR code linking to the verification page."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import qrcode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from webapp.services.clock import to_local
from webapp.services.reports.gather import EMPTY_TEXT, ReportData

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
QR_SIZE = 18 * mm
NOTES = (
    "本报告信息来源于{city}公共信用信息平台归集的公共信用信息，仅包含报告生成时依法公开的信息；"
    "已信用修复、已撤销、已过公示期的信息不在本报告中展示。",
    "标注“异议处理中”的信息，信息主体已提出异议，相关部门正在核实处理。",
    "自然人信息已按规定脱敏处理。",
    "报告使用者可登录{site}“报告核验”页面（{verify}），输入报告编号或扫描页面二维码，"
    "核验本报告的真实性；上传报告文件可核验其是否被改动。",
)
DISCLAIMER = (
    "免责声明：本报告仅反映截至数据截止时间的公共信用信息，不构成对信息主体的信用担保或评级结论。"
    "报告使用者应结合其他信息独立判断。未经信息主体同意，不得将本报告用于约定以外的用途。"
)


class _Styles:
    def __init__(self, font: str) -> None:
        base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
        self.body = base
        self.small = ParagraphStyle("small", parent=base, fontSize=8, leading=11)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=8, leading=11)
        self.title = ParagraphStyle("title", parent=base, fontSize=22, leading=30,
                                    alignment=1, spaceAfter=10 * mm)
        self.h1 = ParagraphStyle("h1", parent=base, fontSize=13, leading=18,
                                 spaceBefore=6 * mm, spaceAfter=3 * mm,
                                 textColor=colors.HexColor("#1a4f8b"),
                                 keepWithNext=1)  # never a heading alone at a page's foot


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _local(moment: datetime) -> str:
    return to_local(moment).strftime("%Y年%m月%d日 %H:%M:%S")


def _grid(font: str, header_rows: int = 1) -> TableStyle:
    commands: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#e8eef5")))
    return TableStyle(commands)


def _kv_table(rows: list[tuple[str, str]], st: _Styles, font: str, key_width: float = 35 * mm,
              ) -> Table:
    data = [[_p(k, st.cell), _p(v, st.cell)] for k, v in rows]
    table = Table(data, colWidths=[key_width, PAGE_W - 2 * MARGIN - key_width])
    table.setStyle(_grid(font, header_rows=0))
    return table


def _cover(data: ReportData, number: str, issued_at: datetime, st: _Styles, font: str,
           site: str) -> list[Any]:
    status = data.status.label + ("（守信激励对象）" if data.status.honoured else "")
    counts = [(title, f"{len(s.rows)} 条") for s in data.sections for title in [s.title]]
    return [
        Spacer(1, 20 * mm),
        _p("公共信用信息报告", st.title),
        _kv_table([
            ("报告编号", number),
            ("报告生成时间", _local(issued_at)),
            ("数据截止时间", _local(data.cutoff)),
            ("主体名称", data.name),
            ("统一社会信用代码", data.uscc),
            ("信用状况", f"{status}：{data.status.meaning}"),
            ("出具单位", site),
        ], st, font),
        _p("各部分信息条数", st.h1),
        _kv_table(counts, st, font, key_width=80 * mm),
        PageBreak(),
    ]


def _section(index: int, section: Any, st: _Styles, font: str) -> list[Any]:
    flow: list[Any] = [_p(f"{index}、{section.title}", st.h1)]
    if not section.rows:
        return [*flow, _p(EMPTY_TEXT, st.body)]
    header = [_p(h, st.cell) for h in ("序号", "文书号", "日期", "部门", "内容")]
    body = [
        # Short cells as plain strings: a Paragraph per cell is most of the layout time.
        [str(i), _p(r.doc_number, st.cell), r.date,
         _p(r.department, st.cell), _p(r.content, st.cell)]
        for i, r in enumerate(section.rows, 1)
    ]
    width = PAGE_W - 2 * MARGIN
    table = Table([header, *body], repeatRows=1,
                  colWidths=[10 * mm, 42 * mm, 20 * mm, 35 * mm, width - 107 * mm])
    table.setStyle(_grid(font))
    return [*flow, table]


def _story(data: ReportData, number: str, issued_at: datetime, font: str, site: str,
           city: str, verify_url: str) -> list[Any]:
    st = _Styles(font)
    story = _cover(data, number, issued_at, st, font, site)
    story += [_p("一、基本信息", st.h1),
              _kv_table([("主体名称", data.name), ("统一社会信用代码", data.uscc), *data.basic],
                        st, font)]
    for i, section in enumerate(data.sections, 2):
        story += _section(_chinese_number(i), section, st, font)
    story.append(_p(f"{_chinese_number(len(data.sections) + 2)}、信用状况提升建议", st.h1))
    story += [_p(f"{i}. {a}", st.body) for i, a in enumerate(data.advice, 1)]
    story.append(_p("说明", st.h1))
    story += [_p(f"{i}. {n.format(city=city, site=site, verify=verify_url)}", st.small)
              for i, n in enumerate(NOTES, 1)]
    story += [Spacer(1, 4 * mm), _p(DISCLAIMER, st.small)]
    return story


_DIGITS = "零一二三四五六七八九十"


def _chinese_number(n: int) -> str:
    if n <= 10:
        return _DIGITS[n]
    return ("" if n < 20 else _DIGITS[n // 10]) + "十" + (_DIGITS[n % 10] if n % 10 else "")


def _qr_image(url: str) -> ImageReader:
    qr = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(url)
    return ImageReader(qr.make_image().get_image().convert("1"))


def _canvas_class(font: str, number: str, qr: ImageReader, site: str) -> type:
    """A canvas that holds pages back until the total is known, then stamps every page."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # Without this every page names Helvetica, a font the PDF does not embed.
            kwargs["initialFontName"] = font
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for page in self._pages:
                self.__dict__.update(page)
                self._stamp(total)
                super().showPage()
            super().save()

        def _stamp(self, total: int) -> None:
            self.setFont(font, 8)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawString(MARGIN, PAGE_H - 12 * mm, f"{site} · 公共信用信息报告")
            self.drawRightString(PAGE_W - MARGIN - QR_SIZE - 3 * mm, PAGE_H - 12 * mm,
                                 f"报告编号：{number}")
            self.drawImage(qr, PAGE_W - MARGIN - QR_SIZE, PAGE_H - 8 * mm - QR_SIZE,
                           QR_SIZE, QR_SIZE)
            self.drawCentredString(PAGE_W / 2, 10 * mm,
                                   f"第 {self._pageNumber} 页 / 共 {total} 页")

    return NumberedCanvas


def render_pdf(data: ReportData, *, number: str, issued_at: datetime, font: str,
               site: str, city: str, verify_url: str) -> tuple[bytes, int]:
    """The PDF bytes and the page count."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
        topMargin=MARGIN + QR_SIZE, bottomMargin=MARGIN,
        title=f"公共信用信息报告 {number}", author=site, subject=data.name,
        creator=site,
    )
    story = _story(data, number, issued_at, font, site, city, verify_url)
    doc.build(story, canvasmaker=_canvas_class(font, number, _qr_image(verify_url), site))
    return buffer.getvalue(), doc.page
