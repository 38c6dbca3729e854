"""Every workbook the tool writes passes the rules of Microsoft's accessibility checker that can be
tested without Excel: a meaningful A1 on each visible sheet, alt text on every chart and image,
document title and subject, meaningful sheet names and no blank visible sheet, no merged cells in
tables people fill or filter, text contrast of at least 4.5:1 (WCAG) computed from the styles
written, and table header rows marked (frozen, repeated in print).

Each workbook is read from its XML parts directly, so the checks see what Excel sees.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import python_calamine
from lxml import etree
from written import WORKBOOKS, written_workbooks
from xlsxwriter.utility import quote_sheetname

from partnersheet.i18n import supported, tr
from partnersheet.spec.names import INSTRUCTIONS_SHEET

# The Instructions sheet, in every language the tool writes it in.
INSTRUCTIONS_NAMES = {tr(lang, INSTRUCTIONS_SHEET) for lang in supported()}
FORMS = [
    k
    for k in WORKBOOKS
    if k.startswith(("blank-", "personalised-", "prefilled-", "demo-blank-"))
    or k in ("demo-agreement-from-table", "demo-action-plan")
]
MIN_CONTRAST = 4.5
# Colours of theme slots as XlsxWriter's default theme (Office 2007) defines them: text 1 is dark.
THEME = {0: "FFFFFF", 1: "000000", 2: "EEECE1", 3: "1F497D"}
AUTO_TEXT, NO_FILL = "000000", "FFFFFF"


def local(el: Any) -> str:
    return etree.QName(el).localname


def children(el: Any, name: str) -> list[Any]:
    return [c for c in el if isinstance(c.tag, str) and local(c) == name]


def descendants(el: Any, name: str) -> list[Any]:
    return [c for c in el.iter(etree.Element) if local(c) == name]


def attr(el: Any, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (r:id and id alike)."""
    return next((v for k, v in el.attrib.items() if etree.QName(k).localname == name), None)


def cells_of(ref: str) -> tuple[int, int, int, int]:
    """'B2:D5' -> (first row, first col, last row, last col), 1-based."""

    def one(a1: str) -> tuple[int, int]:
        m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", a1)
        assert m, a1
        col = 0
        for ch in m.group(1):
            col = col * 26 + ord(ch) - 64
        return int(m.group(2)), col

    first, _, last = ref.partition(":")
    (r0, c0), (r1, c1) = one(first), one(last or first)
    return r0, c0, r1, c1


def overlaps(a: str, b: str) -> bool:
    ar0, ac0, ar1, ac1 = cells_of(a)
    br0, bc0, br1, bc1 = cells_of(b)
    return ar0 <= br1 and br0 <= ar1 and ac0 <= bc1 and bc0 <= ac1


@dataclass
class Sheet:
    name: str
    visible: bool
    merges: list[str]
    autofilter: str | None
    frozen_rows: int
    print_titles: str | None
    alt_texts: list[str | None]
    a1: Any
    has_values: bool


@dataclass
class Book:
    path: Path
    sheets: list[Sheet]
    title: str
    subject: str
    names: dict[str, str] = field(default_factory=dict)
    styles: Any = None


def parse(path: Path) -> Book:
    with zipfile.ZipFile(path) as zf:

        def xml(part: str) -> Any:
            return etree.fromstring(zf.read(part))

        def rels(part: str) -> dict[str, str]:
            folder, name = posixpath.split(part)
            rel_part = posixpath.join(folder, "_rels", name + ".rels")
            if rel_part not in zf.namelist():
                return {}
            return {
                r.get("Id"): posixpath.normpath(posixpath.join(folder, r.get("Target")))
                for r in descendants(xml(rel_part), "Relationship")
            }

        workbook = xml("xl/workbook.xml")
        targets = rels("xl/workbook.xml")
        defined = {}
        for d in descendants(workbook, "definedName"):
            key = d.get("name") if d.get("localSheetId") is None else f"{d.get('name')}#{d.get('localSheetId')}"
            defined[key] = d.text or ""
        core = xml("docProps/core.xml")
        title = next((e.text or "" for e in descendants(core, "title")), "")
        subject = next((e.text or "" for e in descendants(core, "subject")), "")
        values = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = []
        for index, s in enumerate(descendants(workbook, "sheet")):
            part = targets[attr(s, "id") or ""]
            ws = xml(part)
            merges = [m.get("ref") for m in descendants(ws, "mergeCell")]
            af = next((a.get("ref") for a in children(ws, "autoFilter")), None)
            pane = next(iter(descendants(ws, "pane")), None)
            frozen = int(float(pane.get("ySplit", "0"))) if pane is not None and pane.get("state") == "frozen" else 0
            alt: list[str | None] = []
            sheet_rels = rels(part)
            for d in descendants(ws, "drawing"):
                drawing = xml(sheet_rels[attr(d, "id") or ""])
                alt += [c.get("descr") for c in descendants(drawing, "cNvPr")]
            grid = values.get_sheet_by_name(s.get("name")).to_python(skip_empty_area=False)
            a1 = grid[0][0] if grid and grid[0] else None
            has_values = any(v not in (None, "") for row in grid for v in row)
            sheets.append(
                Sheet(
                    s.get("name"),
                    s.get("state") not in ("hidden", "veryHidden"),
                    merges,
                    af,
                    frozen,
                    defined.get(f"_xlnm.Print_Titles#{index}"),
                    alt,
                    a1,
                    has_values,
                )
            )
        return Book(path, sheets, title, subject, defined, xml("xl/styles.xml"))


