"""The Summary sheet, the director's page: one table, one heatmap and one chart, on one printed page.

All words about scores and bands come from the template's rating scale; the chart is a native
Excel chart whose series point at the heatmap cells, and the page prints in whichever orientation
shows it larger.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...spec import Scale
from ...workbook.style import (
    CHART_COLOURS,
    CHART_GRID,
    LETTER,
    LINE_HEIGHT,
    NAVY,
    fit_height,
    footer,
    print_setup,
)
from ...workbook.xlsx_out import OutputBook
from ..scores import Instrument, key_of
from ..trends import InstrumentTrends, PartnershipTrend
from .styles import Styles
from .tallies import draw_choice_tables
from .trends import threshold_words

if TYPE_CHECKING:
    from ..core import Comparison

FIRST_WIDTH, OTHER_WIDTH = 30.0, 15.0
CHART_HEIGHT = 330
# The Summary prints on one page while it stays readable there (about this many rows).
ONE_PAGE_PARTNERSHIPS = 15
SMALLEST_ONE_PAGE_SCALE = 0.6
"""Below this print scale a one-page Summary is too small to read: it prints one page wide instead."""
MARGINS = {"left": 0.3, "right": 0.3, "top": 0.4, "bottom": 0.5}  # inches: narrower than the other sheets'


def band_words(scale: Scale) -> str:
    """'Highly effective 3.5 and above, Effective 2.5 to 3.5, ..., Ineffective below 1.5'."""
    parts = []
    for i, band in enumerate(scale.bands):
        if i == 0:
            parts.append(f"{band.label} {band.min:g} and above")
        elif i == len(scale.bands) - 1:
            parts.append(f"{band.label} below {scale.bands[i - 1].min:g}")
        else:
            parts.append(f"{band.label} {band.min:g} to {scale.bands[i - 1].min:g}")
    return ", ".join(parts)


def scale_notes(instrument: Instrument) -> list[str]:
    """How the scores of an instrument are computed, in words taken from its spec."""
    scale = instrument.scale
    levels = ", ".join(f"{level.label} = {level.score:g}" for level in scale.levels)
    lines = [f"{instrument.name}: each rating scores {levels}."]
    if scale.not_observed:
        lines.append(f"'{scale.not_observed}' and answers with problems are not counted.")
    lines.append(
        "An indicator's score is the mean of its criterion ratings over all raters; a partnership's overall "
        "score is the mean of its indicator scores."
    )
    if scale.bands:
        lines.append(f"Bands: {band_words(scale)}.")
    lines.append(
        f"An indicator is flagged for discussion when two raters are {scale.discuss_levels} or more levels apart "
        "on one of its criteria."
    )
    return lines


def _levels(gap: float) -> str:
    return f"{gap:g} level{'s' * (gap != 1)}"


def change_heading(t: InstrumentTrends) -> str:
    """'Change since Spring 2026' when every partnership's previous round is the same one."""
    before = {pt.previous.round for pt in t.partnerships if pt.previous is not None}
    return f"Change since {before.pop()}" if len(before) == 1 else "Change since previous round"


def _summary_cells(pt: PartnershipTrend, sides: tuple[str, ...], over_time: bool) -> list[Any]:
    """One row of the partnerships table; indicator scores themselves are in the heatmap below."""
    p = pt.latest
    strongest, weakest, disagreement = p.strongest, p.weakest, p.disagreement
    cells: list[Any] = [p.label, p.overall, p.band]
    if over_time:
        cells.append(pt.overall.change if pt.previous is not None else "First round")
    cells += [p.raters_by_side.get(side, 0) for side in sides] if sides else [p.raters]
    cells.append(strongest.indicator.label if strongest else "")
    cells.append(weakest.indicator.label if weakest else "")
    if disagreement is not None:
        cells.append(f"{disagreement.indicator.label} ({_levels(disagreement.rater_gap)})")
    else:
        cells.append("One rater only" if p.raters < 2 else "None: raters agree")
    return cells


