"""Repeated-row tables (``layout = "table"``), seen through the agreement's four tables.

What a person sees is checked with openpyxl and the spec's TOML read here with tomllib (never
through partnersheet's loader or layout): each column's header above its cells, the row numbers,
the names, each column's own dropdown or limit, nothing merged. Rows are sorted and columns moved
the way a spreadsheet does it (values move, names stay); each record must come back whole.
"""

from __future__ import annotations

import re
import tomllib
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import covers, name_cells, rewrite_parts
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from test_sorted_rows import sort_rows

from partnersheet.intake.read import Submission, read_submission
from partnersheet.intake.validate import check_submission
from partnersheet.spec import SpecError, Template, load_template, parse_template
from partnersheet.spec.loader import TEMPLATES_DIR
from partnersheet.workbook.generate import generate_bytes

SHEET = "Agreement"
RAW = tomllib.loads((TEMPLATES_DIR / "agreement.toml").read_text(encoding="utf-8"))
TABLES = [s for s in RAW["sheets"][0]["sections"] if s["layout"] == "table"]
# What each column type must show in Excel: openpyxl's name for the data validation.
VALIDATION = {"choice": "list", "date": "date", "short_text": "textLength", "long_text": "textLength"}
# Required answers outside the tables, so a return is otherwise valid.
BASE = {
    "library_name": "Riverbend Public Library",
    "library_representative": "Ana Ruiz, outreach librarian",
    "partner_name": "County Health Department",
    "partner_representative": "Sam Lee, program manager",
    "theme": "Health literacy",
    "purpose": "Help adults find trustworthy health information.",
    "community_group": "Adults in the river wards",
    "start_date": date(2026, 3, 1),
    "review_date": date(2026, 9, 1),
}
# Three goals typed in rows 1, 2 and 4; row 3 left blank.
GOALS = {
    1: ("Hold six workshops", "Workshops held", "6", date(2026, 12, 1), "Ana"),
    2: ("Answer health questions", "Questions answered", "120", date(2026, 6, 30), "Sam"),
    4: ("Co-write a guide", "Guide published", "1", date(2026, 10, 15), "Ana and Sam"),
}
GOAL_COLUMNS = ("goal", "measure", "target", "due", "owner")


@pytest.fixture(scope="module")
def agreement() -> Template:
    return load_template("agreement")


def goal_answers() -> dict[str, Any]:
    return {f"goals__r{k}__{c}": v for k, row in GOALS.items() for c, v in zip(GOAL_COLUMNS, row, strict=True)}


