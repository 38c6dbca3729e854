"""Sorted and moved rows: every answer is read against the criterion text or label beside it.

Sorting rows (Data > Sort on the criteria of one indicator) moves the values and the criterion
texts, but the defined names ``ps_<field id>`` stay where they were, in Excel and in LibreOffice.
A person does it with openpyxl here (cell values moved, names untouched) and with LibreOffice's
own sort in the ``libreoffice`` test. Where each criterion stands afterwards is found by scanning
the sheet with openpyxl for its text, never through partnersheet's layout; expected scores are
computed here from the ratings typed.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import WHO, cell_of, covers, name_cells, set_meta, valid_effectiveness_values, valid_table_values
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter, quote_sheetname

from partnersheet.cli import cli
from partnersheet.compile.core import TIDY_KEYS, compile_paths
from partnersheet.intake.problems import Problem
from partnersheet.intake.read import Submission, read_submission
from partnersheet.intake.validate import check_submission
from partnersheet.spec import Template
from partnersheet.workbook.generate import generate_bytes, personalise

RUBRIC = "Rubric"
# The effectiveness scale written out here, so expected scores do not come from the code under test.
SCORE = {"Highly effective": 4, "Effective": 3, "Somewhat effective": 2, "Ineffective": 1}
GOALS = ("goals__clear_measurable", "goals__common_needs", "goals__mutually_beneficial")
# Sorted by rating, Z to A, these three all change rows: Somewhat, Ineffective, Highly.
GOALS_TYPED = dict(zip(GOALS, ("Ineffective", "Highly effective", "Somewhat effective"), strict=True))


# --- a person's workbook, and a person's sort ---------------------------------------------------


def rubric_workbook(
    tmp_path: Path, eff: Template, name: str, ratings: dict[str, str] | None = None, who: dict[str, str] = WHO
) -> Path:
    """An effectiveness workbook made with its answers in place (every required one valid)."""
    answers = valid_effectiveness_values(eff, **who) | GOALS_TYPED | (ratings or {})
    answers |= {"goals__evidence": "Goals reviewed at the March meeting."}
    path = tmp_path / name
    path.write_bytes(generate_bytes(eff, personalise(eff, who), answers=answers))
    return path


def answer_rows(path: Path, field_ids: Sequence[str]) -> tuple[list[int], int]:
    """The rows of some answers (from their names) and the column of the text left of them."""
    cells = [coordinate_to_tuple(cell_of(path, fid)[1]) for fid in field_ids]
    return sorted(r for r, _ in cells), cells[0][1] - 1


def sort_rows(
    path: Path, sheet: str, rows: Sequence[int], cols: Sequence[int], key: Callable[[list[Any]], Any], reverse: bool
) -> None:
    """Data > Sort on the block ``rows`` x ``cols``, as Excel does: values move, names stay put."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    block = [[ws.cell(r, c).value for c in cols] for r in rows]
    for r, values in zip(rows, sorted(block, key=key, reverse=reverse), strict=True):
        for c, value in zip(cols, values, strict=True):
            ws.cell(r, c).value = value
    wb.save(path)


