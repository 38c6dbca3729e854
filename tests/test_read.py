"""Reading returned workbooks: values with provenance, normalisation, moved cells, other formats.

Expected cells come from the workbook's own defined names as openpyxl sees them (or, for the
moved-cell cases, from names rewritten the way Excel rewrites them), never from partnersheet's layout.
"""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import (
    VALID_DATE,
    WHO,
    cell_of,
    fill,
    fingerprint,
    make_workbook,
    name_cells,
    rewrite_parts,
    set_cached_result,
    soffice_convert,
    valid_effectiveness_values,
    valid_table_values,
)
from openpyxl.utils import column_index_from_string, get_column_letter

from partnersheet.intake.read import Submission, Value, read_submission
from partnersheet.intake.validate import check_submission
from partnersheet.spec import Template, load_template
from partnersheet.workbook.layout import layout_for


def read_ok(path: Path) -> Submission:
    sub = read_submission(path)
    assert isinstance(sub, Submission), getattr(sub, "problem", sub)
    return sub


def expected_value(raw: Any) -> Any:
    """What a valid typed answer means once read: numbers as floats, dates as dates, text trimmed."""
    if isinstance(raw, bool):
        raise AssertionError("no booleans in these tests")
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, str):
        return " ".join(raw.split()) if raw.strip() else None
    return raw


def rating_fields(template: Template) -> list[str]:
    return [f.id for f in template.fields if f.type == "rating"]


def first_of_type(template: Template, ftype: str, **where: Any) -> str:
    return next(f.id for f in template.fields if f.type == ftype and all(getattr(f, k) == v for k, v in where.items()))


def filled_effectiveness(tmp_path: Path, eff: Template, name: str = "x.xlsx", **changes: Any) -> Path:
    path = make_workbook(tmp_path, eff, name, **WHO)
    values = valid_effectiveness_values(eff, **WHO) | changes
    return fill(path, values)


def assert_reads_everything(sub: Submission, path: Path, typed: dict[str, Any], cells: dict[str, tuple[str, str]]):
    """Every field is present, at the cell its defined name gives, with the typed value understood."""
    assert set(sub.values) == {f.id for f in sub.template.fields}
    for field_id, v in sub.values.items():
        assert (v.sheet, v.cell) == cells[f"ps_{field_id}"], field_id
        assert v.value == expected_value(typed.get(field_id)), field_id
        assert v.error is None and v.formula is None, field_id
    assert sub.file == str(path)


# --- a correct workbook ---------------------------------------------------------------------------


def test_correct_effectiveness_workbook_reads_every_value_with_provenance(tmp_path: Path, eff: Template) -> None:
    typed = valid_effectiveness_values(eff, **WHO) | {"overall_comments": "Going well."}
    path = fill(make_workbook(tmp_path, eff, **WHO), typed)
    sub = read_ok(path)
    assert_reads_everything(sub, path, typed, name_cells(path))
    for field_id in rating_fields(eff):
        assert sub.values[field_id].score == 4.0  # the first level, "Highly effective"
    assert check_submission(sub) == []


def test_correct_table_workbook_reads_every_value_with_provenance(tmp_path: Path, table: Template) -> None:
    typed = valid_table_values(table, library="Riverside Public Library")
    path = fill(make_workbook(tmp_path, table, library="Riverside Public Library"), typed)
    sub = read_ok(path)
    assert_reads_everything(sub, path, typed, name_cells(path))
    assert check_submission(sub) == []


def test_submission_carries_template_and_identity_from_the_workbook(tmp_path: Path, eff: Template) -> None:
    path = filled_effectiveness(tmp_path, eff)
    wb = openpyxl.load_workbook(path)
    meta = {row[0]: row[1] for row in wb["_meta"].iter_rows(min_row=2, values_only=True)}
    sub = read_ok(path)
    assert sub.template_id == meta["template_id"] == "effectiveness"
    assert sub.template_version == meta["template_version"] == eff.version
    assert sub.spec_hash == eff.spec_hash
    assert sub.workbook_id == meta["workbook_id"] and len(sub.workbook_id) == 36
    assert sub.identity["partner"] == "County Health Department"
    assert sub.identity["rater"] == "A. Rivera"
    assert sub.identity["side"] == "Library"
    assert sub.identity["round"] == "Spring 2026"
    assert sub.problems == []