def made(tmp_path: Path, agreement: Template, answers: dict[str, Any], name: str = "a.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(generate_bytes(agreement, answers=BASE | answers))
    return path


def read_ok(path: Path) -> Submission:
    sub = read_submission(path)
    assert isinstance(sub, Submission), sub
    return sub


def as_typed(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def goal_records(sub: Submission) -> dict[int, tuple[Any, ...]]:
    """Each goal row read back, as text, by record number; blank rows left out."""
    found = {}
    for k in range(1, 9):
        row = tuple(sub.value(f"goals__r{k}__{c}") for c in GOAL_COLUMNS)
        if any(v is not None and v != "" for v in row):
            found[k] = row
    return found


def expected_goals() -> dict[int, tuple[Any, ...]]:
    return {k: (g, m, t, d, o) for k, (g, m, t, d, o) in GOALS.items()}


def goal_block(path: Path) -> tuple[list[int], list[int]]:
    """The rows of the goals table and its columns, number column included, from the names."""
    cells = name_cells(path)
    rows = sorted(coordinate_to_tuple(cells[f"ps_goals__r{k}__goal"][1])[0] for k in range(1, 9))
    first = coordinate_to_tuple(cells["ps_goals__r1__goal"][1])[1]
    last = coordinate_to_tuple(cells["ps_goals__r1__owner"][1])[1]
    return rows, list(range(first - 1, last + 1))


# --- what a person sees -------------------------------------------------------------------------


def test_every_table_cell_has_a_name_its_column_header_a_row_number_and_its_own_validation(
    tmp_path: Path, agreement: Template
) -> None:
    path = made(tmp_path, agreement, {})
    cells = name_cells(path)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    validations = [(dv, str(dv.sqref)) for dv in ws.data_validations.dataValidation]
    merged = [range_boundaries(str(m)) for m in ws.merged_cells.ranges]
    assert len(TABLES) == 4
    for table in TABLES:
        assert table["rows"] >= 8
        top = None
        for k in range(1, table["rows"] + 1):
            for column in table["columns"]:
                sheet, ref = cells[f"ps_{table['id']}__r{k}__{column['id']}"]
                row, col = coordinate_to_tuple(ref)
                assert sheet == SHEET and ws.cell(row, col).protection.locked is False
                top = top or row - 1
                assert ws.cell(top, col).value == column["label"], (table["id"], column["id"])
                assert ws.cell(top, col).protection.locked is not False
                kinds = [dv for dv, refs in validations if ref in refs.split()]
                assert len(kinds) == 1 and kinds[0].type == VALIDATION[column["type"]], (ref, kinds)
                if column["type"] == "choice":
                    assert kinds[0].formula1 == f"list_{column['choices']}"
                assert not any(c0 <= col <= c1 and r0 <= row <= r1 for c0, r0, c1, r1 in merged), ref
            number = ws.cell(row, 2)
            assert number.value == str(k) and number.protection.locked is not False
        assert ws.cell(top, 2).value == "No."


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_agreement_prints_one_page_wide_two_tall_portrait_and_readable(
    tmp_path: Path, agreement: Template, lang: str
) -> None:
    """Fit to 1 page wide and at most 2 tall; the scale that takes, from the sheet's own row
    heights and column widths (Excel: 7 pixels a character plus 5), stays readable. Spanish
    texts are longer (taller rows): measured 71% in English, 67% in Spanish."""
    path = made(tmp_path, agreement.in_language(lang), goal_answers())
    sheet = RAW["translations"][lang]["Agreement"] if lang != "en" else SHEET
    with zipfile.ZipFile(path) as z:
        wb_xml = z.read("xl/workbook.xml").decode()
        sheet_xml = z.read("xl/worksheets/sheet2.xml").decode()
    assert f'name="{sheet}"' in wb_xml.split("<sheet ")[2]
    setup = re.search(r"<pageSetup [^>]*>", sheet_xml)[0]  # type: ignore[index]
    assert 'orientation="portrait"' in setup and 'fitToHeight="2"' in setup
    assert "fitToWidth" not in setup or 'fitToWidth="1"' in setup  # 1 wide is Excel's default
    assert '<pageSetUpPr fitToPage="1"/>' in sheet_xml
    assert "_xlnm.Print_Titles" in wb_xml and f"{sheet}!$1:$1" in wb_xml
    widths = [float(w) for w in re.findall(r'<col [^>]*width="([\d.]+)"', sheet_xml)]
    heights = {int(r): float(h) for r, h in re.findall(r'<row r="(\d+)"[^>]*?\sht="([\d.]+)"', sheet_xml)}
    last = max(int(r) for r in re.findall(r'<row r="(\d+)"', sheet_xml))
    width = sum(int(w * 7) for w in widths) * 0.75  # points; the 5 pixels of padding are in the stored width
    height = sum(heights.get(r, 15.0) for r in range(1, last + 1))
    page_width, page_height = (8.5 - 0.8) * 72, (11 - 1.1) * 72
    scale = min(page_width / width, 2 * page_height * 0.95 / height)
    assert len(heights) > 80 and height > 1500  # every row of the sheet was measured
    assert scale >= 0.65, scale


# --- reading tables back ------------------------------------------------------------------------


def test_typed_rows_read_back_and_blank_rows_are_not_errors(tmp_path: Path, agreement: Template) -> None:
    sub = read_ok(made(tmp_path, agreement, goal_answers()))
    assert check_submission(sub) == []
    assert goal_records(sub) == expected_goals()


@pytest.mark.parametrize("with_numbers", [True, False], ids=["whole-table", "answers-only"])
def test_sorted_table_rows_are_read_as_whole_records_without_a_problem(
    tmp_path: Path, agreement: Template, with_numbers: bool
) -> None:
    path = made(tmp_path, agreement, goal_answers())
    rows, cols = goal_block(path)
    cols = cols if with_numbers else cols[1:]
    before = name_cells(path)
    # Sort by goal text, Z to A (blank rows sort last, as in Excel): every filled row moves.
    sort_rows(path, SHEET, rows, cols, key=lambda v: str(v[1 if with_numbers else 0] or ""), reverse=True)
    assert name_cells(path) == before
    ws = openpyxl.load_workbook(path)[SHEET]
    goal_col = cols[1] if with_numbers else cols[0]
    assert [ws.cell(r, goal_col).value for r in rows[:3]] == [
        "Hold six workshops",
        "Co-write a guide",
        "Answer health questions",
    ]
    sub = read_ok(path)
    assert check_submission(sub) == []
    got = goal_records(sub)
    if with_numbers:  # each record keeps its number: r2 is still "Answer health questions"
        assert got == expected_goals()
    else:  # the numbers stayed: records are read where they are now, each one whole
        assert sorted(got.values()) == sorted(expected_goals().values())
        assert got[1][0] == "Hold six workshops" and got[2][0] == "Co-write a guide"


def test_moved_columns_are_read_under_their_headers(tmp_path: Path, agreement: Template) -> None:
    path = made(tmp_path, agreement, goal_answers())
    rows, cols = goal_block(path)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    target, owner = cols[3], cols[5]  # swap "Target" and "Owner", header and values
    for r in [rows[0] - 1, *rows]:
        a, b = ws.cell(r, target), ws.cell(r, owner)
        a.value, b.value = b.value, a.value
    wb.save(path)
    sub = read_ok(path)
    assert check_submission(sub) == []
    assert goal_records(sub) == expected_goals()


def test_an_edited_header_or_a_repeated_row_number_is_an_error_and_those_values_are_not_used(
    tmp_path: Path, agreement: Template
) -> None:
    path = made(tmp_path, agreement, goal_answers())
    rows, cols = goal_block(path)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ws.cell(rows[0] - 1, cols[2]).value = "Indicator"  # was "How it is measured"
    ws.cell(rows[3], cols[0]).value = "1"  # row 4 (filled) now says it is record 1 too
    wb.save(path)
    sub = read_ok(path)
    problems = {(p.code, p.cell) for p in check_submission(sub)}
    header = f"{openpyxl.utils.get_column_letter(cols[2])}{rows[0] - 1}"
    numbers = [f"{openpyxl.utils.get_column_letter(cols[0])}{r}" for r in (rows[0], rows[3])]
    assert ("label-mismatch", header) in problems
    assert any(code == "label-duplicated" and cell in numbers for code, cell in problems)
    assert all(f"goals__r{k}__measure" not in sub.values for k in range(1, 9))
    assert "Co-write a guide" not in [v.text for v in sub.values.values()]
    # The values not used are named by the one problem that explains why, in cell references (the same
    # in every language), and are kept as values outside the form (the Data sheet), not warned of again.
    filled = openpyxl.load_workbook(path)[SHEET]
    letter = openpyxl.utils.get_column_letter(cols[2])
    column = [f"{letter}{r}" for r in rows if filled.cell(r, cols[2]).value not in (None, "")]
    mismatch = next(p for p in check_submission(sub) if p.code == "label-mismatch" and p.cell == header)
    assert column and mismatch.context["unread_cells"] == column and ", ".join(column) in mismatch.message
    assert ", ".join(column) in mismatch.localised("es").local_message
    warned = {p.cell for p in check_submission(sub) if p.code == "stray-value"}
    assert not warned & set(column)
    kept = {v.cell for v in sub.strays}
    assert set(column) <= kept


@covers("row-incomplete")
def test_a_started_row_needs_its_required_columns(tmp_path: Path, agreement: Template) -> None:
    answers = goal_answers() | {"goals__r3__owner": "Ana", "roles__r2__responsibility": "Book the room"}
    sub = read_ok(made(tmp_path, agreement, answers))
    problems = check_submission(sub)
    got = sorted((p.code, p.field_id) for p in problems)
    # Row 3 of goals has only an owner: its goal and due date are missing; row 2 of roles lacks "who".
    assert got == [
        ("row-incomplete", "goals__r3__due"),
        ("row-incomplete", "goals__r3__goal"),
        ("row-incomplete", "roles__r2__who"),
    ]
    roles = next(p for p in problems if p.field_id == "roles__r2__who")
    assert roles.severity == "error" and "Book the room" in roles.message and roles.sheet == SHEET


def test_tables_are_found_by_their_headers_when_names_are_lost(tmp_path: Path, agreement: Template) -> None:
    path = made(tmp_path, agreement, goal_answers())
    rows, cols = goal_block(path)
    sort_rows(path, SHEET, rows, cols, key=lambda v: str(v[1] or ""), reverse=True)
    no_names = rewrite_parts(
        path,
        {"xl/workbook.xml": lambda b: re.sub(rb'<definedName name="ps_[^"]*"[^>]*>[^<]*</definedName>', b"", b)},
        tmp_path / "no-names.xlsx",
    )
    sub = read_ok(no_names)
    assert [p.code for p in check_submission(sub)] == ["names-missing"]
    assert goal_records(sub) == expected_goals()


# --- the spec format ----------------------------------------------------------------------------

SPEC = """
id = "t"
title = "T"
version = "1"
description = "A table."
return_to = "me"
[instructions]
sections = []
[[sheets]]
id = "s"
name = "Plan"
title = "Plan"
[[sheets.sections]]
id = "steps"
title = "Steps"
layout = "table"
rows = {rows}
columns = [{columns}]
"""
COLUMN = '{ id = "what", label = "What", type = "short_text", help = "h" }'


@pytest.mark.parametrize(
    ("rows", "columns", "key"),
    [
        (0, COLUMN, "rows"),
        (201, COLUMN, "rows"),
        (3, "", "columns"),
        (3, f"{COLUMN}, {COLUMN}", "columns"),
        (3, '{ id = "who", label = "Who", type = "short_text", help = "h", identity = "rater" }', "identity"),
    ],
    ids=["no-rows", "too-many-rows", "no-columns", "same-column-twice", "identity-in-a-table"],
)
def test_table_spec_mistakes_name_the_key(rows: int, columns: str, key: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_template(tomllib.loads(SPEC.format(rows=rows, columns=columns)), "t.toml")
    assert caught.value.key.endswith(key) and caught.value.message.startswith("t.toml: sheets[0].sections[0]")


def test_a_table_spec_makes_one_field_per_cell_with_the_row_in_its_label() -> None:
    t = parse_template(tomllib.loads(SPEC.format(rows=3, columns=COLUMN)), "t.toml")
    assert [f.id for f in t.fields] == ["steps__r1__what", "steps__r2__what", "steps__r3__what"]
    assert t.field("steps__r2__what").full_label == "Steps, row 2: What"
    assert t.field("steps__r2__what").row == 2