class _Page:
    """The Summary sheet and the height of every row set so far, to choose how it prints."""

    # Printable area of a US Letter page in points with the margins below, (across, down).
    LANDSCAPE = (10.4 * 72, 7.3 * 72)
    PORTRAIT = (7.9 * 72, 9.8 * 72)

    def __init__(self, ws: Any, widths: list[float]) -> None:
        self.ws = ws
        self.widths = widths
        self.heights: dict[int, float] = {}
        self.blocks: list[int] = []  # first row of each instrument's block (several instruments)
        self.sections: list[int] = []  # first row of each part kept on one printed page if it fits

    def set_row(self, row: int, height: float) -> None:
        self.heights[row] = height
        self.ws.set_row(row, height)

    def print_setup(self, last_row: int, rows_of_partnerships: int, page_footer: str) -> None:
        """One page, in whichever orientation shows it larger, while that stays readable (a page's
        worth of partnerships, printed at SMALLEST_ONE_PAGE_SCALE or more); otherwise one page wide
        and as many long as needed, each instrument's block starting a new page."""
        across = sum(int(w * 7 + 0.5) + 5 for w in self.widths) * 0.75
        down = sum(self.heights.get(r, LINE_HEIGHT) for r in range(last_row + 1))

        def scale(page: tuple[float, float]) -> float:
            return min(page[0] / across, page[1] / down, 1.0)

        landscape = scale(self.PORTRAIT) <= scale(self.LANDSCAPE)
        one_page = (
            rows_of_partnerships <= ONE_PAGE_PARTNERSHIPS
            and max(scale(self.PORTRAIT), scale(self.LANDSCAPE)) >= SMALLEST_ONE_PAGE_SCALE
        )
        if not one_page:
            landscape = across > self.PORTRAIT[0]  # portrait holds more rows a page when the width fits
            page = self.LANDSCAPE if landscape else self.PORTRAIT
            breaks = self._breaks(last_row, page[1] / min(page[0] / across, 1.0))
            if breaks:
                self.ws.set_h_pagebreaks(breaks)
        print_setup(
            self.ws,
            footer=page_footer,
            landscape=landscape,
            paper=LETTER,
            margins=MARGINS,
            pages_tall=1 if one_page else 0,
            center=True,
        )
        self.ws.print_area(0, 0, last_row, len(self.widths) - 1)

    def _breaks(self, last_row: int, room: float) -> list[int]:
        """Rows that start a printed page: each instrument's block after the first, and a part (a
        heading with its table or chart) that would not fit in what is left of the page, so no
        heading is left at the foot of a page with its table on the next. ``room``: a page's height
        in the sheet's points."""

        def height(first: int, end: int) -> float:
            return sum(self.heights.get(r, LINE_HEIGHT) for r in range(first, end))

        starts = sorted(set(self.sections) | set(self.blocks))
        if not starts:
            return []
        forced = set(self.blocks[1:])
        breaks: list[int] = []
        used = height(0, starts[0])  # the title and the note above the first part
        for start, end in zip(starts, [*starts[1:], last_row + 1], strict=True):
            part = height(start, end)
            if start in forced or (used > 0 and used + part > room):
                breaks.append(start)
                used = 0.0
            used += part
        return breaks


def draw_summary(book: OutputBook, st: Styles, c: Comparison) -> None:
    ws = book.wb.add_worksheet("Summary")
    ws.hide_gridlines(2)
    results = [t for t in c.trends if t.partnerships]
    columns = max(
        [6 + max(len(t.instrument.sides), 1) + t.over_time for t in results]
        + [len(t.instrument.sides) + 2 for t in results if t.instrument.tallied]
        + [len(t.instrument.indicators) + 2 for t in results]
        + [len(t.rounds) + 1 for t in results if t.over_time]
        + [8]
    )
    widths = [FIRST_WIDTH] + [OTHER_WIDTH] * (columns - 1)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    page = _Page(ws, widths)
    last = columns - 1
    title = f"{results[0].instrument.name}: comparison" if len(results) == 1 else "Partnership comparison"
    ws.merge_range(0, 0, 0, last, title, st.title)
    page.set_row(0, 26)
    included = c.compiled - len(c.excluded)
    intro = (
        f"Compiled {c.compiled_at:%Y-%m-%d} from {c.compiled} workbook{'s' * (c.compiled != 1)}: {included} in the "
        f"scores, {len(c.excluded)} excluded with problems (see Problems), {c.unreadable} unreadable."
    )
    if c.candidates:
        n = len(c.candidates)
        intro += f" {n} candidate table{'s' * (n != 1)}: see Candidates."
    ws.merge_range(1, 0, 1, last, intro, st.note)
    page.set_row(1, fit_height(intro, sum(widths)))
    row = 2
    if not results:
        ws.write_string(row, 0, "No rated assessments among the inputs.", st.note_plain)
        row += 1
    for t in results:
        if len(results) > 1:  # several instruments: each block is headed by its name
            page.blocks.append(row)
            ws.merge_range(row, 0, row, last, t.instrument.name, st.subheading)
            page.set_row(row, fit_height(t.instrument.name, sum(widths), bold=True))
            row += 1
        row = _instrument_block(book, st, page, t, row)
    page_footer = footer(f"partnersheet {c.tool_version}", f"Compiled {c.compiled_at:%Y-%m-%d}")
    page.print_setup(row, sum(len(t.partnerships) * (1 + t.over_time) for t in results), page_footer)