# --- normalisation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "label", "score"),
    [
        ("  highly EFFECTIVE ", "Highly effective", 4.0),
        ("somewhat   effective", "Somewhat effective", 2.0),
        ("INEFFECTIVE", "Ineffective", 1.0),
        (" not observed ", "Not observed", None),
    ],
)
def test_rating_labels_match_without_regard_to_case_or_spaces(
    tmp_path: Path, eff: Template, typed: str, label: str, score: float | None
) -> None:
    field_id = rating_fields(eff)[0]
    path = filled_effectiveness(tmp_path, eff, **{field_id: typed})
    sub = read_ok(path)
    v = sub.values[field_id]
    assert (v.value, v.score, v.error) == (label, score, None)
    assert v.text == typed  # what the person typed is kept as typed
    assert (v.sheet, v.cell) == cell_of(path, field_id)
    assert check_submission(sub) == []


def test_choice_labels_and_text_are_trimmed(tmp_path: Path, eff: Template) -> None:
    path = filled_effectiveness(tmp_path, eff, side="  LIBRARY ", rater_organization="  Riverside   Library  ")
    sub = read_ok(path)
    assert sub.values["side"].value == "Library"
    assert sub.values["rater_organization"].value == "Riverside   Library"  # inner spaces are the person's
    assert check_submission(sub) == []


@pytest.mark.parametrize("typed", ["3", 3, 3.0, " 3 "])
def test_a_score_typed_instead_of_a_label_is_accepted(tmp_path: Path, eff: Template, typed: Any) -> None:
    field_id = rating_fields(eff)[-1]
    sub = read_ok(filled_effectiveness(tmp_path, eff, **{field_id: typed}))
    v = sub.values[field_id]
    assert (v.value, v.score, v.error) == ("Effective", 3.0, None)


@pytest.mark.parametrize(
    ("typed", "number"),
    [("1,200", 1200.0), ("$500", 500.0), ("$1,200.50", 1200.5), (" 750 ", 750.0), (1500, 1500.0), (99.5, 99.5)],
)
def test_amounts_typed_as_text_become_numbers(tmp_path: Path, table: Template, typed: Any, number: float) -> None:
    amount = first_of_type(table, "currency")
    typed_values = valid_table_values(table) | {amount: typed}
    path = fill(make_workbook(tmp_path, table), typed_values)
    sub = read_ok(path)
    v = sub.values[amount]
    assert v.value == number and isinstance(v.value, float)
    assert v.error is None
    assert (v.sheet, v.cell) == cell_of(path, amount)
    assert check_submission(sub) == []


@pytest.mark.parametrize("typed", ["6", "6 hours", 6])
def test_hours_typed_as_text_become_numbers(tmp_path: Path, table: Template, typed: Any) -> None:
    hours = first_of_type(table, "hours")
    sub = read_ok(fill(make_workbook(tmp_path, table), valid_table_values(table) | {hours: typed}))
    assert sub.values[hours].value == 6.0


@pytest.mark.parametrize(
    "typed", [VALID_DATE, datetime(2026, 3, 15), datetime(2026, 3, 15, 14, 30), "2026-03-15", " 2026-03-15 "]
)
def test_dates_are_accepted_as_dates_or_iso_text(tmp_path: Path, eff: Template, typed: Any) -> None:
    field_id = first_of_type(eff, "date")
    sub = read_ok(filled_effectiveness(tmp_path, eff, **{field_id: typed}))
    v = sub.values[field_id]
    assert v.value == date(2026, 3, 15) and type(v.value) is date
    assert v.error is None


# --- cells that moved -------------------------------------------------------------------------------


def _shift_names(wb: Any, rows: int = 0, cols: int = 0) -> None:
    """Move every ps_ name by rows/cols, as Excel and LibreOffice do when rows or columns are inserted."""

    def move(match: re.Match[str]) -> str:
        col = get_column_letter(column_index_from_string(match[1]) + cols)
        return f"${col}${int(match[2]) + rows}"

    for name, defined in wb.defined_names.items():
        if name.startswith("ps_"):
            defined.attr_text = re.sub(r"\$([A-Z]{1,3})\$(\d+)", move, defined.attr_text)


