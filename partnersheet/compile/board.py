"""The board summary (``compile --board``): one printed page a library board and the partners can see.

Drawn from a comparison already made confidential (``confidential.shown``), whatever the mode of
the comparison itself, and showing only what a board needs: per partnership its latest round in
plain words (band, change since the round before, strongest and weakest indicator, and the answer
each side chose most to a question counted by side), raters per side as counts, a chart, what the
bands mean, and the resources each side committed from the partnership tables. No names, notes,
workbook ids or file names: it never reads them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..files import atomic_write
from ..workbook.style import CHART_COLOURS, CHART_GRID, LETTER, LINE_HEIGHT, NAVY, fit_height, footer, print_setup
from ..workbook.xlsx_out import OutputBook
from .candidates import BOTH_SIDES
from .core import Comparison
from .scores import InstrumentResult, PartnershipResult, key_of
from .sheets.styles import Styles
from .sheets.summary import band_words

SHEET = "Board summary"
ONE_PAGE = 8  # partnerships that print on one readable page
WIDTHS = (26, 12, 9, 17, 62)
CHART_HEIGHT = 260
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.4, "bottom": 0.5}


@dataclass(frozen=True)
class Finding:
    """A partnership's latest round, and the round before it when there is one."""

    latest: PartnershipResult
    previous: PartnershipResult | None


def findings(res: InstrumentResult) -> list[Finding]:
    """The latest round of each partnership (results come partner by partner, rounds in order)."""
    by_partner: dict[str, list[PartnershipResult]] = {}
    for p in res.partnerships:
        by_partner.setdefault(key_of(p.partner), []).append(p)
    return [Finding(ps[-1], ps[-2] if len(ps) > 1 else None) for ps in by_partner.values()]


def change_words(f: Finding) -> str:
    prev, now = f.previous, f.latest
    if prev is None or prev.overall is None or now.overall is None:
        return "First round rated."
    delta = now.overall - prev.overall
    since = f" since {prev.round}" if prev.round else " since the round before"
    moved = f"{'up' if delta > 0 else 'down'} {abs(delta):.2f}" if round(delta, 2) else "unchanged"
    band = f", from {prev.band} to {now.band}" if prev.band != now.band else f", still {now.band}"
    return f"Overall score {moved}{since}{band}."


def finding_words(f: Finding, top: float) -> str:
    """The plain-language finding of one partnership."""
    p = f.latest
    if p.overall is None:
        return "No ratings could be scored in this round."
    words = f"{p.band} overall: {p.overall:.2f} out of {top:g}."
    strongest, weakest = p.strongest, p.weakest
    if strongest is not None and weakest is not None and strongest is not weakest:
        words += (
            f" Strongest: {strongest.indicator.label} ({strongest.score or 0:.2f});"
            f" weakest: {weakest.indicator.label} ({weakest.score or 0:.2f})."
        )
    return f"{words} {change_words(f)}"


def build_board(c: Comparison) -> bytes:
    book = OutputBook("board summary")
    st = Styles(book)
    book.wb.set_properties(
        {
            "title": "Partnership results for the library board",
            "subject": "Partnership effectiveness, confidential summary",
            "author": "partnersheet",
            "created": c.compiled_at.replace(tzinfo=None),
        }
    )
    ws = book.wb.add_worksheet(SHEET)
    ws.hide_gridlines(2)
    results = [res for res in c.instruments if res.partnerships]
    sides = max((res.instrument.sides for res in results), key=len, default=())
    widths: list[float] = [*WIDTHS, *[10.0] * max(len(sides), 1)]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    last = len(widths) - 1
    ws.write_string(0, 0, "Partnership results", st.title)
    ws.set_row(0, 26)
    raters = sum(p.raters for res in results for p in res.partnerships)
    minimum = min((a.min_raters for a in c.applied.values() if not a.attributed), default=3)
    intro = (
        f"Prepared {c.compiled_at:%Y-%m-%d} from {raters} assessment{'s' * (raters != 1)}. Each score combines "
        "every rater of the partnership and round, from the library and from the partner; raters are counted "
        f"by side, never named (a side's own scores are shared only with at least {minimum} raters from it)."
    )
    book.merged_text(ws, 1, 0, 1, last, intro, st.note)
    ws.set_row(1, fit_height(intro, sum(widths)))
    row, shown = 3, 0
    for res in results:
        row, n = _instrument(book, st, ws, res, row, widths, sides)
        shown += n
    if not results:
        ws.write_string(row, 0, "No rated assessments among the inputs.", st.note_plain)
        row += 2
    row = _resources(book, st, ws, c, row, widths)
    ws.print_area(0, 0, row, last)
    page_footer = footer(f"Partnership results, {c.compiled_at:%Y-%m-%d}")
    print_setup(ws, footer=page_footer, paper=LETTER, margins=MARGINS, pages_tall=1 if shown <= ONE_PAGE else 0)
    return book.close()


