"""Documents drawn as PDF: a list of blocks in, bytes out, with an embedded Unicode font.

The library is ReportLab (platypus), chosen by measurement over fpdf2 (the only other
maintained pure-Python candidate; an HTML-to-PDF engine would need system libraries the
README's install does not bring). One page of 60 lines in Latin and Cyrillic, DejaVu Sans
embedded, on this project's machine: ReportLab 6 ms (canvas) to 10 ms (platypus, with
tables), about 45 kB; fpdf2 2.8 50 ms with the parsed font copied from a template, 100-140 ms
parsing it for each document, about 20 kB. ReportLab parses the font once per process, so
every document after the first stays well under the 50 ms target; the 25 kB more per file do
not matter for a document sent once. benchmarks/bench_documents.py measures the real ones.

The font is DejaVu Sans (regular and bold, from Debian's fonts-dejavu-core 2.37, the Bitstream
Vera license in `fonts/LICENSE`): it has the Latin, Spanish and Cyrillic letters, and the
embedded subset makes every viewer draw the same glyphs.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

__all__ = ["Block", "Fields", "Grid", "Heading", "Text", "render"]

REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_lock = threading.Lock()


def _register_fonts() -> None:
    """Parse the packaged fonts once per process (the slow part of a first document)."""
    with _lock:
        known = pdfmetrics.getRegisteredFontNames()
        for name, filename in _FILES.items():
            if name in known:
                continue
            with resources.as_file(resources.files(__package__) / "fonts" / filename) as path:
                pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR,
                                      boldItalic=BOLD)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 0: the document's title


@dataclass(frozen=True)
class Text:
    text: str  # plain text; a line break starts a new line
    small: bool = False
    bold: bool = False


@dataclass(frozen=True)
class Fields:
    """Label and value pairs, one a row."""

    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Grid:
    """A table with a header row (and a last row in bold when `total`)."""

    head: Sequence[str]
    rows: Sequence[Sequence[str]]
    total: bool = False
    widths: Sequence[float] = field(default_factory=tuple)  # fractions of the width


Block = Heading | Text | Fields | Grid

_STYLES = {
    "title": ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=20, spaceAfter=6),
    "h1": ParagraphStyle("h1", fontName=BOLD, fontSize=12, leading=15, spaceBefore=8,
                         spaceAfter=3),
    "body": ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=12.5, spaceAfter=3),
    "bold": ParagraphStyle("bold", fontName=BOLD, fontSize=9.5, leading=12.5, spaceAfter=3),
    "small": ParagraphStyle("small", fontName=REGULAR, fontSize=8, leading=10.5, spaceAfter=2),
    "cell": ParagraphStyle("cell", fontName=REGULAR, fontSize=8.5, leading=10.5),
    "head": ParagraphStyle("head", fontName=BOLD, fontSize=8.5, leading=10.5),
}
_WIDTH = LETTER[0] - 1.5 * inch
SHORT_CELL = 16  # characters that fit any column without wrapping


def _para(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), _STYLES[style])


def _cell(text: str, style: str) -> Paragraph | str:
    """A short cell (an amount, a code) as a plain string, drawn in the table's font: laying
    out a paragraph for it would be most of the time a long session table takes."""
    return text if len(text) <= SHORT_CELL and "\n" not in text else _para(text, style)


def _table(rows: list[list[Paragraph]], widths: Sequence[float] | None,
           style: list[tuple[object, ...]]) -> Table:
    table = Table(rows, colWidths=[w * _WIDTH for w in widths] if widths else None,
                  hAlign="LEFT", repeatRows=0)
    # FONT: a cell's own font (Helvetica by default) is set even when a paragraph fills it.
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("FONT", (0, 0), (-1, -1), REGULAR),
                               ("LEFTPADDING", (0, 0), (-1, -1), 3),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 3), *style]))
    return table


def _flowables(block: Block) -> list[Flowable]:
    if isinstance(block, Heading):
        return [_para(block.text, "title" if block.level == 0 else "h1")]
    if isinstance(block, Text):
        return [_para(block.text, "small" if block.small else "bold" if block.bold else "body")]
    if isinstance(block, Fields):
        rows = [[_para(label, "head"), _para(value, "cell")] for label, value in block.rows]
        return [_table(rows, (0.32, 0.68), [("LINEBELOW", (0, 0), (-1, -1), 0.25,
                                             colors.lightgrey)]), Spacer(1, 4)]
    head = [_para(cell, "head") for cell in block.head]
    body = [[_cell(cell, "head" if block.total and i == len(block.rows) - 1 else "cell")
             for cell in row] for i, row in enumerate(block.rows)]
    style: list[tuple[object, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("FONTSIZE", (0, 1), (-1, -1), _STYLES["cell"].fontSize)]
    if block.total:
        style.append(("FONT", (0, -1), (-1, -1), BOLD))
    return [_table([head, *body], block.widths or None, style), Spacer(1, 4)]


def render(blocks: Sequence[Block], title: str, lang: str) -> bytes:
    """The blocks as a US Letter PDF with the fonts embedded (`title` and `lang` go into the
    document's metadata)."""
    _register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, title=title, lang=lang,
                            author="massage-cost-bot", leftMargin=0.75 * inch,
                            rightMargin=0.75 * inch, topMargin=0.7 * inch,
                            bottomMargin=0.7 * inch,
                            # The canvas starts in the embedded font, not a standard one
                            # (Helvetica, not embedded, has no Cyrillic).
                            initialFontName=REGULAR)
    story: list[Flowable] = []
    for block in blocks:
        story += _flowables(block)
    doc.build(story)
    return buffer.getvalue()
