"""Generated workbooks, opened with openpyxl and checked for what a person filling them meets."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from partnersheet.errors import OutputExists, PartnersheetError, UsageError
from partnersheet.spec import Field, Template, load_template
from partnersheet.workbook.generate import Personalisation, generate
from partnersheet.workbook.layout import layout_for

GenerateFn = Callable[..., Path]  # the make_workbook fixture

# The seed's "Measuring Partnership Effectiveness" table, word for word.
SEED_INDICATORS = {
    "Mission and beliefs": [
        "A shared mission and set of beliefs serve as guides for the work of the partnership.",
        "Collaboration among partner organizations is characterized by trust, mutual respect, and effective "
        "interaction.",
    ],
    "Shared goals for partnership": ["Are clear and measurable", "Address common needs", "Are mutually beneficial"],
    "Shared leadership": [
        "Share accountability for achieving partnership goals",
        "Share decision-making",
        "Participate in meetings",
    ],
    "Agendas and logistics": [
        "Jointly created and supported",
        "Pursue priorities that accomplish short-term objectives",
        "Are resourced (e.g., time, people, budget)",
    ],
    "Action plans": ["Articulate specific actions", "Provide timelines, roles, and responsibilities"],
    "Progress measures and assessments": [
        "Performance measures assess progress",
        "Data is used to assess partnership effectiveness.",
    ],
}
SEED_CONTINUUM = ("Highly effective", "Effective", "Somewhat effective", "Ineffective", "Not observed")
SEED_RUBRIC_HEADINGS = ["Indicators", "Criteria", "Range from highly effective to ineffective"]
# Worksheet 3's Building Community Partnership Table: sub-field labels, then the words a label must contain.
# fmt: off
SEED_SUBFIELDS = [
    "Pros", "Cons", "Key partnership criteria", "Overall fit with your library", "Overall fit with partner",
    "Community member group", "Community organization", "Your library", "Ability to address needs",
    "Roles/responsibilities", "Name of Community Organization 1", "Name of Community Organization 2",
    "Name of Community Organization 3",
]
SEED_SUBFIELD_WORDS = ["Financial", "Staff", "Other", "Commitment of resources"]
SEED_TABLE_TEXTS = [
    "Organization your library is interested in building a partnership with",
    "Possible actionable science theme of interest to the library and prospective organization",
    "Top three (3) organizations your library is interested in collaborating with",
    "What are the pros, cons, partnership criteria, and overall level of good fit with library?",
    "What does your library bring to the partnership? What are the pros, cons, partnership criteria, and overall "
    "level of good fit of library to the organization?",
    "Collectively, what are the definitions of success for the library, partners, and underserved audience?",
    "Overall Considerations",
]
SEED_THEMES = [
    "health literacy", "citizen science", "disaster preparedness", "digital inclusion", "financial literacy",
    "mental health awareness", "environmental conservation and restoration", "food insecurity",
    "drug addiction and overdosing", "Alzheimer patient-caregiver support", "other",
]
# fmt: on


def field_cell(wb: Workbook, f: Field) -> tuple[str, str]:
    """(sheet name, A1 address) of the one cell a field's defined name points at."""
    assert f.name in wb.defined_names, f"no defined name {f.name}"
    destinations = list(wb.defined_names[f.name].destinations)
    assert len(destinations) == 1, destinations
    sheet, ref = destinations[0]
    assert ":" not in ref, f"{f.name} points at a range {ref}"
    return sheet, ref.replace("$", "")


def validations(wb: Workbook, sheet: str) -> dict[str, DataValidation]:
    """Cell address -> the data validation covering it."""
    return {
        cell: dv
        for dv in wb[sheet].data_validations.dataValidation
        for rng in dv.sqref.ranges
        for cell in (f"{get_column_letter(col)}{row}" for row, col in rng.cells)
    }


def list_values(wb: Workbook, formula: str) -> tuple[str, ...]:
    """The values a list validation's named source resolves to."""
    name = formula.lstrip("=")
    (sheet, ref), *rest = wb.defined_names[name].destinations
    assert not rest
    return tuple(c.value for row in wb[sheet][ref.replace("$", "")] for c in row)


def cell_texts(wb: Workbook, sheet: str) -> list[str]:
    return [c.value for row in wb[sheet].iter_rows() for c in row if isinstance(c.value, str)]


def form_sheets(template: Template) -> list[str]:
    return [s.name for s in template.sheets]


@pytest.fixture
def blank(template: Template, make_workbook: GenerateFn) -> Workbook:
    return openpyxl.load_workbook(make_workbook(template))