@pytest.fixture(scope="session")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Book]:
    written = written_workbooks(tmp_path_factory.mktemp("written"))
    return {kind: parse(path) for kind, path in written.paths.items()}


def visible(book: Book) -> list[Sheet]:
    return [s for s in book.sheets if s.visible]


@pytest.mark.parametrize("kind", WORKBOOKS)
def test_document_title_and_subject(books: dict[str, Book], kind: str) -> None:
    book = books[kind]
    assert len(book.title) >= 10 and len(book.subject) >= 10, (book.title, book.subject)


@pytest.mark.parametrize("kind", WORKBOOKS)
def test_sheet_names_meaningful_and_no_blank_visible_sheet(books: dict[str, Book], kind: str) -> None:
    for sheet in books[kind].sheets:
        assert not re.fullmatch(r"(?i)sheet\s*\d*", sheet.name), sheet.name
    assert [s.name for s in visible(books[kind]) if not s.has_values] == []


@pytest.mark.parametrize("kind", [k for k in WORKBOOKS if k not in FORMS])
def test_a1_holds_meaningful_text_on_every_visible_sheet_of_reports(books: dict[str, Book], kind: str) -> None:
    for sheet in visible(books[kind]):
        assert isinstance(sheet.a1, str) and len(sheet.a1.strip()) >= 4, (sheet.name, sheet.a1)


@pytest.mark.parametrize("kind", FORMS)
def test_a1_holds_the_title_of_the_instructions_sheet(books: dict[str, Book], kind: str) -> None:
    instructions = next(s for s in books[kind].sheets if s.name in INSTRUCTIONS_NAMES)
    assert books[kind].sheets[0] is instructions
    assert instructions.a1 == books[kind].title


@pytest.mark.parametrize(
    "kind", ["blank-effectiveness", "blank-partnership-table", "blank-agreement", "blank-action-plan"]
)
def test_a1_holds_the_title_of_every_form_sheet(books: dict[str, Book], kind: str) -> None:
    for sheet in visible(books[kind]):
        assert isinstance(sheet.a1, str) and sheet.a1.strip(), sheet.name


@pytest.mark.parametrize("kind", WORKBOOKS)
def test_every_chart_and_image_has_alt_text(books: dict[str, Book], kind: str) -> None:
    for sheet in books[kind].sheets:
        for text in sheet.alt_texts:
            assert text and len(text) >= 20, (sheet.name, text)


def test_the_comparison_has_a_chart_to_check(books: dict[str, Book]) -> None:
    summary = next(s for s in books["comparison"].sheets if s.name == "Summary")
    assert "indicator scores by partnership" in (summary.alt_texts[0] or "")
    # over several rounds, a second chart: the overall score by round
    summary = next(s for s in books["comparison-rounds"].sheets if s.name == "Summary")
    assert len(summary.alt_texts) == 2 and "score by round" in (summary.alt_texts[1] or "")


@pytest.mark.parametrize("kind", FORMS)
def test_no_answer_cell_is_merged(books: dict[str, Book], kind: str) -> None:
    book = books[kind]
    answers = {n: ref for n, ref in book.names.items() if n.startswith("ps_")}
    assert answers
    merges = {s.name: s.merges for s in book.sheets}
    for name, ref in answers.items():
        sheet, _, cell = ref.lstrip("=").rpartition("!")
        sheet = sheet.strip("'").replace("''", "'")
        assert not any(overlaps(cell, m) for m in merges[sheet]), (name, ref)


