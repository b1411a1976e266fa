"""The one way the service writes a PDF: ReportLab, pure (content in, bytes out).

Two shapes:
- ``text_pdf(text)``: plain lines of 10pt Helvetica on A4, 60 lines a page (the debt letters,
  R-DEBT-2). Long lines wrap to the page's width.
- ``Document``: a titled document of headings, paragraphs, label/value lists and tables (the
  OPG annual report's copy for the client's file, issue 15, R-OPG).

Files are stored by their SHA-256 and deduplicated, so the same content must give the same bytes:
every PDF is written with ReportLab's ``invariant`` mode (a fixed creation date and document id)
and fixed metadata. Text is limited to what the standard fonts encode (Windows-1252: £ and the
accented letters of Western European names); anything else is written as "?".
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

LINES_PER_PAGE = 60
LEADING = 12
FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
FONT_SIZE = 10
LEFT = 50
TOP = 800
MARGIN = 18 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN
CREATOR = "ca_api"


def printable(text: str) -> str:
    """The text as the standard PDF fonts can show it: characters outside Windows-1252 become
    "?" (rather than a glyph missing or an error)."""
    return text.encode("cp1252", "replace").decode("cp1252")


def text_pdf(text: str, *, title: str = "") -> bytes:
    """The text as a PDF: each line at 10pt Helvetica, 60 lines a page, A4. Deterministic: the
    same text gives the same bytes."""
    width = A4[0] - 2 * LEFT
    lines: list[str] = []
    for raw in text.splitlines() or [""]:
        line = printable(raw.expandtabs(4))
        lines.extend(simpleSplit(line, FONT, FONT_SIZE, width) if line.strip() else [line])
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setCreator(CREATOR)
    canvas.setProducer(CREATOR)
    if title:
        canvas.setTitle(printable(title))
    for start in range(0, len(lines), LINES_PER_PAGE):
        page = canvas.beginText(LEFT, TOP)
        page.setFont(FONT, FONT_SIZE, LEADING)
        for line in lines[start : start + LINES_PER_PAGE]:
            page.textLine(line)
        canvas.drawText(page)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=FONT, fontSize=9, leading=11)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName=FONT_BOLD, fontSize=16),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=10, leading=13, spaceAfter=6),
        "h1": ParagraphStyle(
            "h1", parent=base["Heading2"], fontName=FONT_BOLD, fontSize=12, spaceBefore=10
        ),
        "h2": ParagraphStyle(
            "h2", parent=base["Heading3"], fontName=FONT_BOLD, fontSize=10, spaceBefore=6
        ),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10),
        "cell_bold": ParagraphStyle("cell_bold", parent=body, fontName=FONT_BOLD, fontSize=8),
    }


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: escaped (never read as markup), line breaks kept."""
    return Paragraph(escape(printable(text)).replace("\n", "<br/>"), style)


@dataclass
class Document:
    """A titled document built up in order, then written by ``to_pdf``.

    ``table`` takes plain strings; columns named in ``numeric`` are right-aligned (money), and
    ``total=True`` sets the last row in bold above a rule."""

    title: str
    subtitle: Sequence[str] = ()
    author: str = CREATOR
    _flow: list[Any] = field(default_factory=list)
    _styles: dict[str, ParagraphStyle] = field(default_factory=_styles)

    def heading(self, text: str, *, level: int = 1) -> Document:
        self._flow.append(_para(text, self._styles["h1" if level <= 1 else "h2"]))
        return self

    def paragraph(self, text: str) -> Document:
        self._flow.append(_para(text, self._styles["body"]))
        return self

    def key_values(self, pairs: Sequence[tuple[str, str]]) -> Document:
        """Label and value, two columns without rules (a reference, a period, a status)."""
        if not pairs:
            return self
        rows = [
            [_para(k, self._styles["cell_bold"]), _para(v, self._styles["cell"])] for k, v in pairs
        ]
        table = Table(rows, colWidths=[50 * mm, FRAME_WIDTH - 50 * mm], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        self._flow.append(table)
        return self

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        numeric: Sequence[int] = (),
        total: bool = False,
        empty: str = "None.",
        widths: Sequence[float] = (),
    ) -> Document:
        """A table with a header row, as wide as the page; ``widths`` are the columns' shares
        (equal when not given). ``empty`` is written instead when there are no rows."""
        if not rows:
            return self.paragraph(empty)
        cell, bold = self._styles["cell"], self._styles["cell_bold"]
        right = ParagraphStyle("cell_right", parent=cell, alignment=2)
        right_bold = ParagraphStyle("cell_right_bold", parent=bold, alignment=2)
        last = len(rows)  # index of the last row in the table (the header is row 0)

        def style_for(col: int, row: int) -> ParagraphStyle:
            strong = row == 0 or (total and row == last)
            if col in numeric:
                return right_bold if strong else right
            return bold if strong else cell

        data = [
            [_para(str(v), style_for(c, r)) for c, v in enumerate(values)]
            for r, values in enumerate([list(header), *[list(x) for x in rows]])
        ]
        shares = list(widths) or [1.0] * len(header)
        col_widths = [FRAME_WIDTH * w / sum(shares) for w in shares]
        table = Table(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT")
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
        ]
        if total:
            commands.append(("LINEABOVE", (0, last), (-1, last), 0.75, colors.black))
        table.setStyle(TableStyle(commands))
        self._flow.append(table)
        return self

    def space(self, height_mm: float = 3) -> Document:
        self._flow.append(Spacer(1, height_mm * mm))
        return self

    def to_pdf(self) -> bytes:
        """The document as PDF bytes, A4, page numbers in the footer. Deterministic."""
        out = io.BytesIO()
        title = printable(self.title)
        doc = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=title,
            author=printable(self.author),
            creator=CREATOR,
            producer=CREATOR,
            invariant=1,
        )
        head: list[Any] = [_para(self.title, self._styles["title"])]
        head += [_para(line, self._styles["subtitle"]) for line in self.subtitle]

        def footer(canvas: Canvas, _doc: Any) -> None:
            canvas.saveState()
            canvas.setFont(FONT, 7)
            canvas.drawString(MARGIN, 10 * mm, title)
            canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"Page {canvas.getPageNumber()}")
            canvas.restoreState()

        doc.build([KeepTogether(head), *self._flow], onFirstPage=footer, onLaterPages=footer)
        return out.getvalue()
