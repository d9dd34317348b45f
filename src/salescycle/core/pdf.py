"""PDF documents of tables (the printable reports, spec §5.9), drawn by ReportLab's platypus.

One function, :func:`tables_pdf`, draws any report: a title, a few header lines and fields, then tables of texts
already formatted for the reader's language (the caller localizes numbers and dates). Texts are drawn as text, never
parsed as markup: every cell is escaped before it becomes a ``Paragraph``, so a name like ``<b>x</b>`` prints as
typed. The font is DejaVu Sans, vendored under ``static/salescycle/fonts/`` with its licence and embedded (subset)
in every PDF, so names outside Latin-1 (Dvořák, Łódź, Őry) print; ReportLab's own fonts cover Latin-1 only.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "salescycle" / "fonts"
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
MARGIN = 12 * mm
FONT_SIZE = 7.5


@dataclass(frozen=True)
class PdfTable:
    """A table to draw: an optional heading, the column captions, the rows and an optional total line (texts), and
    which columns are numbers (drawn right-aligned); ``empty`` is drawn instead of a table without rows."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: Sequence[bool] = ()
    heading: str = ""
    totals: Sequence[str] | None = None
    empty: str = ""


@dataclass(frozen=True)
class PdfDocument:
    """A document: its title, header lines (e.g. the filters), header fields (caption, text), its tables and the
    page footer (``%(page)s`` is the page number)."""

    title: str
    tables: Sequence[PdfTable]
    lines: Sequence[str] = ()
    fields: Sequence[tuple[str, str]] = ()
    footer: str = "%(page)s"
    author: str = "Salescycle"


@functools.cache
def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with ReportLab, once per process."""
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("cell", fontName=FONT, fontSize=FONT_SIZE, leading=FONT_SIZE + 1.5)
    return {
        "cell": base,
        "num": ParagraphStyle("num", parent=base, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD),
        "headnum": ParagraphStyle("headnum", parent=base, fontName=BOLD, alignment=TA_RIGHT),
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=18, spaceAfter=4),
        "h2": ParagraphStyle("h2", fontName=BOLD, fontSize=10, leading=13, spaceBefore=8, spaceAfter=3),
        "line": ParagraphStyle("line", fontName=FONT, fontSize=8, leading=10),
    }


def _text(value: str, style: ParagraphStyle) -> Paragraph:
    # escape(): a cell is text, never ReportLab markup (<b>, <a href>, <img>…), whatever the database holds.
    return Paragraph(escape(value), style)


def _widths(table: PdfTable, available: float) -> list[float]:
    """Column widths proportional to each column's longest text (caption included, sampled over the first 200
    rows, bounded to 4..40 characters)."""
    sample = [table.header, *table.rows[:200]]
    weights = [max(4, min(40, max(len(row[i]) for row in sample))) for i in range(len(table.header))]
    total = sum(weights)
    return [available * weight / total for weight in weights]


def _table(table: PdfTable, available: float, styles: dict[str, ParagraphStyle]) -> Table:
    numeric = list(table.numeric) or [False] * len(table.header)
    widths = _widths(table, available)
    # A text that fits its column is drawn as a plain string (never parsed; 3× faster than a Paragraph for the
    # 2,000-row lists), a longer one as an escaped Paragraph that wraps.
    fits = [int((width - 4) / (FONT_SIZE * 0.62)) for width in widths]

    def line(cells: Sequence[str], bold: bool = False) -> list[str | Paragraph]:
        if bold:
            return [_text(cell, styles["headnum" if numeric[i] else "head"]) for i, cell in enumerate(cells)]
        return [
            cell if len(cell) <= fits[i] else _text(cell, styles["num" if numeric[i] else "cell"])
            for i, cell in enumerate(cells)
        ]

    data = [line(table.header, bold=True), *(line(row) for row in table.rows)]
    if table.totals is not None:
        data.append(line(table.totals, bold=True))
    result = LongTable(data, colWidths=widths, repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, FONT_SIZE, FONT_SIZE + 1.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]
    style += [("ALIGN", (i, 0), (i, -1), "RIGHT") for i, number in enumerate(numeric) if number]
    if table.totals is not None:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black))
    result.setStyle(TableStyle(style))
    return result


def tables_pdf(document: PdfDocument) -> bytes:
    """``document`` as the bytes of a PDF (A4 landscape, DejaVu Sans embedded, the footer and page number on every
    page). Every text is drawn as given (escaped, never markup). Implements spec §5.9 (the reports as PDF)."""
    register_fonts()
    styles = _styles()
    output = io.BytesIO()
    doc = SimpleDocTemplate(
        output,
        pagesize=landscape(A4),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=document.title,
        author=document.author,
    )
    story: list[Any] = [_text(document.title, styles["title"])]
    story += [_text(text, styles["line"]) for text in document.lines]
    if document.fields:
        fields = Table(
            [[_text(label, styles["head"]), _text(value, styles["cell"])] for label, value in document.fields],
            colWidths=[45 * mm, doc.width - 45 * mm],
            hAlign="LEFT",
        )
        story.append(fields)
    for table in document.tables:
        if table.heading:
            story.append(_text(table.heading, styles["h2"]))
        else:
            story.append(Spacer(1, 4 * mm))
        if table.rows or table.totals is not None:
            story.append(_table(table, doc.width, styles))
        else:
            story.append(_text(table.empty, styles["line"]))

    def footer(canvas: Any, page_doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        text = f"{document.title} · {document.footer % {'page': page_doc.page}}"
        canvas.drawRightString(page_doc.pagesize[0] - MARGIN, MARGIN / 2, text)
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return output.getvalue()