@pytest.mark.parametrize("kind", [k for k in WORKBOOKS if k not in FORMS])
def test_tables_people_filter_have_no_merged_cells_and_marked_headers(books: dict[str, Book], kind: str) -> None:
    tables = [s for s in visible(books[kind]) if s.autofilter]
    assert tables or "board" in kind  # the board summary is one printed page, not a table to filter
    for sheet in tables:
        assert sheet.autofilter
        assert not any(overlaps(sheet.autofilter, m) for m in sheet.merges), (sheet.name, sheet.merges)
        header = cells_of(sheet.autofilter)[0]
        assert sheet.frozen_rows == header, sheet.name  # frozen just below the header row
        assert sheet.print_titles == f"{quote_sheetname(sheet.name)}!${header}:${header}", sheet.name
    names = {s.name for s in tables}
    expected = (
        {"Problems", "Files"}
        if "problems" in kind
        else {"Status", "Response rates"}
        if "status" in kind
        else set()
        if "board" in kind
        else {"Data", "Problems", "Evidence", "Indicators"}
    )
    if kind in ("comparison", "demo-comparison"):  # the samples hold a returned action plan
        expected |= {"Actions"}
    assert expected <= names


@pytest.mark.parametrize("kind", FORMS)
def test_form_headings_repeat_on_every_printed_page(books: dict[str, Book], kind: str) -> None:
    forms = [s for s in visible(books[kind]) if s.name not in INSTRUCTIONS_NAMES]
    assert forms and all(s.print_titles for s in forms)


# --- contrast ------------------------------------------------------------------------------------


def luminance(rgb: str) -> float:
    channels = [int(rgb[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colour(el: Any, default: str) -> str:
    """The RGB of a <color>/<fgColor>/<bgColor> element: rgb, a theme slot, or the default."""
    if el is None:
        return default
    if el.get("rgb"):
        return el.get("rgb")[-6:].upper()
    if el.get("theme") is not None:
        return THEME[int(el.get("theme"))]
    return default


def fill_colour(fill: Any, slot: str) -> str:
    pattern = next(iter(children(fill, "patternFill")), None)
    # A dxf's patternFill may omit patternType: solid is meant when it has a colour.
    if pattern is None or (pattern.get("patternType") in (None, "none") and not children(pattern, slot)):
        return NO_FILL
    return colour(next(iter(children(pattern, slot)), None), NO_FILL)


def font_colour(font: Any) -> str:
    return colour(next(iter(children(font, "color")), None), AUTO_TEXT)


def low_contrast(styles: Any) -> list[str]:
    fonts = descendants(next(iter(children(styles, "fonts"))), "font")
    fills = descendants(next(iter(children(styles, "fills"))), "fill")
    found = []
    for i, xf in enumerate(children(next(iter(children(styles, "cellXfs"))), "xf")):
        text = font_colour(fonts[int(xf.get("fontId", "0"))])
        back = fill_colour(fills[int(xf.get("fillId", "0"))], "fgColor")
        if contrast(text, back) < MIN_CONTRAST:
            found.append(f"cell style {i}: #{text} on #{back} ({contrast(text, back):.2f}:1)")
    for i, dxf in enumerate(descendants(styles, "dxf")):  # conditional formats
        font = next(iter(children(dxf, "font")), None)
        fill = next(iter(children(dxf, "fill")), None)
        text = font_colour(font) if font is not None else AUTO_TEXT
        back = fill_colour(fill, "bgColor") if fill is not None else NO_FILL
        if contrast(text, back) < MIN_CONTRAST:
            found.append(f"conditional style {i}: #{text} on #{back} ({contrast(text, back):.2f}:1)")
    return found


def scale_colours(path: Path) -> list[str]:
    """Fill colours of colour scales (heat maps), on which cell text is drawn in the automatic colour."""
    found = []
    with zipfile.ZipFile(path) as zf:
        for part in (n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")):
            for scale in descendants(etree.fromstring(zf.read(part)), "colorScale"):
                found += [colour(c, NO_FILL) for c in children(scale, "color")]
    return found


@pytest.mark.parametrize("kind", WORKBOOKS)
def test_text_contrast_at_least_4_5_to_1(books: dict[str, Book], kind: str) -> None:
    book = books[kind]
    assert low_contrast(book.styles) == []
    weak = [c for c in scale_colours(book.path) if contrast(AUTO_TEXT, c) < MIN_CONTRAST]
    assert weak == []


def test_contrast_check_finds_grey_on_pink() -> None:
    """The check is real: light grey text on the excluded rows' pink was 3.06:1."""
    styles = etree.fromstring(
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts><font><color theme="1"/></font><font><color rgb="FF7F7F7F"/></font></fonts>'
        '<fills><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="solid">'
        '<fgColor rgb="FFF2DCDB"/></patternFill></fill></fills>'
        '<cellXfs><xf fontId="0" fillId="0"/><xf fontId="1" fillId="1"/></cellXfs>'
        '<dxfs><dxf><font><color rgb="FF7F7F7F"/></font><fill><patternFill><bgColor rgb="FFF2DCDB"/>'
        "</patternFill></fill></dxf></dxfs></styleSheet>"
    )
    assert [line.split(":")[0] for line in low_contrast(styles)] == ["cell style 1", "conditional style 0"]
    assert round(contrast("7F7F7F", "F2DCDB"), 2) == 3.06