def _instrument_block(book: OutputBook, st: Styles, page: _Page, t: InstrumentTrends, row: int) -> int:
    ws, widths = page.ws, page.widths
    instrument = t.instrument
    scale, sides = instrument.scale, instrument.sides
    over_time = t.over_time
    latest = [pt.latest for pt in t.partnerships]
    last = len(widths) - 1
    words = f"Bands: {band_words(scale)}. " if scale.bands else ""
    words += (
        "Strongest and weakest are the highest and lowest indicator scores (all scores are in the heatmap); the "
        "largest disagreement is the widest gap between two raters on one criterion (details on Indicators)."
    )
    if over_time:
        words += (
            " Each partnership is shown at its latest round, with the change of its overall score since its "
            f"previous round: ▲ ▼ a change that counts, △ ▽ one that does not. {threshold_words(t)} "
            "Every round, indicator by indicator, is on the Trends sheet."
        )
    page.sections.append(row)  # the block's note goes with its first table
    ws.merge_range(row, 0, row, last, words, st.note)
    page.set_row(row, fit_height(words, sum(widths)))
    row += 2
    ws.merge_range(row, 0, row, last, "Partnerships", st.section)
    row += 1
    headers = ["Partnership", "Overall score", "Band"] + ([change_heading(t)] if over_time else [])
    headers += [f"{side} raters" for side in sides] if sides else ["Raters"]
    headers += ["Strongest indicator", "Weakest indicator", "Largest disagreement"]
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, st.header)
    page.set_row(row, max(fit_height(text, width, bold=True) for text, width in zip(headers, widths, strict=False)))
    for pt in t.partnerships:
        row += 1
        p = pt.latest
        cells = _summary_cells(pt, sides, over_time)
        fmts = [st.mid_bold, st.big_score, st.band_cell(scale, p.band)]
        if over_time:
            fmts.append(st.change_called if pt.overall.called else st.change_uncalled)
        fmts += [st.mid_count] * (len(cells) - len(fmts) - 3) + [st.mid_wrap] * 3
        height = LINE_HEIGHT + 3
        for col, (value, fmt) in enumerate(zip(cells, fmts, strict=True)):
            book.write_cell(ws, row, col, value, fmt)
            if isinstance(value, str):
                height = max(height, fit_height(value, widths[col]))
        page.set_row(row, height)
    row += 2
    if instrument.tallied:  # choices counted by side: what each side sees, beside the scores
        page.sections.append(row)
        row = draw_choice_tables(book, st, ws, page.set_row, widths, instrument, latest, row)
    page.sections.append(row)  # the heat map and its chart
    ws.merge_range(row, 0, row, last, "Indicator scores (colours run from the lowest level to the highest)", st.section)
    row += 1
    header_row = row
    labels = [ind.label for ind in instrument.indicators] + ["Overall"]
    ws.write_string(row, 0, "Partnership", st.header)
    for col, text in enumerate(labels, start=1):
        ws.write_string(row, col, text, st.header)
    page.set_row(row, max(fit_height(text, OTHER_WIDTH, 2, bold=True) for text in labels))
    first = row + 1
    for p in latest:
        row += 1
        book.write_cell(ws, row, 0, p.label, st.wrap_bold)
        for col, r in enumerate(p.indicators, start=1):
            book.write_cell(ws, row, col, r.score, st.score)
        book.write_cell(ws, row, len(labels), p.overall, st.score_bold)
        page.set_row(row, fit_height(p.label, widths[0], bold=True))
    st.score_scale(ws, first, 1, row, len(labels), scale)
    row += 2
    chart = book.wb.add_chart({"type": "column"})
    for j in range(len(instrument.indicators)):
        col = j + 1
        chart.add_series(
            {
                "name": ["Summary", header_row, col],
                "categories": ["Summary", first, 0, row - 2, 0],
                "values": ["Summary", first, col, row - 2, col],
                "fill": {"color": CHART_COLOURS[j % len(CHART_COLOURS)]},
                "border": {"none": True},
                "gap": 60,
            }
        )
    low, high = _frame_score_chart(chart, "Indicator scores by partnership", instrument, widths)
    # Alt text for screen readers: what the chart shows, and where the same numbers are as text.
    names = ", ".join(ind.label for ind in instrument.indicators)
    alt = (
        f"Column chart of {instrument.name} indicator scores by partnership, from {min(0.0, low):g} to "
        f"{high:g}, one column per indicator ({names}). The same scores are in the table above the chart."
    )
    options = {"x_offset": 0, "y_offset": 4, "object_position": 3, "description": alt}
    ws.insert_chart(row, 0, chart, options)
    row += math.ceil(CHART_HEIGHT / 20) + 1
    return _by_round(book, st, page, t, row) if over_time else row