def test_every_field_has_one_name_on_one_unlocked_cell_of_a_protected_sheet(
    template: Template, blank: Workbook
) -> None:
    sheet_names = {s.id: s.name for s in template.sheets}
    used: set[tuple[str, str]] = set()
    for f in template.fields:
        sheet, ref = field_cell(blank, f)
        assert sheet == sheet_names[f.sheet]
        assert (sheet, ref) not in used, f"{f.id} shares a cell"
        used.add((sheet, ref))
        assert blank[sheet][ref].protection.locked is False, f.id
        assert blank[sheet].protection.sheet is True
    names = {n for n in blank.defined_names if n.startswith("ps_")}
    assert names == {f.name for f in template.fields}


def test_no_input_cell_is_merged(template: Template, blank: Workbook) -> None:
    for f in template.fields:
        sheet, ref = field_cell(blank, f)
        assert not any(ref in rng for rng in blank[sheet].merged_cells.ranges), f.id


def test_dropdowns_resolve_to_the_spec_options(template: Template, blank: Workbook) -> None:
    listed = [f for f in template.fields if f.type in ("choice", "rating")]
    assert listed
    for f in listed:
        sheet, ref = field_cell(blank, f)
        dv = validations(blank, sheet)[ref]
        assert dv.type == "list"
        assert not dv.formula1.startswith('"'), "inline list"
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", dv.formula1), dv.formula1
        assert list_values(blank, dv.formula1) == template.options(f)


def test_input_messages_come_from_help_within_excel_limits(template: Template, blank: Workbook) -> None:
    for f in template.fields:
        sheet, ref = field_cell(blank, f)
        dv = validations(blank, sheet)[ref]
        assert dv.showInputMessage
        assert len(dv.promptTitle) <= 32 and len(dv.prompt) <= 255
        assert dv.promptTitle == f.input_title
        assert dv.prompt == f.input_message
        assert f.help in dv.prompt


def test_numbers_and_dates_have_matching_validation(template: Template, blank: Workbook) -> None:
    expected = {"currency": "decimal", "hours": "decimal", "integer": "whole", "date": "date"}
    checked = 0
    for f in template.fields:
        if f.type not in expected:
            continue
        sheet, ref = field_cell(blank, f)
        dv = validations(blank, sheet)[ref]
        assert dv.type == expected[f.type], f.id
        if f.min is not None:
            assert float(dv.formula1) == f.min
        if f.max is not None:
            assert float(dv.formula2) == f.max
        checked += 1
    assert checked


def test_sheet_order_and_visibility(template: Template, blank: Workbook) -> None:
    assert blank.sheetnames == ["Instructions", *form_sheets(template), "_lists", "_meta"]
    assert blank.active.title == "Instructions"
    states = {ws.title: ws.sheet_state for ws in blank.worksheets}
    assert states["_meta"] == "hidden" and states["_lists"] == "hidden"
    assert all(states[name] == "visible" for name in ["Instructions", *form_sheets(template)])


def test_print_setup_of_form_sheets(template: Template, blank: Workbook) -> None:
    for sl in layout_for(template).sheets:
        ws = blank[sl.sheet.name]
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert int(ws.page_setup.fitToWidth or 1) == 1  # OOXML's default for an absent fitToWidth is 1
        assert int(ws.page_setup.fitToHeight) == 0
        footer = " ".join(part.text or "" for part in (ws.oddFooter.left, ws.oddFooter.center, ws.oddFooter.right))
        assert template.id in footer and template.version in footer and "&P" in footer
        if sl.header_rows:
            assert ws.print_title_rows, "table headings are not repeated on each page"


def test_meta_sheet_and_properties_carry_identity(effectiveness: Template, make_workbook: GenerateFn) -> None:
    who = {"partner": "County Health Department", "rater": "A. Rivera", "side": "Library", "round": "Spring 2026"}
    wb = openpyxl.load_workbook(make_workbook(effectiveness, **who))
    meta = {row[0]: row[1] for row in wb["_meta"].iter_rows(min_row=2, values_only=True)}
    props = {p.name.removeprefix("partnersheet."): p.value for p in wb.custom_doc_props}
    t = effectiveness
    expected = {"template_id": t.id, "template_version": t.version, "spec_hash": t.spec_hash, **who}
    for key, value in expected.items():
        assert meta[key] == value and props[key] == value, key
    assert re.fullmatch(r"[0-9a-f-]{36}", meta["workbook_id"])
    assert props["workbook_id"] == meta["workbook_id"]


def test_rubric_has_the_seed_indicators_and_criteria(effectiveness: Template, make_workbook: GenerateFn) -> None:
    wb = openpyxl.load_workbook(make_workbook(effectiveness))
    texts = cell_texts(wb, "Rubric")
    dvs = validations(wb, "Rubric")
    for heading in SEED_RUBRIC_HEADINGS:
        assert heading in texts
    criteria = [c for group in SEED_INDICATORS.values() for c in group]
    assert len(SEED_INDICATORS) == 6 and len(criteria) == 15
    for indicator in SEED_INDICATORS:
        assert indicator in texts
    for criterion in criteria:
        assert criterion in texts, criterion
        cell = next(c for row in wb["Rubric"].iter_rows() for c in row if c.value == criterion)
        in_row = [dv for ref, dv in dvs.items() if re.fullmatch(rf"[A-Z]+{cell.row}", ref)]
        assert [dv.type for dv in in_row] == ["list"], f"no rating dropdown beside {criterion!r}"
        assert list_values(wb, in_row[0].formula1) == SEED_CONTINUUM