def set_cells(path: Path, sheet: str, values: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(path)
    for ref, value in values.items():
        wb[sheet][ref] = value
    wb.save(path)


def row_of_text(path: Path, sheet: str, col: int, text: str) -> list[int]:
    """Every row whose cell in ``col`` reads ``text``, as a person scanning the column sees it."""
    ws = openpyxl.load_workbook(path)[sheet]
    return [cell.row for (cell,) in ws.iter_rows(min_col=col, max_col=col) if cell.value == text]


def sorted_goals(tmp_path: Path, eff: Template, name: str = "sorted.xlsx", **kw: Any) -> tuple[Path, list[int], int]:
    """A rubric whose Shared goals criteria were sorted by rating, Z to A (criterion text and rating)."""
    path = rubric_workbook(tmp_path, eff, name, **kw)
    rows, text_col = answer_rows(path, GOALS)
    before = name_cells(path)
    sort_rows(path, RUBRIC, rows, (text_col, text_col + 1), key=lambda v: v[1], reverse=True)
    assert name_cells(path) == before  # the names did not move: the situation this file is about
    return path, rows, text_col


def read_ok(path: Path) -> Submission:
    sub = read_submission(path)
    assert isinstance(sub, Submission), sub
    return sub


def codes(problems: Iterator[Problem] | list[Problem]) -> list[tuple[str, str]]:
    return [(p.code, p.severity) for p in problems]


def validate(*paths: Path) -> Any:
    return CliRunner().invoke(cli, ["validate", *map(str, paths)])


# --- by names, rows sorted -----------------------------------------------------------------------


@covers("rows-reordered")
@pytest.mark.parametrize(("by", "reverse"), [(1, True), (0, False)], ids=["rating-z-a", "criterion-a-z"])
def test_sorted_criteria_ratings_follow_their_criterion_text(tmp_path: Path, eff: Template, by: int, reverse: bool):
    path = rubric_workbook(tmp_path, eff, "sorted.xlsx")
    rows, text_col = answer_rows(path, GOALS)
    texts_before = {r: openpyxl.load_workbook(path)[RUBRIC].cell(r, text_col).value for r in rows}
    sort_rows(path, RUBRIC, rows, (text_col, text_col + 1), key=lambda v: v[by], reverse=reverse)
    ws = openpyxl.load_workbook(path)[RUBRIC]
    changed = [r for r in rows if ws.cell(r, text_col).value != texts_before[r]]
    assert changed, "the sort must move something"

    sub = read_ok(path)
    for fid in GOALS:
        (row,) = row_of_text(path, RUBRIC, text_col, eff.field(fid).label)
        got = sub.values[fid]
        assert (got.value, got.score, got.error) == (GOALS_TYPED[fid], SCORE[GOALS_TYPED[fid]], None)
        assert (got.sheet, got.cell) == (RUBRIC, f"{get_column_letter(text_col + 1)}{row}")
    problems = check_submission(sub)
    assert codes(problems) == [("rows-reordered", "warning")]
    warning = problems[0]
    assert warning.sheet == RUBRIC and warning.context["rows"] == changed
    assert ", ".join(map(str, changed)) in warning.message and "criterion text" in warning.message
    result = validate(path)
    assert result.exit_code == 0, result.output  # a warning: the answers are right
    assert "[rows-reordered]" in result.output and ", ".join(map(str, changed)) in result.output


@covers("label-mismatch")
def test_an_edited_criterion_text_is_an_error_and_its_rating_is_not_used(tmp_path: Path, eff: Template) -> None:
    path, _rows, text_col = sorted_goals(tmp_path, eff)
    edited = eff.field("goals__common_needs")
    (row,) = row_of_text(path, RUBRIC, text_col, edited.label)
    text_cell = f"{get_column_letter(text_col)}{row}"
    set_cells(path, RUBRIC, {text_cell: "Meets the needs we share"})

    sub = read_ok(path)
    assert edited.id not in sub.values  # never given to a criterion it may not belong to
    for fid in ("goals__clear_measurable", "goals__mutually_beneficial"):
        assert sub.values[fid].value == GOALS_TYPED[fid]
    problems = check_submission(sub)
    assert sorted(codes(problems)) == [("label-mismatch", "error"), ("rows-reordered", "warning")]
    error = next(p for p in problems if p.code == "label-mismatch")
    answer_cell = f"{get_column_letter(text_col + 1)}{row}"
    assert (error.sheet, error.cell, error.field_id) == (RUBRIC, text_cell, edited.id)
    assert error.value == "Meets the needs we share" and answer_cell in error.message
    assert GOALS_TYPED[edited.id] in error.message  # the answer not used is shown, not lost
    assert edited.label in error.hint
    result = validate(path)
    assert result.exit_code == 1 and "[label-mismatch]" in result.output and text_cell in result.output


def test_an_edited_evidence_label_is_an_error_naming_its_cell(tmp_path: Path, eff: Template) -> None:
    path = rubric_workbook(tmp_path, eff, "evidence.xlsx")
    sheet, cell = cell_of(path, "goals__evidence")
    row, col = coordinate_to_tuple(cell)
    label_cell = f"{get_column_letter(col - 1)}{row}"
    set_cells(path, sheet, {label_cell: None})
    problems = check_submission(sub := read_ok(path))
    assert codes(problems) == [("label-mismatch", "error")]
    assert (problems[0].cell, problems[0].field_id) == (label_cell, "goals__evidence")
    assert "goals__evidence" not in sub.values and "Goals reviewed" in problems[0].message


@covers("label-duplicated")
def test_two_rows_with_the_same_criterion_text_are_an_error(tmp_path: Path, eff: Template) -> None:
    path, _rows, text_col = sorted_goals(tmp_path, eff)
    twice = eff.field("goals__clear_measurable")
    (kept,) = row_of_text(path, RUBRIC, text_col, twice.label)
    overwritten = eff.field("goals__mutually_beneficial")
    (row,) = row_of_text(path, RUBRIC, text_col, overwritten.label)
    letter = get_column_letter(text_col)
    set_cells(path, RUBRIC, {f"{letter}{row}": twice.label})

    sub = read_ok(path)
    assert twice.id not in sub.values and overwritten.id not in sub.values
    assert sub.values["goals__common_needs"].value == GOALS_TYPED["goals__common_needs"]
    problems = check_submission(sub)
    by_code = {str(p.code): p for p in problems}
    assert sorted(codes(problems)) == [
        ("label-duplicated", "error"),
        ("label-mismatch", "error"),
        ("rows-reordered", "warning"),
    ]
    duplicated = by_code["label-duplicated"]
    assert duplicated.field_id == twice.id
    assert f"{letter}{min(kept, row)}, {letter}{max(kept, row)}" in duplicated.message
    assert by_code["label-mismatch"].field_id == overwritten.id
    assert validate(path).exit_code == 1


def test_moved_identity_rows_follow_their_labels(tmp_path: Path, eff: Template) -> None:
    """The form part too: two label-and-answer rows swapped (cut and paste), names left behind."""
    path = rubric_workbook(tmp_path, eff, "form.xlsx", ratings={"rater_organization": "Riverbend Library"})
    (_, org), (_, day) = cell_of(path, "rater_organization"), cell_of(path, "assessment_date")
    (org_row, col), (day_row, _) = coordinate_to_tuple(org), coordinate_to_tuple(day)
    wb = openpyxl.load_workbook(path)
    ws = wb[RUBRIC]
    for c in (col - 1, col):
        a, b = ws.cell(org_row, c), ws.cell(day_row, c)
        a.value, b.value = b.value, a.value
        a.number_format, b.number_format = b.number_format, a.number_format
    wb.save(path)

    sub = read_ok(path)
    letter = get_column_letter(col)
    assert (sub.values["rater_organization"].value, sub.values["rater_organization"].cell) == (
        "Riverbend Library",
        f"{letter}{day_row}",
    )
    assert sub.values["assessment_date"].cell == f"{letter}{org_row}"
    assert sub.values["assessment_date"].error is None
    problems = check_submission(sub)
    assert codes(problems) == [("rows-reordered", "warning")]
    assert problems[0].context["rows"] == sorted((org_row, day_row))


def test_swapped_block_cells_follow_their_labels(tmp_path: Path, table: Template) -> None:
    """Partnership table: in a block, the label stands above its answer; Pros and Cons swapped."""
    typed = valid_table_values(table) | {"org1_library_pros": "Trusted by families", "org1_library_cons": "Busy"}
    path = tmp_path / "table.xlsx"
    path.write_bytes(generate_bytes(table, answers=typed))
    (_, pros), (_, cons) = cell_of(path, "org1_library_pros"), cell_of(path, "org1_library_cons")
    (pros_row, col), (cons_row, _) = coordinate_to_tuple(pros), coordinate_to_tuple(cons)
    wb = openpyxl.load_workbook(path)
    ws = wb[table.sheets[0].name]
    for offset in (-1, 0):  # the label above, then the answer
        a, b = ws.cell(pros_row + offset, col), ws.cell(cons_row + offset, col)
        a.value, b.value = b.value, a.value
    wb.save(path)

    sub = read_ok(path)
    letter = get_column_letter(col)
    assert (sub.values["org1_library_pros"].text, sub.values["org1_library_pros"].cell) == (
        "Trusted by families",
        f"{letter}{cons_row}",
    )
    assert (sub.values["org1_library_cons"].text, sub.values["org1_library_cons"].cell) == (
        "Busy",
        f"{letter}{pros_row}",
    )
    problems = check_submission(sub)
    assert codes(problems) == [("rows-reordered", "warning")]
    assert problems[0].context["rows"] == [pros_row - 1, cons_row - 1]  # the label rows


def insert_shifting_names(path: Path, sheet: str, *, row: int = 0, col: int = 0) -> None:
    """Insert one row (or column) before ``row`` (``col``), moving the names below it, as Excel does."""
    wb = openpyxl.load_workbook(path)
    if row:
        wb[sheet].insert_rows(row)
    if col:
        wb[sheet].insert_cols(col)
    for name, defined in wb.defined_names.items():
        if name.startswith("ps_"):
            ((_, ref),) = defined.destinations
            r, c = coordinate_to_tuple(ref.replace("$", ""))
            r, c = r + (bool(row) and r >= row), c + (bool(col) and c >= col)
            defined.attr_text = f"{quote_sheetname(sheet)}!${get_column_letter(c)}${r}"
    wb.save(path)


def test_a_column_inserted_between_labels_and_answers_still_reads(tmp_path: Path, eff: Template) -> None:
    """Names move with an inserted column; the label is found a cell further left, no false alarm."""
    path = rubric_workbook(tmp_path, eff, "col.xlsx")
    _, rating = cell_of(path, GOALS[0])
    insert_shifting_names(path, RUBRIC, col=coordinate_to_tuple(rating)[1])  # criterion texts stay put
    sub = read_ok(path)
    assert check_submission(sub) == []
    assert {fid: sub.values[fid].value for fid in GOALS} == GOALS_TYPED


def test_a_row_inserted_between_a_block_label_and_its_answer_still_reads(tmp_path: Path, table: Template) -> None:
    """In a block the label stands above its answer; an empty row between them is looked past."""
    typed = valid_table_values(table) | {"org1_library_cons": "Busy in flu season"}
    path = tmp_path / "table.xlsx"
    path.write_bytes(generate_bytes(table, answers=typed))
    sheet, cons = cell_of(path, "org1_library_cons")
    insert_shifting_names(path, sheet, row=coordinate_to_tuple(cons)[0])
    sub = read_ok(path)
    assert check_submission(sub) == []
    assert sub.values["org1_library_cons"].text == "Busy in flu season"
    assert sub.values["org1_library_cons"].cell == cell_of(path, "org1_library_cons")[1]


def test_another_template_version_with_reworded_text_reads_by_name(tmp_path: Path, eff: Template) -> None:
    """A workbook that does not say its version may word a criterion differently: read by its name,
    as the version warning says; a sort is still followed by the texts that name other criteria."""
    path, _, text_col = sorted_goals(tmp_path, eff)
    set_meta(path, "template_version", "")
    reworded = eff.field("agendas__resourced")
    (row,) = row_of_text(path, RUBRIC, text_col, reworded.label)
    set_cells(path, RUBRIC, {f"{get_column_letter(text_col)}{row}": "Have the time, people and budget they need"})
    sub = read_ok(path)
    assert sorted(codes(check_submission(sub))) == [("rows-reordered", "warning"), ("version-unknown", "warning")]
    assert sub.values[reworded.id].cell == f"{get_column_letter(text_col + 1)}{row}"
    assert {fid: sub.values[fid].value for fid in GOALS} == GOALS_TYPED


# --- names lost, rows sorted ---------------------------------------------------------------------


def drop_names(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    for name in [n for n in wb.defined_names if n.startswith("ps_")]:
        del wb.defined_names[name]
    wb.save(path)


def test_without_names_sorted_rows_follow_their_criterion_text(tmp_path: Path, eff: Template) -> None:
    path, rows, text_col = sorted_goals(tmp_path, eff)
    drop_names(path)
    sub = read_ok(path)
    for fid in GOALS:
        (row,) = row_of_text(path, RUBRIC, text_col, eff.field(fid).label)
        assert (sub.values[fid].value, sub.values[fid].cell) == (
            GOALS_TYPED[fid],
            f"{get_column_letter(text_col + 1)}{row}",
        )
    assert sub.values["goals__evidence"].text == "Goals reviewed at the March meeting."
    assert len(sub.values) == len(eff.fields)
    problems = check_submission(sub)
    assert codes(problems) == [("names-missing", "warning"), ("rows-reordered", "warning")]
    assert problems[1].context["rows"] == rows


def test_without_names_a_criterion_text_twice_is_an_error(tmp_path: Path, eff: Template) -> None:
    path, rows, text_col = sorted_goals(tmp_path, eff)
    twice = eff.field("goals__common_needs")
    other_row = next(r for r in rows if r not in row_of_text(path, RUBRIC, text_col, twice.label))
    set_cells(path, RUBRIC, {f"{get_column_letter(text_col)}{other_row}": twice.label})
    drop_names(path)
    sub = read_ok(path)
    assert twice.id not in sub.values
    problems = check_submission(sub)
    assert ("label-duplicated", "error") in codes(problems)
    duplicated = next(p for p in problems if p.code == "label-duplicated")
    assert duplicated.field_id == twice.id and f"{get_column_letter(text_col)}{other_row}" in duplicated.message


# --- compiled scores use the right criterion ----------------------------------------------------


def test_compile_scores_each_rating_against_the_criterion_beside_it(tmp_path: Path, eff: Template) -> None:
    """Two raters: one sorted their Shared goals rows. Criterion flags and scores use the right rows.

    Raters two levels or more apart on a criterion flag it; only the right pairing of ratings to
    criteria gives the flags computed here.
    """
    first = {"goals__clear_measurable": "Highly effective", "goals__common_needs": "Highly effective"}
    first |= {"goals__mutually_beneficial": "Ineffective"}
    rubric_workbook(tmp_path, eff, "a-unsorted.xlsx", ratings=first)
    sorted_path, _, _ = sorted_goals(tmp_path, eff, "b-sorted.xlsx", who=WHO | {"rater": "B. Okafor"})
    comparison = compile_paths([tmp_path], confidentiality="attributed")
    assert comparison.excluded == set()
    ((partnership,),) = [r.partnerships for r in comparison.instruments]
    goals = next(r for r in partnership.indicators if r.indicator.id == "goals")

    pairs = {fid: (SCORE[first[fid]], SCORE[GOALS_TYPED[fid]]) for fid in GOALS}
    assert goals.score == pytest.approx(statistics.mean(s for pair in pairs.values() for s in pair))
    expected_flags = {eff.field(fid).label: abs(a - b) for fid, (a, b) in pairs.items() if abs(a - b) >= 2}
    assert {label: gap for label, gap in goals.flagged} == expected_flags
    assert expected_flags  # the typed ratings are chosen so a wrong pairing changes the flags
    tidy = [dict(zip(TIDY_KEYS, row, strict=True)) for row in comparison.tidy_rows()]
    by_cell = {(row["file"], row["field_id"]): row for row in tidy}
    for fid in GOALS:
        row = by_cell[(str(sorted_path), fid)]
        assert (row["value_as_typed"], row["score"]) == (GOALS_TYPED[fid], SCORE[GOALS_TYPED[fid]])


def test_compile_leaves_out_a_workbook_whose_criterion_text_was_edited(tmp_path: Path, eff: Template) -> None:
    path, rows, text_col = sorted_goals(tmp_path, eff)
    set_cells(path, RUBRIC, {f"{get_column_letter(text_col)}{rows[0]}": "Something else"})
    comparison = compile_paths([path])
    assert comparison.excluded == {str(path)}


# --- a real client: LibreOffice's own sort -------------------------------------------------------


@pytest.mark.libreoffice
def test_libreoffice_sort_keeps_the_names_and_ratings_follow_their_criteria(tmp_path: Path, eff: Template) -> None:
    """Calc's Data > Sort (XSortable) on one indicator's criteria, saved as .xlsx and .ods."""
    from libreoffice import LibreOffice, missing_reason

    if reason := missing_reason():
        pytest.skip(reason)
    path = rubric_workbook(tmp_path, eff, "lo.xlsx")
    rows, text_col = answer_rows(path, GOALS)
    block = f"{get_column_letter(text_col)}{rows[0]}:{get_column_letter(text_col + 1)}{rows[-1]}"
    saved = {suffix: tmp_path / f"lo-sorted{suffix}" for suffix in (".xlsx", ".ods")}
    steps: list[dict[str, Any]] = [
        {"op": "unprotect", "sheet": RUBRIC},
        {"op": "sort", "sheet": RUBRIC, "range": block, "by": 1, "ascending": False},
    ]
    steps += [{"op": "save", "path": str(p)} for p in saved.values()]
    with LibreOffice.start() as lo:
        result = lo.run({"open": str(path), "steps": steps})

    # Calc sorted the ratings Z to A, and left every name where it was.
    after = result["steps"][1]["after"]
    assert [r[1] for r in after] == sorted(GOALS_TYPED.values(), reverse=True)
    for fid in GOALS:
        _, cell = cell_of(path, fid)
        assert result["names"][f"ps_{fid}"].replace("$", "").endswith(f".{cell}")
    moved = [r for r, (text, _) in zip(rows, after, strict=True) if text != eff.field(GOALS[rows.index(r)]).label]
    assert moved

    for suffix, file in saved.items():
        sub = read_ok(file)
        for fid in GOALS:
            (row,) = [r for r, (text, _) in zip(rows, after, strict=True) if text == eff.field(fid).label]
            got = sub.values[fid]
            assert (got.value, got.cell) == (GOALS_TYPED[fid], f"{get_column_letter(text_col + 1)}{row}"), suffix
        problems = check_submission(sub)
        assert codes(problems) == [("rows-reordered", "warning")], (suffix, problems)
        assert problems[0].context["rows"] == moved


# --- the form's title moved to A1: old and new workbooks both read without names ---------------


def _title_to_b1(path: Path) -> None:
    """Lay the title out as workbooks made before it moved to A1 had it: in B1, merged to the right."""
    wb = openpyxl.load_workbook(path)
    ws = wb[RUBRIC]
    (merged,) = [m for m in ws.merged_cells.ranges if m.min_row == 1 and m.min_col == 1]
    title, last = ws["A1"].value, merged.max_col
    ws.unmerge_cells(str(merged))
    ws["A1"] = None
    ws.cell(1, 2).value = title
    ws.merge_cells(start_row=1, start_column=2, end_row=1, end_column=last)
    wb.save(path)


def test_the_form_title_is_in_a1(tmp_path: Path, eff: Template) -> None:
    path = rubric_workbook(tmp_path, eff, "a1.xlsx")
    assert openpyxl.load_workbook(path)[RUBRIC]["A1"].value == eff.sheets[0].title


@pytest.mark.parametrize("layout", ["title-in-a1", "title-in-b1-as-before", "column-inserted-at-a"])
def test_without_names_answers_are_found_wherever_the_title_is(tmp_path: Path, eff: Template, layout: str) -> None:
    path = rubric_workbook(tmp_path, eff, f"{layout}.xlsx")
    typed = {fid: read_ok(path).values[fid].value for fid in GOALS}
    if layout == "title-in-b1-as-before":
        _title_to_b1(path)
    if layout == "column-inserted-at-a":
        wb = openpyxl.load_workbook(path)
        ws = wb[RUBRIC]
        for merged in list(ws.merged_cells.ranges):  # openpyxl moves values, not merges: unmerge first
            ws.unmerge_cells(str(merged))
        ws.insert_cols(1)
        assert ws["B1"].value == eff.sheets[0].title
        wb.save(path)
    drop_names(path)
    sub = read_ok(path)
    assert {fid: sub.values[fid].value for fid in GOALS} == typed == GOALS_TYPED
    assert not [p for p in check_submission(sub) if p.severity == "error"]