def _by_round(book: OutputBook, st: Styles, page: _Page, t: InstrumentTrends, row: int) -> int:
    """The overall score of each partnership by round: a small table and a line chart drawn from it."""
    ws, widths = page.ws, page.widths
    scale, instrument = t.instrument.scale, t.instrument
    page.sections.append(row)  # the table and its line chart
    ws.merge_range(row, 0, row, len(widths) - 1, "Overall score by round", st.section)
    row += 1
    header_row = row
    ws.write_string(row, 0, "Partnership", st.header)
    for col, label in enumerate(t.rounds, start=1):
        ws.write_string(row, col, label, st.header)
    page.set_row(row, max(fit_height(text, OTHER_WIDTH, 2, bold=True) for text in t.rounds))
    first = row + 1
    for pt in t.partnerships:
        row += 1
        book.write_cell(ws, row, 0, pt.name, st.wrap_bold)
        scores = {key_of(p.round): p.overall for p in pt.rounds}
        for col, label in enumerate(t.rounds, start=1):
            book.write_cell(ws, row, col, scores.get(key_of(label)), st.score)
        page.set_row(row, fit_height(pt.name, widths[0], bold=True))
    st.score_scale(ws, first, 1, row, len(t.rounds), scale)
    row += 2
    chart = book.wb.add_chart({"type": "line"})
    for i, r in enumerate(range(first, row - 1)):
        colour = CHART_COLOURS[i % len(CHART_COLOURS)]
        chart.add_series(
            {
                "name": ["Summary", r, 0],
                "categories": ["Summary", header_row, 1, header_row, len(t.rounds)],
                "values": ["Summary", r, 1, r, len(t.rounds)],
                "line": {"color": colour, "width": 2.25},
                "marker": {"type": "circle", "size": 6, "fill": {"color": colour}, "border": {"color": colour}},
            }
        )
    low, high = _frame_score_chart(chart, "Overall score by round", instrument, widths)
    chart.show_blanks_as("span")
    alt = (
        f"Line chart of each partnership's overall {instrument.template.title} score by round, from "
        f"{min(0.0, low):g} to {high:g}, rounds in order: {', '.join(t.rounds)}; one line per partnership "
        f"({', '.join(pt.name for pt in t.partnerships)}). The same scores are in the table above the chart."
    )
    ws.insert_chart(row, 0, chart, {"x_offset": 0, "y_offset": 4, "object_position": 3, "description": alt})
    return row + math.ceil(CHART_HEIGHT / 20) + 1


def _frame_score_chart(chart: Any, title: str, instrument: Instrument, widths: Sequence[float]) -> tuple[float, float]:
    """Title, a score axis running over the scale's levels, legend and width: the same for every score chart.

    Returns the scale's lowest and highest score (the alt text names them)."""
    scores = [level.score for level in instrument.scale.levels]
    low, high = min(scores), max(scores)
    chart.set_title({"name": title, "name_font": {"size": 11, "color": NAVY}})
    chart.set_y_axis(
        {
            "min": min(0.0, low),
            "max": high,
            "major_unit": instrument.step,
            "num_format": "0",
            "major_gridlines": {"visible": True, "line": {"color": CHART_GRID}},
            "num_font": {"size": 9},
        }
    )
    chart.set_x_axis({"num_font": {"size": 9}})
    chart.set_legend({"position": "bottom", "font": {"size": 9}})
    chart.set_size({"width": sum(int(w * 7 + 0.5) + 5 for w in widths), "height": CHART_HEIGHT})
    return low, high