def test_partnership_table_has_the_worksheet_3_words(partnership_table: Template, make_workbook: GenerateFn) -> None:
    wb = openpyxl.load_workbook(make_workbook(partnership_table))
    texts = cell_texts(wb, "Partnership Table")
    stripped = [t.rstrip(": ") for t in texts]
    for label in SEED_SUBFIELDS:
        assert label in stripped, label
    for label in SEED_SUBFIELDS[:10]:
        assert stripped.count(label) >= 3, f"{label!r} is not in every organization block"
    for word in SEED_SUBFIELD_WORDS:
        assert sum(word.casefold() in t.casefold() for t in texts) >= 3, word
    for text in SEED_TABLE_TEXTS:
        assert any(text.casefold() == t.rstrip(": ").casefold() for t in texts), text


def test_theme_dropdown_offers_the_eleven_themes(partnership_table: Template, make_workbook: GenerateFn) -> None:
    wb = openpyxl.load_workbook(make_workbook(partnership_table))
    sheet, ref = field_cell(wb, partnership_table.field("theme"))
    offered = list_values(wb, validations(wb, sheet)[ref].formula1)
    assert [o.casefold() for o in offered] == [t.casefold() for t in SEED_THEMES]


@pytest.mark.parametrize(
    ("template_id", "who"),
    [
        ("effectiveness", {"partner": "Health Dept", "rater": "A. Rivera", "side": "Library", "round": "Round 1"}),
        ("partnership-table", {"library": "Riverside Public Library", "partner": "Food Bank", "rater": "J. Doe"}),
    ],
)
def test_identity_cells_are_prefilled_and_locked(
    template_id: str, who: dict[str, str], make_workbook: GenerateFn
) -> None:
    template = load_template(template_id)
    wb = openpyxl.load_workbook(make_workbook(template, **who))
    for key, value in who.items():
        f = template.identity_field(key)
        assert f is not None, key
        sheet, ref = field_cell(wb, f)
        assert wb[sheet][ref].value == value
        assert wb[sheet][ref].protection.locked is True
    sheet, ref = field_cell(wb, next(f for f in template.fields if f.identity is None))
    assert wb[sheet][ref].protection.locked is False


def test_same_inputs_give_the_same_bytes(effectiveness: Template, tmp_path: Path) -> None:
    who = Personalisation(partner="County Health Department", rater="A. Rivera")
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    first = generate(effectiveness, tmp_path / "a" / "e.xlsx", who).read_bytes()
    second = generate(effectiveness, tmp_path / "b" / "e.xlsx", who).read_bytes()
    assert first == second
    other = generate(effectiveness, tmp_path / "other.xlsx", Personalisation(partner="Food Bank")).read_bytes()
    assert other != first


def created_stamp(path: Path) -> str:
    core = zipfile.ZipFile(path).read("docProps/core.xml").decode()
    match = re.search(r"<dcterms:created[^>]*>([^<]+)<", core)
    assert match
    return match.group(1)


def test_source_date_epoch_sets_the_created_date(
    effectiveness: Template, make_workbook: GenerateFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    default = created_stamp(make_workbook(effectiveness, "default.xlsx"))
    epoch = 1_700_000_000
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    stamped = created_stamp(make_workbook(effectiveness, "stamped.xlsx"))
    assert stamped == datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert stamped != default


def test_existing_output_is_kept_without_force(effectiveness: Template, make_workbook: GenerateFn) -> None:
    path = make_workbook(effectiveness, partner="First")
    before = path.read_bytes()
    with pytest.raises(OutputExists) as info:
        make_workbook(effectiveness, partner="Second")
    assert str(path) in str(info.value) and "--" not in str(info.value)  # the library names no CLI flag
    assert path.read_bytes() == before
    make_workbook(effectiveness, partner="Second", force=True)
    assert path.read_bytes() != before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_output_is_written_atomically(effectiveness: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate(effectiveness, tmp_path / "ok.xlsx")
    assert [p.name for p in tmp_path.iterdir()] == ["ok.xlsx"]

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("partnersheet.files.os.replace", broken_replace)
    with pytest.raises(PartnersheetError):
        generate(effectiveness, tmp_path / "broken.xlsx")
    assert [p.name for p in tmp_path.iterdir()] == ["ok.xlsx"]


def test_output_must_be_xlsx(effectiveness: Template, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        generate(effectiveness, tmp_path / "e.xls")
    assert not list(tmp_path.iterdir())