def _instrument(
    book: OutputBook, st: Styles, ws: Any, res: InstrumentResult, row: int, widths: list[float], sides: tuple[str, ...]
) -> tuple[int, int]:
    scale = res.instrument.scale
    top = max(level.score for level in scale.levels)
    last = len(widths) - 1
    book.merged_text(ws, row, 0, row, last, res.instrument.name, st.section)
    row += 1
    headers = ["Partnership", "Latest round", "Score", "Band", "Finding"]
    headers += [f"{side} raters" for side in sides] if sides else ["Raters"]
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, st.header)
    ws.set_row(row, max(fit_height(t, w, bold=True) for t, w in zip(headers, widths, strict=False)))
    header = row
    found = findings(res)
    for f in found:
        row += 1
        p = f.latest
        words = " ".join([finding_words(f, top), *(s.words() for s in p.choices)])
        counts = [p.raters_by_side.get(side, 0) for side in sides] if sides else [p.raters]
        cells = [p.partner or p.label, p.round, p.overall, p.band, words, *counts]
        fmts = [st.mid_bold, st.mid_wrap, st.big_score, st.band_cell(scale, p.band), st.mid_wrap]
        fmts += [st.mid_count] * len(counts)
        for col, (value, fmt) in enumerate(zip(cells, fmts, strict=True)):
            book.write_cell(ws, row, col, value, fmt)
        texts = [(cells[0], widths[0]), (words, widths[4]), (p.band, widths[3])]
        ws.set_row(row, max(LINE_HEIGHT + 3, *(fit_height(t, w) for t, w in texts)))
    row += 1
    if scale.bands:
        bands = f"What the bands mean: {band_words(scale)} (scores run from {min(lv.score for lv in scale.levels):g}"
        bands += f" to {top:g}: {', '.join(f'{lv.label} = {lv.score:g}' for lv in scale.levels)})."
        book.merged_text(ws, row, 0, row, last, bands, st.note)
        ws.set_row(row, fit_height(bands, sum(widths)))
        row += 1
    row += 1
    chart = book.wb.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": "Overall score",
            "categories": [SHEET, header + 1, 0, header + len(found), 0],
            "values": [SHEET, header + 1, 2, header + len(found), 2],
            "fill": {"color": CHART_COLOURS[1]},
            "border": {"none": True},
            "gap": 60,
            "data_labels": {"value": True, "num_format": "0.00", "font": {"size": 9}},
        }
    )
    low = min(level.score for level in scale.levels)
    chart.set_title({"name": "Overall score, latest round", "name_font": {"size": 11, "color": NAVY}})
    chart.set_x_axis(
        {
            "min": min(0.0, low),
            "max": top,
            "major_unit": res.instrument.step,
            "num_format": "0",
            "major_gridlines": {"visible": True, "line": {"color": CHART_GRID}},
            "num_font": {"size": 9},
        }
    )
    chart.set_y_axis({"reverse": True, "num_font": {"size": 9}})
    chart.set_legend({"none": True})
    height = max(CHART_HEIGHT, 60 + 28 * len(found))
    chart.set_size({"width": sum(int(w * 7 + 0.5) + 5 for w in widths), "height": height})
    alt = (
        f"Bar chart of the overall {res.instrument.name} score of each partnership's latest round, on a "
        f"scale from {min(0.0, low):g} to {top:g}. The same scores are in the Score column of the table above."
    )
    ws.insert_chart(row, 0, chart, {"x_offset": 0, "y_offset": 4, "object_position": 3, "description": alt})
    return row + math.ceil(height / 20) + 2, len(found)


def _resources(book: OutputBook, st: Styles, ws: Any, c: Comparison, row: int, widths: list[float]) -> int:
    """Amounts each side would commit (dollars, hours), per organization and column of the
    partnership tables, summed over the tables returned."""
    totals: dict[tuple[str, str], dict[str, float]] = {}
    names: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for table in c.candidates:
        for section in table.sections:
            if section.heading == BOTH_SIDES:
                continue
            for item in section.rows:
                if item.total is None:
                    continue
                kinds.setdefault(item.label, item.kind)
                for org, value in zip(table.organizations, item.values, strict=False):
                    if isinstance(value, float):
                        names.setdefault(key_of(org), org)
                        per = totals.setdefault((key_of(org), section.heading), {})
                        per[item.label] = per.get(item.label, 0.0) + value
    if not totals:
        return row
    labels = list(kinds)[: len(widths) - 2]
    last = len(widths) - 1
    book.merged_text(ws, row, 0, row, last, "Resources committed (from the partnership tables)", st.section)
    row += 1
    headers = ["Organization", "As listed under", *labels]
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, st.header)
    ws.set_row(row, max(fit_height(t, w, bold=True) for t, w in zip(headers, widths, strict=False)))
    for org, heading in sorted(totals, key=lambda k: (names[k[0]].casefold(), k[1])):
        row += 1
        book.write_cell(ws, row, 0, names[org], st.wrap_bold)
        book.write_cell(ws, row, 1, heading, st.wrap)
        for col, label in enumerate(labels, start=2):
            book.write_cell(ws, row, col, totals[(org, heading)].get(label), st.numbers.get(kinds[label], st.general))
        texts = ((names[org], widths[0]), (heading, widths[1]))
        ws.set_row(row, max(fit_height(t, w, bold=True) for t, w in texts))
    return row + 1


def write_board(c: Comparison, path: Path, force: bool = False) -> Path:
    return atomic_write(path, build_board(c), force)