@pytest.mark.parametrize(("rows", "cols"), [(5, 0), (0, 2), (3, 1)])
def test_rows_or_columns_inserted_above_the_form_still_read_every_value(
    tmp_path: Path, eff: Template, rows: int, cols: int
) -> None:
    typed = valid_effectiveness_values(eff, **WHO) | {"overall_comments": "More meetings."}
    original = fill(make_workbook(tmp_path, eff, **WHO), typed)
    before = name_cells(original)
    wb = openpyxl.load_workbook(original)
    ws = wb["Rubric"]
    if rows:
        ws.insert_rows(1, rows)
    if cols:
        ws.insert_cols(1, cols)
    _shift_names(wb, rows, cols)
    moved = tmp_path / "moved.xlsx"
    wb.save(moved)

    after = name_cells(moved)
    for name, (sheet, cell) in before.items():  # the names really moved, by exactly the insertion
        row, col = openpyxl.utils.cell.coordinate_to_tuple(cell)
        assert after[name] == (sheet, f"{get_column_letter(col + cols)}{row + rows}")
    sub = read_ok(moved)
    assert_reads_everything(sub, moved, typed, after)
    assert check_submission(sub) == []


def test_a_renamed_form_sheet_still_reads_every_value(tmp_path: Path, eff: Template) -> None:
    typed = valid_effectiveness_values(eff, **WHO)
    original = fill(make_workbook(tmp_path, eff, **WHO), typed)
    wb = openpyxl.load_workbook(original)
    wb["Rubric"].title = "My ratings"
    for defined in wb.defined_names.values():  # Excel rewrites every reference to the sheet
        defined.attr_text = defined.attr_text.replace("Rubric!", "'My ratings'!")
    renamed = tmp_path / "renamed.xlsx"
    wb.save(renamed)

    cells = name_cells(renamed)
    assert {sheet for sheet, _ in cells.values()} == {"My ratings"}
    sub = read_ok(renamed)
    assert_reads_everything(sub, renamed, typed, cells)
    assert check_submission(sub) == []


def test_reordered_sheets_still_read_every_value(tmp_path: Path, table: Template) -> None:
    typed = valid_table_values(table)
    original = fill(make_workbook(tmp_path, table), typed)
    wb = openpyxl.load_workbook(original)
    wb.move_sheet("Partnership Table", offset=len(wb.sheetnames) - 2)
    assert wb.sheetnames[-1] == "Partnership Table"
    reordered = tmp_path / "reordered.xlsx"
    wb.save(reordered)
    sub = read_ok(reordered)
    assert_reads_everything(sub, reordered, typed, name_cells(reordered))


def _drop_names(path: Path, out: Path, rename: str | None = None) -> Path:
    wb = openpyxl.load_workbook(path)
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    if rename:
        wb["Rubric"].title = rename
    wb.save(out)
    return out


def test_lost_names_fall_back_to_spec_positions_with_a_warning(tmp_path: Path, eff: Template) -> None:
    typed = valid_effectiveness_values(eff, **WHO)
    original = fill(make_workbook(tmp_path, eff, **WHO), typed)
    generated_cells = name_cells(original)  # where the generator put every field
    nameless = _drop_names(original, tmp_path / "nameless.xlsx")
    assert name_cells(nameless) == {}

    sub = read_ok(nameless)
    assert_reads_everything(sub, nameless, typed, generated_cells)
    assert [(p.code, p.severity) for p in sub.problems] == [("names-missing", "warning")]
    assert [p.code for p in check_submission(sub)] == ["names-missing"]


def test_lost_names_and_a_renamed_sheet_still_read(tmp_path: Path, eff: Template) -> None:
    typed = valid_effectiveness_values(eff, **WHO)
    original = fill(make_workbook(tmp_path, eff, **WHO), typed)
    expected = {name: ("Ratings", cell) for name, (_, cell) in name_cells(original).items()}
    nameless = _drop_names(original, tmp_path / "nameless.xlsx", rename="Ratings")
    sub = read_ok(nameless)
    assert_reads_everything(sub, nameless, typed, expected)
    assert [p.code for p in check_submission(sub)] == ["names-missing"]


# --- formulas ---------------------------------------------------------------------------------------


