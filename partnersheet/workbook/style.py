"""How every workbook the tool writes looks: the palette, row heights and the printed page.

The form writer (``generate.py``, ``layout.py``) and the report writers (the problems report, the
comparison) all take their colours, their row-height estimate and their page setup from here, so a
form and the report about it look like one family and cannot drift apart.

XlsxWriter cannot measure text: a row holding wrapped text gets a height estimated word by word
(``wrapped_lines``), at most Excel's limit of 409 points (``row_height``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

# --- the palette -----------------------------------------------------------------------------------
NAVY = "#1F3864"  # titles, headings, header rows
WHITE = "#FFFFFF"
BAND_FILL = "#D9E2F3"  # indicator bands, section bands
BAND_BORDER = "#8EA9DB"
GRID = "#D0D0D0"  # thin borders of table cells
LIGHT_FILL = "#F2F2F2"  # blank filler cells, labels
NOTE_TEXT = "#404040"  # notes, subtitles
MUTED_TEXT = "#595959"  # small print, excluded rows
INPUT_FILL = "#FFF7D6"  # answer cells a respondent types in
INPUT_BORDER = "#B89B3C"
PREFILLED_FILL = "#E7E6E6"  # answer cells filled in for the respondent, locked
PREFILLED_BORDER = "#A6A6A6"
FLAG_FILL = "#FCE4D6"  # flagged for discussion, large gaps
EXCLUDED_FILL = "#F2DCDB"  # rows of workbooks left out of the scores
# A score scale runs from red (lowest level) through yellow to green (highest).
LOW_COLOUR, MID_COLOUR, HIGH_COLOUR = "#F8696B", "#FFEB84", "#63BE7B"
# Chart series, one colour per indicator (repeating beyond eight), and the chart's gridlines.
CHART_COLOURS = ("#1F3864", "#2E75B6", "#9DC3E6", "#548235", "#A9D18E", "#BF9000", "#7F6000", "#C55A11")
CHART_GRID = "#D9D9D9"

# --- row heights -----------------------------------------------------------------------------------
LINE_HEIGHT = 15.0  # points per line of 11pt text
MAX_ROW_HEIGHT = 409.0  # points: Excel's limit


def row_height(points: float) -> float:
    """A row height Excel accepts: at most 409 points."""
    return min(points, MAX_ROW_HEIGHT)


@lru_cache(maxsize=65536)
def wrapped_lines(text: str, width: float, bold: bool = False) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide, word by word.

    A column's width counts digits; ordinary text runs about a fifth narrower, so a line holds
    about 1.2 x width characters; bold text about 1 x width.
    """
    per_line = max(int(width * (1.0 if bold else 1.2)), 6)
    lines = 0
    for paragraph in str(text).split("\n"):
        count, used = 1, 0
        for word in paragraph.split():
            if used and used + 1 + len(word) <= per_line:
                used += 1 + len(word)
            elif used:
                count, used = count + 1, len(word)
            else:
                used = len(word)
            while used > per_line:
                count, used = count + 1, used - per_line
        lines += count
    return lines


def lines_height(lines: float) -> float:
    """Points for ``lines`` lines of text, with a little room below (not capped)."""
    return lines * LINE_HEIGHT + 3


@lru_cache(maxsize=65536)  # a long sheet's rows repeat their names, labels and ratings
def fit_height(text: Any, width: float, min_lines: int = 1, bold: bool = False) -> float:
    """Row height in points for ``text`` wrapped in a column ``width`` characters wide, at least
    ``min_lines`` lines, at most Excel's 409 (a longer text scrolls inside its cell)."""
    return row_height(lines_height(max(wrapped_lines(str(text or ""), width, bold), min_lines)))


# --- the printed page ------------------------------------------------------------------------------
LETTER = 1  # XlsxWriter's paper index for US Letter
MARGINS: Mapping[str, float] = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.6}  # inches


def footer(left: str, right: str = "Page &P of &N") -> str:
    """A small-print footer: ``left`` at the left, ``right`` (by default the page count) at the right."""
    return f"&L&8{left}&R&8{right}"


def print_setup(
    ws: Any,
    *,
    footer: str,
    landscape: bool = True,
    paper: int | None = None,
    margins: Mapping[str, float] | None = None,
    pages_tall: int = 0,
    header: str | None = None,
    center: bool = False,
) -> None:
    """Set how a sheet prints: one page wide (``pages_tall`` pages long, 0 for as many as needed),
    in landscape or portrait, with a footer and optionally a paper size, margins, a header, and
    the sheet centred across the page."""
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    if paper is not None:
        ws.set_paper(paper)
    if margins is not None:
        ws.set_margins(**margins)
    if center:
        ws.center_horizontally()
    ws.fit_to_pages(1, pages_tall)
    ws.set_footer(footer)
    if header is not None:
        ws.set_header(header)
