"""The report's Chinese font: Noto Sans SC (OFL, from `pylopdf-fonts-zh-cn`) as TrueType.

reportlab embeds only TrueType outlines, and the packaged font has CFF outlines. So on first
use the OTF is subset to the characters a report needs (ASCII, GB 2312, CJK punctuation,
full-width forms) and its cubic curves converted to quadratic ones (fontTools cu2qu, the
otf2ttf recipe). The result is cached in the instance dir; reportlab then embeds a per-document
subset of it. Characters outside the set (rare GB 18030 ideographs) render as blanks.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path

import pylopdf_fonts_zh_cn
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont

FONT_NAME = "NotoSansSC"
SOURCE_OTF = Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf"
CACHE_NAME = "NotoSansSC-Regular-gb2312-v1.ttf"


def covered_text() -> str:
    """Every character the converted font keeps."""
    chars = {chr(c) for c in range(0x20, 0x7F)}
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    chars.update(chr(c) for c in range(0x3000, 0x3040))  # CJK symbols and punctuation
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width forms
    chars.update("·—‘’“”…※№℃×÷")
    return "".join(sorted(chars))


def _to_quadratic(font: TTFont) -> None:
    """otf2ttf (fontTools snippets): CFF outlines to glyf, metrics kept."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones",):
        setattr(maxp, attr, 1)
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.compile(font)
    post = font["post"]
    post.formatType = 3.0  # no glyph names: smaller, and reportlab does not need them
    font.sfntVersion = "\x00\x01\x00\x00"


def convert(target: Path) -> Path:
    """Build the TrueType subset at `target` (atomic rename, so concurrent workers agree)."""
    font = TTFont(str(SOURCE_OTF))
    options = subset.Options()
    options.layout_features = []  # reportlab does no shaping
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=covered_text())
    subsetter.subset(font)
    _to_quadratic(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".ttf.tmp")
    os.close(fd)
    font.save(tmp)
    os.replace(tmp, target)
    return target


def font_path(instance_dir: str | Path) -> Path:
    """The cached TrueType file, converted on first use."""
    target = Path(instance_dir) / "fonts" / CACHE_NAME
    if not target.exists():
        convert(target)
    return target


@cache
def _register(path: str) -> str:
    pdfmetrics.registerFont(ReportlabTTFont(FONT_NAME, path))
    return FONT_NAME


def ensure_font(instance_dir: str | Path) -> str:
    """Register the font with reportlab once per process; returns its name."""
    return _register(str(font_path(instance_dir)))
