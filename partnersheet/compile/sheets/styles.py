"""The formats of the comparison workbook, made once, in the colours of ``workbook/style.py``."""

from __future__ import annotations

from typing import Any

from ...spec import Scale
from ...types import registered_types
from ...workbook.style import (
    BAND_BORDER,
    BAND_FILL,
    EXCLUDED_FILL,
    FLAG_FILL,
    GRID,
    HIGH_COLOUR,
    LIGHT_FILL,
    LOW_COLOUR,
    MID_COLOUR,
    MUTED_TEXT,
    NAVY,
    NOTE_TEXT,
    WHITE,
)
from ...workbook.xlsx_out import OutputBook

BORDER = {"border": 1, "border_color": GRID, "valign": "top"}
# Number formats of a change between rounds (positive; negative; zero): arrows that a screen reader
# reads with the figure, and the cell stays a number.
CHANGE_CALLED = '"▲ "+0.00;"▼ "-0.00;"= "0.00'
CHANGE_UNCALLED = '"△ "+0.00;"▽ "-0.00;"= "0.00'


def _blend(a: str, b: str, t: float) -> str:
    x = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    y = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(p + (q - p) * t):02X}" for p, q in zip(x, y, strict=True))


def band_colour(scale: Scale, band: str) -> str:
    """The heatmap's colour at the band's position: best band green, worst red."""
    labels = [b.label for b in scale.bands]
    if band not in labels or len(labels) < 2:
        return WHITE
    t = labels.index(band) / (len(labels) - 1)
    colour = _blend(HIGH_COLOUR, MID_COLOUR, t * 2) if t <= 0.5 else _blend(MID_COLOUR, LOW_COLOUR, t * 2 - 1)
    return _blend(colour, WHITE, 0.35)


class Styles:
    """The formats of the comparison workbook, made once."""

    def __init__(self, book: OutputBook) -> None:
        add = book.wb.add_format
        self.wb = book.wb
        self.header = book.header
        self.date = book.date
        self.title = add({"bold": True, "font_size": 16, "font_color": NAVY, "valign": "vcenter"})
        self.section = add({"bold": True, "font_size": 12, "font_color": NAVY, "bottom": 2, "bottom_color": NAVY})
        self.subheading = add({"bold": True, "font_size": 12, "font_color": NAVY})
        self.note = add({"italic": True, "font_color": NOTE_TEXT, "text_wrap": True, "valign": "top"})
        self.note_plain = add({"italic": True, "font_color": NOTE_TEXT})
        self.text = add(BORDER)
        self.wrap = add({**BORDER, "text_wrap": True})
        self.wrap_bold = add({**BORDER, "text_wrap": True, "bold": True})
        self.label = add({**BORDER, "text_wrap": True, "bold": True, "bg_color": LIGHT_FILL})
        self.score = add({**BORDER, "num_format": "0.00"})
        self.score_bold = add({**BORDER, "num_format": "0.00", "bold": True})
        middle = {**BORDER, "valign": "vcenter"}
        self.big_score = add({**middle, "num_format": "0.00", "bold": True, "font_size": 12})
        self.mid_wrap = add({**middle, "text_wrap": True})
        self.mid_bold = add({**middle, "text_wrap": True, "bold": True})
        self.mid_count = add({**middle, "num_format": "0", "align": "center"})
        self.int = add({**BORDER, "num_format": "0"})
        self.general = add(BORDER)
        self.flag = add({**BORDER, "text_wrap": True, "bg_color": FLAG_FILL})
        self.gap_fill = add({"bg_color": FLAG_FILL, "bold": True})
        self.band = add(
            {"bold": True, "bg_color": BAND_FILL, "font_color": NAVY, "border": 1, "border_color": BAND_BORDER}
        )
        self.muted = add({**BORDER, "italic": True, "font_color": MUTED_TEXT})
        self.withheld = add({**BORDER, "italic": True, "font_color": MUTED_TEXT, "text_wrap": True, "font_size": 9})
        self.excluded_fill = add({"bg_color": EXCLUDED_FILL, "font_color": MUTED_TEXT})
        # Compiled answers keep the number format their field type has in the form.
        formats = {t.name: t.number_format for t in registered_types() if t.number_format and t.number_format != "@"}
        self.numbers = {k: add({**BORDER, "num_format": v}) for k, v in formats.items()}
        self.numbers_bold = {k: add({**BORDER, "num_format": v, "bold": True}) for k, v in formats.items()}
        # A change between rounds: a number shown with its arrow, filled when the change is called
        # (it counts), hollow and muted when it is not (too small, or too few raters in both rounds).
        self.change_called = add({**middle, "num_format": CHANGE_CALLED, "bold": True, "align": "center"})
        self.change_uncalled = add(
            {**middle, "num_format": CHANGE_UNCALLED, "italic": True, "font_color": MUTED_TEXT, "align": "center"}
        )
        self._bands: dict[tuple[str, str], Any] = {}

    def band_cell(self, scale: Scale, band: str) -> Any:
        key = (scale.id, band)
        if key not in self._bands:
            fill = band_colour(scale, band)
            props = {**BORDER, "valign": "vcenter", "text_wrap": True, "bold": True, "bg_color": fill}
            self._bands[key] = self.wb.add_format(props)
        return self._bands[key]

    def score_scale(self, ws: Any, r0: int, c0: int, r1: int, c1: int, scale: Scale) -> None:
        """Colour score cells from the scale's lowest level (red) to its highest (green)."""
        low = min(level.score for level in scale.levels)
        high = max(level.score for level in scale.levels)
        ws.conditional_format(
            r0,
            c0,
            r1,
            c1,
            {
                "type": "3_color_scale",
                "min_type": "num",
                "min_value": low,
                "mid_type": "num",
                "mid_value": (low + high) / 2,
                "max_type": "num",
                "max_value": high,
                "min_color": LOW_COLOUR,
                "mid_color": MID_COLOUR,
                "max_color": HIGH_COLOUR,
            },
        )