def test_a_formula_in_an_input_cell_is_reported_and_its_cached_value_never_used(tmp_path: Path, eff: Template) -> None:
    field_id = rating_fields(eff)[2]
    path = filled_effectiveness(tmp_path, eff, **{field_id: '="Effective"'})
    sheet, cell = cell_of(path, field_id)
    set_cached_result(path, sheet, cell, "Effective")
    cached = openpyxl.load_workbook(path, data_only=True)[sheet][cell].value
    assert cached == "Effective"  # the file really carries a tempting cached result

    sub = read_ok(path)
    v = sub.values[field_id]
    assert v.formula == '="Effective"'
    assert v.value is None and v.score is None
    assert v.error == "formula-in-cell"
    problems = check_submission(sub)
    assert [(p.code, p.severity, p.sheet, p.cell, p.field_id) for p in problems] == [
        ("formula-in-cell", "error", sheet, cell, field_id)
    ]
    assert problems[0].value == '="Effective"'


def test_a_formula_in_a_number_cell_is_not_evaluated(tmp_path: Path, table: Template) -> None:
    amount = first_of_type(table, "currency")
    path = fill(make_workbook(tmp_path, table), valid_table_values(table) | {amount: "=1000+200"})
    sub = read_ok(path)
    v = sub.values[amount]
    assert (v.value, v.formula, v.error) == (None, "=1000+200", "formula-in-cell")


# --- other formats ----------------------------------------------------------------------------------


def _as_xlsm(path: Path, out: Path) -> Path:
    """What Excel writes for a macro-enabled workbook: another content type and a VBA project part."""
    main = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    macro = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"

    def content_types(xml: bytes) -> bytes:
        assert main in xml
        vba = b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
        return xml.replace(main, macro).replace(b"</Types>", vba + b"</Types>")

    def rels(xml: bytes) -> bytes:
        rel = (
            b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
            b'Target="vbaProject.bin"/>'
        )
        return xml.replace(b"</Relationships>", rel + b"</Relationships>")

    vba_project = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b'Attribute VB_Name = "ThisWorkbook"\x00' * 64
    return rewrite_parts(
        path,
        {"[Content_Types].xml": content_types, "xl/_rels/workbook.xml.rels": rels, "xl/vbaProject.bin": vba_project},
        out,
    )


def test_xlsm_reads_like_xlsx_and_macros_are_ignored(tmp_path: Path, eff: Template) -> None:
    typed = valid_effectiveness_values(eff, **WHO)
    path = fill(make_workbook(tmp_path, eff, **WHO), typed)
    xlsm = _as_xlsm(path, tmp_path / "x.xlsm")
    sub = read_ok(xlsm)
    assert_reads_everything(sub, xlsm, typed, name_cells(path))
    assert check_submission(sub) == []


def test_xlsm_that_is_just_a_renamed_xlsx_reads(tmp_path: Path, eff: Template) -> None:
    path = filled_effectiveness(tmp_path, eff)
    xlsm = shutil.copy(path, tmp_path / "copy.xlsm")
    assert check_submission(read_ok(Path(xlsm))) == []


def _convert(soffice: str, src: Path, fmt: str, outdir: Path, profile: Path) -> Path:
    out = soffice_convert(soffice, [src], fmt, outdir, profile) / f"{src.stem}.{fmt}"
    assert out.exists()
    return out


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["ods", "xlsx"])
def test_saved_by_libreoffice_reads_identically(tmp_path: Path, eff: Template, soffice: str, fmt: str) -> None:
    """LibreOffice's own .ods, and an .xlsx LibreOffice wrote (its names, its strings, its styles)."""
    field_id = rating_fields(eff)[1]
    typed = valid_effectiveness_values(eff, **WHO) | {
        "overall_comments": "Steady progress.",
        field_id: "  effective ",
        rating_fields(eff)[3]: 2,
    }
    path = fill(make_workbook(tmp_path, eff, **WHO), typed)
    ods = _convert(soffice, path, fmt, tmp_path / "converted", tmp_path / "profile")
    before = fingerprint(ods)

    from_xlsx, from_ods = read_ok(path), read_ok(ods)
    assert from_ods.file == str(ods)
    assert from_ods.workbook_id == from_xlsx.workbook_id
    assert from_ods.identity == from_xlsx.identity
    cells = name_cells(path)
    for field_id_, v in from_xlsx.values.items():
        w = from_ods.values[field_id_]
        assert (w.value, w.score, w.error, w.sheet, w.cell) == (v.value, v.score, v.error, v.sheet, v.cell)
        assert (w.sheet, w.cell) == cells[f"ps_{field_id_}"]
    assert from_ods.values[field_id].value == "Effective"
    assert from_ods.values[rating_fields(eff)[3]].value == "Somewhat effective"
    assert check_submission(from_ods) == []
    assert fingerprint(ods) == before


@pytest.mark.libreoffice
def test_ods_formula_in_an_input_cell_is_reported(tmp_path: Path, eff: Template, soffice: str) -> None:
    field_id = rating_fields(eff)[0]
    path = filled_effectiveness(tmp_path, eff, **{field_id: '="Effective"'})
    ods = _convert(soffice, path, "ods", tmp_path / "ods", tmp_path / "profile")
    sub = read_ok(ods)
    v = sub.values[field_id]
    assert v.error == "formula-in-cell" and v.value is None
    assert v.formula is not None and "Effective" in v.formula
    assert (v.sheet, v.cell) == cell_of(path, field_id)


# --- reading never touches the file -----------------------------------------------------------------


@pytest.mark.parametrize("broken", [False, True])
def test_reading_leaves_the_file_byte_for_byte_unchanged(tmp_path: Path, eff: Template, broken: bool) -> None:
    path = filled_effectiveness(tmp_path, eff, side="Both")  # an invalid answer: reading still only reads
    if broken:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    before = fingerprint(path)
    result = read_submission(path)
    if not broken:
        assert isinstance(result, Submission)
        check_submission(result)
    assert fingerprint(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.xlsx"]  # no lock or temp files left behind


def test_value_text_is_what_the_person_saw(tmp_path: Path, table: Template) -> None:
    amount = first_of_type(table, "currency")
    path = fill(make_workbook(tmp_path, table), valid_table_values(table) | {amount: 1500})
    v: Value = read_ok(path).values[amount]
    assert (v.text, v.raw, v.value) == ("1500", 1500.0, 1500.0)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1 March 2026", date(2026, 3, 1)),
        ("March 1, 2026", date(2026, 3, 1)),
        ("1 Mar 2026", date(2026, 3, 1)),
        ("03/01/2026", None),
        ("next Tuesday", None),
    ],
)
def test_dates_with_the_month_in_words_are_read_ambiguous_ones_refused(
    tmp_path: Path, eff: Template, typed: str, expected: date | None
) -> None:
    """03/01/2026 is March in the US and January elsewhere: refused, with a fix, rather than guessed."""
    values = valid_effectiveness_values(eff) | {"assessment_date": typed}
    sub = read_ok(fill(make_workbook(tmp_path, eff, "d.xlsx"), values, tmp_path / "filled.xlsx"))
    got = sub.values["assessment_date"]
    assert got.value == expected
    assert got.error == (None if expected else "not-a-date")


@pytest.mark.parametrize("template_id", ["effectiveness", "partnership-table"])
def test_lost_names_with_rows_inserted_above_and_inside_the_form_still_read(tmp_path: Path, template_id: str) -> None:
    """No names to follow: the title finds the form and each label finds its answer, even moved."""
    template = load_template(template_id)
    typed = (
        valid_effectiveness_values(template, **WHO) if template_id == "effectiveness" else valid_table_values(template)
    )
    original = fill(make_workbook(tmp_path, template), typed)
    before = name_cells(original)
    sheet = template.sheets[0].name
    # Insert above a label in the middle of the form, as a person adding a row above a section would.
    inputs = sorted(layout_for(template).inputs.values(), key=lambda i: i.label_row)
    middle = inputs[len(inputs) // 2].label_row + 1  # 1-based
    wb = openpyxl.load_workbook(original)
    ws = wb[sheet]
    ws.insert_rows(middle, 2)
    ws.insert_rows(1, 3)
    ws.insert_cols(1, 1)
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    moved = tmp_path / "moved-nameless.xlsx"
    wb.save(moved)

    expected = {}
    for name, (_, cell) in before.items():
        row, col = openpyxl.utils.cell.coordinate_to_tuple(cell)
        row += 2 if row >= middle else 0
        expected[name] = (sheet, f"{get_column_letter(col + 1)}{row + 3}")
    sub = read_ok(moved)
    assert_reads_everything(sub, moved, typed, expected)
    assert [p.code for p in check_submission(sub)] == ["names-missing"]
