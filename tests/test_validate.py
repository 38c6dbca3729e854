"""Validation: every problem code in the catalogue triggered and checked, and the validate command.

Field problems must name the cell the field's defined name points at (read with openpyxl), so a
coordinator's "fix cell D14" is where the person will actually find the answer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import test_formats  # noqa: F401  (registers the codes it covers)
import test_hostile_reading  # noqa: F401
import test_languages  # noqa: F401  (registers the language codes it covers)
import test_sorted_rows  # noqa: F401  (registers the label codes it covers)
import test_tables  # noqa: F401  (registers the table codes it covers)
import test_unusable_files  # noqa: F401  (registers the file-level codes it covers)
from click.testing import CliRunner, Result
from helpers import (
    COVERED,
    WHO,
    cell_of,
    covers,
    fill,
    fingerprint,
    make_workbook,
    set_meta,
    set_saved,
    valid_effectiveness_values,
    valid_table_values,
    valid_values,
)

from partnersheet.cli import cli
from partnersheet.compile.core import compile_paths
from partnersheet.intake.problems import Problem, ProblemCode
from partnersheet.intake.read import Submission, Unreadable, read_submission
from partnersheet.intake.validate import check_submission, collect_paths, validate_paths
from partnersheet.spec import Template, load_template, load_template_file
from partnersheet.workbook.generate import generate


def run(*args: Any) -> Result:
    return CliRunner().invoke(cli, ["validate", *map(str, args)])


def read_ok(path: Path, templates: dict[str, Template] | None = None) -> Submission:
    sub = read_submission(path, templates=templates)
    assert isinstance(sub, Submission), getattr(sub, "problem", sub)
    return sub


def problems_of(path: Path) -> list[Problem]:
    return check_submission(read_ok(path))


def the_problem(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, [(p.code, p.message) for p in problems]
    return found[0]


def field_of(template: Template, ftype: str) -> str:
    return next(f.id for f in template.fields if f.type == ftype and not f.identity)


def eff_workbook(tmp_path: Path, eff: Template, name: str = "x.xlsx", who: dict[str, str] = WHO, **changes: Any):
    path = make_workbook(tmp_path, eff, name, **who)
    values = {k: v for k, v in (valid_effectiveness_values(eff, **who) | changes).items() if v is not ...}
    return fill(path, values)


def table_workbook(tmp_path: Path, table: Template, name: str = "t.xlsx", **changes: Any) -> Path:
    return fill(make_workbook(tmp_path, table, name), valid_table_values(table) | changes)


def assert_field_problem(
    problem: Problem, path: Path, template: Template, field_id: str, code: str, value: str | None = None
) -> None:
    """A field problem names the file, the sheet and cell of the field's defined name, and the field."""
    sheet, cell = cell_of(path, field_id)
    assert problem.code == code
    assert problem.severity == "error"
    assert problem.file == str(path)
    assert (problem.sheet, problem.cell) == (sheet, cell)
    assert problem.field_id == field_id
    f = template.field(field_id)
    # Answers are named with their context ("Mission and beliefs: ..."); identity fields by label.
    assert problem.field_label == (f.label if code == "identity-changed" else f.full_label)
    if value is not None:
        assert problem.value == value
    assert problem.message and "\n" not in problem.message
    assert problem.hint


# --- a valid workbook ---------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["effectiveness", "partnership-table"])
def test_a_complete_valid_workbook_has_no_problems_and_exits_0(tmp_path: Path, which: str) -> None:
    template = load_template(which)
    path = eff_workbook(tmp_path, template) if which == "effectiveness" else table_workbook(tmp_path, template)
    assert problems_of(path) == []
    result = run(path)
    assert result.exit_code == 0, result.output
    assert f"{path}: valid" in result.output
    assert "Checked 1 file: 1 valid, 0 with errors, 0 unreadable (0 errors, 0 warnings)" in result.output


# --- answers ------------------------------------------------------------------------------------------


@covers("required-missing")
def test_required_missing(tmp_path: Path, eff: Template) -> None:
    path = eff_workbook(tmp_path, eff, assessment_date=...)
    problem = the_problem(problems_of(path), "required-missing")
    assert_field_problem(problem, path, eff, "assessment_date", "required-missing")
    assert problem.cell in problem.hint and "Rubric" in problem.hint


def test_every_required_field_is_reported_when_the_workbook_is_blank(tmp_path: Path, eff: Template) -> None:
    path = make_workbook(tmp_path, eff)
    problems = problems_of(path)
    required = [f.id for f in eff.fields if f.required]
    assert [p.field_id for p in problems] == required
    assert {p.code for p in problems} == {"required-missing"}
    for p in problems:
        assert (p.sheet, p.cell) == cell_of(path, p.field_id)


@covers("not-a-choice")
def test_not_a_choice(tmp_path: Path, table: Template) -> None:
    choice = field_of(table, "choice")
    path = table_workbook(tmp_path, table, **{choice: "Astronomy, maybe"})
    problem = the_problem(problems_of(path), "not-a-choice")
    assert_field_problem(problem, path, table, choice, "not-a-choice", "Astronomy, maybe")
    for option in table.options(table.field(choice)):  # the hint lists what would be accepted
        assert option in problem.hint


@covers("not-a-rating")
def test_not_a_rating(tmp_path: Path, eff: Template) -> None:
    rating = field_of(eff, "rating")
    path = eff_workbook(tmp_path, eff, **{rating: "Very good"})
    problem = the_problem(problems_of(path), "not-a-rating")
    assert_field_problem(problem, path, eff, rating, "not-a-rating", "Very good")
    assert "Highly effective" in problem.hint


@pytest.mark.parametrize("typed", [7, "7", 0, "2.5"])
def test_a_score_outside_the_scale_is_not_a_rating(tmp_path: Path, eff: Template, typed: Any) -> None:
    rating = field_of(eff, "rating")
    path = eff_workbook(tmp_path, eff, **{rating: typed})
    assert [p.code for p in problems_of(path)] == ["not-a-rating"]


@covers("not-a-number")
@pytest.mark.parametrize("typed", ["about a thousand", "1.500,00", "1,5", "12 apples"])
def test_not_a_number(tmp_path: Path, table: Template, typed: str) -> None:
    amount = field_of(table, "currency")
    path = table_workbook(tmp_path, table, **{amount: typed})
    problem = the_problem(problems_of(path), "not-a-number")
    assert_field_problem(problem, path, table, amount, "not-a-number", typed)


SMALL_SPEC = """
id = "counts"
title = "Program counts"
version = "0.1.0"
description = "Count the people who came."
return_to = "the coordinator"

[instructions]
intro = "Count."
[[instructions.sections]]
heading = "Steps"
items = ["Type the numbers."]

[[sheets]]
id = "counts"
name = "Counts"
title = "Program counts"

[[sheets.sections]]
id = "main"
title = "Counts"
layout = "form"
fields = [
  { id = "program", label = "Program", type = "short_text", required = true, max_length = 40, help = "Its name." },
  { id = "attendees", label = "Attendees", type = "integer", required = true, min = 1, max = 500, help = "People." },
]
"""


@covers("not-whole-number")
@pytest.mark.parametrize("typed", [2.5, "2.5", "12.75"])
def test_not_whole_number(tmp_path: Path, typed: Any) -> None:
    spec = tmp_path / "counts.toml"
    spec.write_text(SMALL_SPEC, encoding="utf-8")
    template = load_template_file(spec)
    path = fill(generate(template, tmp_path / "counts.xlsx"), {"program": "Story time", "attendees": typed})
    sub = read_ok(path, templates={template.id: template})
    problem = the_problem(check_submission(sub), "not-whole-number")
    assert_field_problem(problem, path, template, "attendees", "not-whole-number", str(typed))


def test_a_whole_number_in_a_custom_template_is_valid(tmp_path: Path) -> None:
    spec = tmp_path / "counts.toml"
    spec.write_text(SMALL_SPEC, encoding="utf-8")
    template = load_template_file(spec)
    path = fill(generate(template, tmp_path / "counts.xlsx"), {"program": "Story time", "attendees": "42"})
    sub = read_ok(path, templates={template.id: template})
    assert check_submission(sub) == []
    assert sub.values["attendees"].value == 42.0
    assert isinstance(read_submission(path), Unreadable)  # not a built-in template
    assert read_submission(path).problem.code == "unknown-template"


@covers("out-of-range")
@pytest.mark.parametrize(("ftype", "typed"), [("hours", 5000), ("hours", "2,001"), ("currency", -10)])
def test_out_of_range(tmp_path: Path, table: Template, ftype: str, typed: Any) -> None:
    field_id = field_of(table, ftype)
    f = table.field(field_id)
    path = table_workbook(tmp_path, table, **{field_id: typed})
    problem = the_problem(problems_of(path), "out-of-range")
    assert_field_problem(problem, path, table, field_id, "out-of-range", str(typed))
    assert f"{f.max:,.0f}" in problem.message  # says what range is allowed


@covers("not-a-date")
@pytest.mark.parametrize("typed", ["next Tuesday", "15/03/2026", "2026-02-30", "March 15"])
def test_not_a_date(tmp_path: Path, eff: Template, typed: Any) -> None:
    path = eff_workbook(tmp_path, eff, assessment_date=typed)
    problem = the_problem(problems_of(path), "not-a-date")
    assert_field_problem(problem, path, eff, "assessment_date", "not-a-date", str(typed))


@pytest.mark.parametrize("typed", [12, "1899-12-31", date(2101, 1, 1)])
def test_a_date_outside_the_forms_range_is_out_of_range(tmp_path: Path, eff: Template, typed: Any) -> None:
    """12 typed in a date cell shows as 1900-01-12: the form's validation allows 1990 to 2100 only."""
    path = eff_workbook(tmp_path, eff, assessment_date=typed)
    problem = the_problem(problems_of(path), "out-of-range")
    assert_field_problem(problem, path, eff, "assessment_date", "out-of-range")
    assert "1990-01-01 to 2100-12-31" in problem.message


@covers("too-long")
def test_too_long(tmp_path: Path, eff: Template) -> None:
    f = eff.field("rater_organization")
    assert f.max_length is not None
    text = "x" * (f.max_length + 1)
    path = eff_workbook(tmp_path, eff, rater_organization=text)
    problem = the_problem(problems_of(path), "too-long")
    assert_field_problem(problem, path, eff, f.id, "too-long")
    assert str(f.max_length + 1) in problem.message and str(f.max_length) in problem.message


def test_text_at_its_limit_is_not_too_long(tmp_path: Path, eff: Template) -> None:
    f = eff.field("rater_organization")
    assert f.max_length is not None
    path = eff_workbook(tmp_path, eff, rater_organization="y" * f.max_length)
    assert problems_of(path) == []


@covers("formula-in-cell")
def test_formula_in_cell(tmp_path: Path, eff: Template) -> None:
    rating = field_of(eff, "rating")
    path = eff_workbook(tmp_path, eff, **{rating: "=1+2"})
    problem = the_problem(problems_of(path), "formula-in-cell")
    assert_field_problem(problem, path, eff, rating, "formula-in-cell", "=1+2")
    assert problem.cell in problem.message


@covers("identity-changed")
def test_identity_changed(tmp_path: Path, eff: Template) -> None:
    partner = eff.identity_field("partner")
    assert partner is not None
    path = eff_workbook(tmp_path, eff, **{partner.id: "County Hospital"})
    problems = problems_of(path)
    problem = the_problem(problems, "identity-changed")
    assert_field_problem(problem, path, eff, partner.id, "identity-changed", "County Hospital")
    assert "County Health Department" in problem.message and "County Health Department" in problem.hint
    assert len(problems) == 1


def test_identity_differing_only_in_case_and_spaces_is_not_a_change(tmp_path: Path, eff: Template) -> None:
    partner = eff.identity_field("partner")
    assert partner is not None
    path = eff_workbook(tmp_path, eff, **{partner.id: "  county   HEALTH department "})
    assert problems_of(path) == []


# --- structure ----------------------------------------------------------------------------------------


@covers("template-altered")
def test_template_altered(tmp_path: Path, eff: Template) -> None:
    path = set_meta(eff_workbook(tmp_path, eff), "spec_hash", "0" * 64)
    sub = read_ok(path)
    problem = the_problem(check_submission(sub), "template-altered")
    assert (problem.severity, problem.file) == ("error", str(path))
    assert problem.context == {
        "detail": "its fingerprint differs",
        "spec_hash": "0" * 64,
        "expected": eff.spec_hash,
        "source": eff.source,
    }
    assert sub.values["partner"].value == WHO["partner"]  # the answers are still read
    result = run(path)
    assert result.exit_code == 1
    assert "[template-altered]" in result.output


@covers("version-unknown")
def test_a_workbook_without_a_version_is_read_as_the_only_one_with_a_warning(tmp_path: Path, eff: Template) -> None:
    path = set_meta(eff_workbook(tmp_path, eff), "template_version", "")
    problem = the_problem(problems_of(path), "version-unknown")
    assert (problem.severity, problem.file, problem.value) == ("warning", str(path), eff.id)
    assert eff.version in problem.message
    result = run(path)
    assert result.exit_code == 0, result.output  # warnings alone still pass
    assert "1 warning" in result.output and "[version-unknown]" in result.output


def test_a_version_that_is_not_available_is_one_problem_naming_it_and_where_templates_are(
    tmp_path: Path, eff: Template
) -> None:
    path = set_meta(eff_workbook(tmp_path, eff), "template_version", "0.9.0")
    result = read_submission(path)
    assert isinstance(result, Unreadable)
    problem = result.problem
    assert problem.code == "unknown-template"
    assert "'effectiveness' version 0.9.0" in problem.message
    assert "built-in templates" in problem.message
    assert problem.context["detail"] == f"versions here: {eff.version}"


@covers("names-missing")
def test_names_missing_is_a_warning(tmp_path: Path, eff: Template) -> None:
    path = eff_workbook(tmp_path, eff)
    wb = openpyxl.load_workbook(path)
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    wb.save(path)
    problems = problems_of(path)
    assert [(p.code, p.severity, p.file) for p in problems] == [("names-missing", "warning", str(path))]
    assert run(path).exit_code == 0


@covers("field-not-found")
def test_field_not_found_when_one_name_is_deleted(tmp_path: Path, eff: Template) -> None:
    path = eff_workbook(tmp_path, eff)
    wb = openpyxl.load_workbook(path)
    where = cell_of(path, "assessment_date")
    del wb.defined_names["ps_assessment_date"]
    wb.save(path)
    problems = problems_of(path)
    # The other names still work: no fallback. The date left in the unnamed cell is not lost.
    assert [p.code for p in problems] == ["field-not-found", "stray-value"]
    assert (problems[1].sheet, problems[1].cell, problems[1].value) == (*where, "2026-03-15")
    problem = problems[0]
    assert (problem.severity, problem.field_id, problem.file) == ("error", "assessment_date", str(path))
    assert eff.field("assessment_date").label in problem.message


def test_field_not_found_when_its_row_was_deleted(tmp_path: Path, eff: Template) -> None:
    """Deleting a row makes Excel rewrite the name to #REF!."""
    rating = field_of(eff, "rating")
    path = eff_workbook(tmp_path, eff)
    wb = openpyxl.load_workbook(path)
    wb.defined_names[f"ps_{rating}"].attr_text = "Rubric!#REF!"
    wb.save(path)
    problem = the_problem(problems_of(path), "field-not-found")
    assert problem.field_id == rating


@covers("sheet-missing")
def test_a_deleted_form_sheet_is_one_problem(tmp_path: Path, eff: Template) -> None:
    """Deleting the sheet makes Excel rewrite every name on it to #REF!: one problem, not 28."""
    path = eff_workbook(tmp_path, eff)
    wb = openpyxl.load_workbook(path)
    del wb["Rubric"]
    for name, defined in wb.defined_names.items():
        if name.startswith("ps_"):
            defined.attr_text = "#REF!"
    wb.save(path)
    problems = problems_of(path)
    assert [(p.code, p.severity, p.sheet) for p in problems] == [("sheet-missing", "error", "Rubric")]
    assert str(len(eff.sheets[0].fields)) in problems[0].message
    assert run(path).exit_code == 1


@covers("unknown-template")
def test_unknown_template(tmp_path: Path, eff: Template) -> None:
    path = set_meta(eff_workbook(tmp_path, eff), "template_id", "budget-2030")
    result = read_submission(path)
    assert isinstance(result, Unreadable)
    assert (result.problem.code, result.problem.severity, result.problem.file) == (
        "unknown-template",
        "error",
        str(path),
    )
    assert "budget-2030" in result.problem.message and "built-in templates" in result.problem.message
    cli_result = run(path)
    assert cli_result.exit_code == 2
    assert str(path) in cli_result.output and "[unknown-template]" in cli_result.output


@covers("not-partnersheet")
def test_not_partnersheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["Partner", "Rating"])
    wb.active.append(["County Health Department", "Effective"])
    path = tmp_path / "budget.xlsx"
    wb.save(path)
    result = read_submission(path)
    assert isinstance(result, Unreadable)
    assert (result.problem.code, result.problem.severity, result.problem.file) == (
        "not-partnersheet",
        "error",
        str(path),
    )


@covers("internal-error")
def test_internal_error_names_the_file_and_says_it_is_a_bug(
    tmp_path: Path, eff: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = eff_workbook(tmp_path, eff)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr("partnersheet.intake.read.normalise", broken)
    result = read_submission(path)
    assert isinstance(result, Unreadable)
    problem = result.problem
    assert (problem.code, problem.severity, problem.file) == ("internal-error", "error", str(path))
    assert "simulated bug" in problem.message and "bug" in problem.hint
    cli_result = run(path)
    assert cli_result.exit_code == 2
    assert str(path) in cli_result.output and "Traceback" not in cli_result.output


# --- across a batch -----------------------------------------------------------------------------------


@covers("superseded")
def test_an_identical_copy_is_superseded_by_the_first(tmp_path: Path, eff: Template) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = eff_workbook(inbox, eff, "a.xlsx")
    second = Path(shutil.copy(first, inbox / "b.xlsx"))
    batch = validate_paths([inbox])
    assert batch.problems_for(str(first)) == []
    problem = the_problem(batch.problems_for(str(second)), "superseded")
    assert (problem.severity, problem.file) == ("warning", str(second))
    assert str(first) in problem.message and "identical copy" in problem.message
    assert {f.file: f.status for f in batch.files} == {str(first): "valid", str(second): "superseded"}
    assert run(inbox).exit_code == 0


def test_a_corrected_copy_sent_later_replaces_the_first(tmp_path: Path, eff: Template) -> None:
    """The rater fixes a rating and sends the workbook again: the newer save counts, whatever the names."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    blank = make_workbook(tmp_path, eff, "blank.xlsx", **WHO)
    values = valid_effectiveness_values(eff, **WHO)
    rating = next(f.id for f in eff.fields if f.kind.scored)
    newer = fill(blank, values | {rating: "Effective"}, inbox / "a-corrected.xlsx")
    older = fill(blank, values | {rating: "Ineffective"}, inbox / "z-first.xlsx")
    set_saved(older, "2026-03-01T09:00:00Z")
    set_saved(newer, "2026-03-08T17:30:00Z")
    batch = validate_paths([inbox])
    problem = the_problem(batch.problems_for(str(older)), "superseded")
    assert str(newer) in problem.message and "2026-03-08 17:30:00 UTC" in problem.message
    assert batch.problems_for(str(newer)) == []
    comparison = compile_paths([inbox])
    assert comparison.status_of(next(s for s in comparison.submissions if s.file == str(older))) == "superseded"
    counted = [s for s in comparison.submissions if comparison.status_of(s) == "ok"]
    assert [s.file for s in counted] == [str(newer)]
    assert counted[0].values[rating].value == "Effective"


def test_without_saved_times_the_file_modified_later_counts(tmp_path: Path, eff: Template) -> None:
    blank = make_workbook(tmp_path, eff, "blank.xlsx", **WHO)
    values = valid_effectiveness_values(eff, **WHO)
    rating = next(f.id for f in eff.fields if f.kind.scored)
    a = set_saved(fill(blank, values | {rating: "Effective"}, tmp_path / "a.xlsx"), "", mtime=1_770_000_000)
    b = set_saved(fill(blank, values | {rating: "Ineffective"}, tmp_path / "b.xlsx"), "", mtime=1_770_000_100)
    batch = validate_paths([a, b])
    assert [p.code for p in batch.problems_for(str(a))] == ["superseded"]
    assert batch.problems_for(str(b)) == []


@covers("duplicate-workbook")
def test_two_copies_that_cannot_be_told_apart_are_errors(tmp_path: Path, eff: Template) -> None:
    blank = make_workbook(tmp_path, eff, "blank.xlsx", **WHO)
    values = valid_effectiveness_values(eff, **WHO)
    rating = next(f.id for f in eff.fields if f.kind.scored)
    a = set_saved(fill(blank, values | {rating: "Effective"}, tmp_path / "a.xlsx"), "2026-03-08T17:30:00Z", 1.7e9)
    b = set_saved(fill(blank, values | {rating: "Ineffective"}, tmp_path / "b.xlsx"), "2026-03-08T17:30:00Z", 1.7e9)
    expected_id = read_ok(a).workbook_id
    batch = validate_paths([a, b])
    for path, other in ((a, b), (b, a)):
        problem = the_problem(batch.problems_for(str(path)), "duplicate-workbook")
        assert (problem.severity, problem.value) == ("error", expected_id)
        assert str(other) in problem.message
    assert run(a, b).exit_code == 1


def test_two_blank_workbooks_filled_differently_are_not_duplicates(tmp_path: Path, eff: Template) -> None:
    """One blank workbook sent to two people gives the same workbook id twice, honestly."""
    blank = make_workbook(tmp_path, eff, "blank.xlsx")
    a = fill(blank, valid_effectiveness_values(eff, partner="Food Bank", rater="B. Chen"), tmp_path / "a.xlsx")
    b = fill(blank, valid_effectiveness_values(eff, partner="Food Bank", rater="C. Diaz"), tmp_path / "b.xlsx")
    batch = validate_paths([a, b])
    assert batch.problems == [], [p.message for p in batch.problems]


def test_a_partner_only_workbook_copied_to_several_raters_is_not_a_duplicate(tmp_path: Path, eff: Template) -> None:
    """`new effectiveness --partner X` and sent to three raters: three honest submissions."""
    for_partner = make_workbook(tmp_path, eff, "chd.xlsx", partner="County Health Department")
    returns = [
        fill(
            for_partner,
            valid_effectiveness_values(eff, partner="County Health Department", rater=rater),
            tmp_path / f"{rater.split()[-1]}.xlsx",
        )
        for rater in ("Ann Lee", "Bob Ray", "Cy Moss")
    ]
    batch = validate_paths(returns)
    assert batch.problems == [], [p.message for p in batch.problems]
    same_twice = Path(shutil.copy(returns[0], tmp_path / "again.xlsx"))
    again = validate_paths([*returns, same_twice])
    assert [p.code for p in again.problems_for(str(same_twice))] == ["superseded"]


@covers("partnersheet-output")
def test_the_tools_own_outputs_in_the_inbox_are_skipped_not_failed(tmp_path: Path, eff: Template) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    eff_workbook(inbox, eff, "a.xlsx")
    report = inbox / "problems.xlsx"
    assert run(inbox, "--report", str(report)).exit_code == 0
    batch = validate_paths([inbox])
    skipped = next(f for f in batch.files if f.file == str(report))
    assert skipped.status == "skipped"
    assert [(p.code, p.severity) for p in skipped.problems] == [("partnersheet-output", "warning")]
    assert batch.valid and not batch.unreadable
    assert run(inbox).exit_code == 0


@covers("no-permission")
@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv")
def test_files_and_folders_that_cannot_be_read_are_named(eff: Template) -> None:
    base = Path(tempfile.mkdtemp(prefix="ps-perm-"))  # pytest's own tmp is private to root
    try:
        base.chmod(0o755)
        inbox = base / "inbox"
        (inbox / "locked").mkdir(parents=True)
        inbox.chmod(0o755)
        eff_workbook(inbox, eff, "ok.xlsx")
        eff_workbook(inbox / "locked", eff, "hidden-from-me.xlsx")
        secret = eff_workbook(inbox, eff, "secret.xlsx")
        (inbox / "ok.xlsx").chmod(0o644)
        secret.chmod(0o000)
        (inbox / "locked").chmod(0o700)
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
        probe = subprocess.run([*as_nobody, "-c", "import partnersheet"], capture_output=True, env=env, cwd=base)
        if probe.returncode != 0:
            pytest.skip("another user cannot run this checkout's Python (a private home folder)")
        proc = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "-m",
                "partnersheet",
                "validate",
                str(inbox),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=base,
        )
        out = proc.stdout + proc.stderr
        assert proc.returncode == 2, out
        assert "Traceback" not in out
        assert f"{inbox / 'locked'}: unreadable" in proc.stdout
        assert f"{secret}: unreadable" in proc.stdout
        assert f"{inbox / 'ok.xlsx'}: valid" in proc.stdout
        assert proc.stdout.count("[no-permission]") == 2
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_fifo_is_reported_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    result = read_submission(fifo)
    assert isinstance(result, Unreadable) and result.problem.code == "not-a-spreadsheet"
    assert [f.file for f in validate_paths([tmp_path]).files] == [str(fifo)]


@covers("duplicate-submission")
def test_duplicate_submission(tmp_path: Path, eff: Template) -> None:
    a = eff_workbook(tmp_path, eff, "a.xlsx")
    shouting = WHO | {"rater": "A.  RIVERA"}  # the same person, typed differently
    b = eff_workbook(tmp_path, eff, "b.xlsx", who=shouting)
    ids = {read_ok(p).workbook_id for p in (a, b)}
    assert len(ids) == 2  # really two different workbooks
    for path in (a, b):
        set_saved(path, "2026-03-08T17:30:00Z", mtime=1.7e9)  # and nothing says which is newer
    batch = validate_paths([a, b])
    problem = the_problem(batch.problems_for(str(b)), "duplicate-submission")
    assert (problem.severity, problem.file) == ("error", str(b))
    assert str(a) in problem.message and "county health department" in problem.message.casefold()
    assert [p.code for p in batch.problems_for(str(a))] == ["duplicate-submission"]
    set_saved(b, "2026-03-09T08:00:00Z")  # a day later: the second assessment replaces the first
    again = validate_paths([a, b])
    assert [p.code for p in again.problems_for(str(a))] == ["superseded"]
    assert again.problems_for(str(b)) == []


def test_another_round_is_not_a_duplicate_submission(tmp_path: Path, eff: Template) -> None:
    a = eff_workbook(tmp_path, eff, "a.xlsx")
    b = eff_workbook(tmp_path, eff, "b.xlsx", who=WHO | {"round": "Fall 2026"})
    assert validate_paths([a, b]).problems == []


def test_every_catalogue_code_has_a_test() -> None:
    assert set(COVERED) == {c.value for c in ProblemCode}, {
        "untested": sorted({c.value for c in ProblemCode} - set(COVERED)),
        "unknown": sorted(set(COVERED) - {c.value for c in ProblemCode}),
    }


# --- the command --------------------------------------------------------------------------------------


def _two_problem_workbook(tmp_path: Path, table: Template) -> tuple[Path, list[tuple[str, str, str]]]:
    choice, amount = field_of(table, "choice"), field_of(table, "currency")
    path = table_workbook(tmp_path, table, **{choice: "Astronomy", amount: "lots"})
    expected = [(*cell_of(path, choice), "not-a-choice"), (*cell_of(path, amount), "not-a-number")]
    return path, expected


def test_json_output_is_exactly_the_library_report(tmp_path: Path, table: Template, eff: Template) -> None:
    bad, _ = _two_problem_workbook(tmp_path, table)
    good = eff_workbook(tmp_path, eff)
    result = CliRunner().invoke(cli, ["validate", str(bad), str(good), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report == validate_paths([bad, good]).to_dict()
    assert report["valid"] is False
    assert report["stats"] == {
        "files": 2,
        "valid": 1,
        "invalid": 1,
        "unreadable": 0,
        "skipped": 0,
        "superseded": 0,
        "errors": 2,
        "warnings": 0,
    }
    assert [f["file"] for f in report["files"]] == [str(bad), str(good)]
    assert {p["code"] for p in report["files"][0]["problems"]} == {"not-a-choice", "not-a-number"}


def test_json_output_for_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    result = CliRunner().invoke(cli, ["validate", str(path), "--json"])
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["files"][0]["status"] == "unreadable"
    assert report["files"][0]["problems"][0]["code"] == "file-empty"


def test_text_report_groups_problems_by_file_with_counts(tmp_path: Path, table: Template) -> None:
    path, expected = _two_problem_workbook(tmp_path, table)
    result = run(path)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"{path}: 2 errors"
    for sheet, cell, code in expected:
        line = next(line for line in lines if f"[{code}]" in line)
        assert f"{sheet}!{cell}" in line
    assert sum("fix:" in line for line in lines) == 2
    assert lines[-1].startswith("Checked 1 file: 0 valid, 1 with errors")


def test_report_workbook_has_one_row_per_problem(tmp_path: Path, table: Template) -> None:
    path, expected = _two_problem_workbook(tmp_path, table)
    unreadable = tmp_path / "notes.xlsx"
    unreadable.write_text("Dear coordinator\nhere are my notes\n")
    report = tmp_path / "problems.xlsx"
    result = run(path, unreadable, "--report", report)
    assert result.exit_code == 2  # one file is unusable
    assert f"Wrote {report}" in result.output
    wb = openpyxl.load_workbook(report)
    rows = list(wb["Problems"].iter_rows(values_only=True))
    header = rows[0]
    col = {name: header.index(name) for name in ("File", "Sheet", "Cell", "Code")}
    found = [tuple(row[col[k]] or "" for k in ("File", "Sheet", "Cell", "Code")) for row in rows[1:]]
    assert sorted(found) == sorted(
        [(path.name, sheet, cell, code) for sheet, cell, code in expected]
        + [(unreadable.name, "", "", "not-a-spreadsheet")]
    )
    files = list(wb["Files"].iter_rows(values_only=True))
    assert [r[:2] for r in files[1:]] == [(path.name, "invalid"), (unreadable.name, "unreadable")]


def test_report_workbook_keeps_a_typed_formula_as_text(tmp_path: Path, eff: Template) -> None:
    rating = field_of(eff, "rating")
    path = eff_workbook(tmp_path, eff, **{rating: '=HYPERLINK("http://example.com","x")'})
    report = tmp_path / "problems.xlsx"
    assert run(path, "--report", report).exit_code == 1
    ws = openpyxl.load_workbook(report)["Problems"]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("Value seen") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK(")


def test_report_refuses_to_overwrite_without_force(tmp_path: Path, table: Template) -> None:
    path, _ = _two_problem_workbook(tmp_path, table)
    report = tmp_path / "problems.xlsx"
    report.write_bytes(b"an earlier report")
    result = run(path, "--report", report)
    assert result.exit_code == 1
    assert "--force" in result.output
    assert report.read_bytes() == b"an earlier report"
    forced = run(path, "--report", report, "--force")
    assert forced.exit_code == 1  # problems found, report written
    assert openpyxl.load_workbook(report)["Problems"].max_row == 3


def test_report_must_be_xlsx(tmp_path: Path, eff: Template) -> None:
    result = run(eff_workbook(tmp_path, eff), "--report", tmp_path / "problems.csv")
    assert result.exit_code == 2
    assert "xlsx" in result.output
    assert not (tmp_path / "problems.csv").exists()


def test_folders_are_searched_and_lock_and_hidden_files_skipped(tmp_path: Path, eff: Template) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "staff").mkdir(parents=True)
    (inbox / ".trash").mkdir()
    a = eff_workbook(inbox, eff, "a.xlsx")
    b = eff_workbook(inbox / "staff", eff, "b.xlsx", who=WHO | {"rater": "B. Chen"})
    c = Path(shutil.copy(eff_workbook(tmp_path, eff, "c.xlsx", who=WHO | {"rater": "C. Diaz"}), inbox / "c.xlsm"))
    (inbox / "~$a.xlsx").write_bytes(b"\x0bA. Rivera" + b"\x00" * 150)  # Excel's lock file
    (inbox / ".a.xlsx").write_bytes(b"hidden junk")
    (inbox / ".trash" / "old.xlsx").write_bytes(b"hidden folder")
    (inbox / "notes.txt").write_text("not a workbook")
    shutil.copy(a, inbox / ".trash" / "copy.xlsx")  # would be a duplicate if it were read
    result = CliRunner().invoke(cli, ["validate", str(inbox), "--json"])
    assert result.exit_code == 0, result.output
    files = {f["file"]: f for f in json.loads(result.stdout)["files"]}
    notes = str(inbox / "notes.txt")  # not a workbook: listed as skipped, with a word, never silently
    assert sorted(files) == sorted(map(str, (a, b, c, notes)))
    assert files[notes]["status"] == "skipped"
    assert [p["code"] for p in files[notes]["problems"]] == ["other-file"]


def test_one_file_named_many_ways_is_read_once(tmp_path: Path, eff: Template) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    a = eff_workbook(inbox, eff, "a.xlsx")
    (tmp_path / "shortcut").symlink_to(inbox, target_is_directory=True)
    (tmp_path / "a-link.xlsx").symlink_to(a)
    (inbox / "sub").mkdir()
    spellings = [
        a,
        inbox / "sub" / ".." / "a.xlsx",
        tmp_path / "shortcut" / "a.xlsx",
        tmp_path / "a-link.xlsx",
        tmp_path / "shortcut",
        inbox,
    ]
    assert collect_paths(spellings) == [a]
    other = eff_workbook(tmp_path, eff, "b.xlsx", who=WHO | {"rater": "B. Chen"})
    assert collect_paths([other, *spellings, other]) == [other, a]


def test_wrong_kinds_of_file_in_a_folder_are_reported_not_skipped(tmp_path: Path, eff: Template) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    eff_workbook(inbox, eff, "a.xlsx")
    (inbox / "old.xls").write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 2000)
    (inbox / "answers.csv").write_text("partner,rating\nFood Bank,Effective\n")
    result = CliRunner().invoke(cli, ["validate", str(inbox), "--json"])
    assert result.exit_code == 2
    codes = {Path(f["file"]).name: [p["code"] for p in f["problems"]] for f in json.loads(result.stdout)["files"]}
    assert codes == {"a.xlsx": [], "old.xls": ["legacy-xls"], "answers.csv": ["csv-file"]}


def test_a_lock_file_named_directly_is_still_checked(tmp_path: Path) -> None:
    lock = tmp_path / "~$a.xlsx"
    lock.write_bytes(b"\x0bA. Rivera" + b"\x00" * 150)
    result = run(lock)
    assert result.exit_code == 2
    assert str(lock) in result.output


def test_exit_codes(tmp_path: Path, eff: Template) -> None:
    valid = eff_workbook(tmp_path, eff, "valid.xlsx")
    invalid = eff_workbook(tmp_path, eff, "invalid.xlsx", who=WHO | {"rater": "B. Chen"}, assessment_date=...)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(valid.read_bytes()[:1000])
    empty_folder = tmp_path / "empty"
    empty_folder.mkdir()
    assert run(valid).exit_code == 0
    assert run(valid, invalid).exit_code == 1
    assert run(valid, broken).exit_code == 2
    assert run(valid, invalid, broken).exit_code == 2
    no_files = run(empty_folder)
    assert no_files.exit_code == 2 and "no workbooks found" in no_files.output
    assert CliRunner().invoke(cli, ["validate"]).exit_code == 2  # usage error: no paths
    assert CliRunner().invoke(cli, ["validate", str(valid), "--workers", "0"]).exit_code == 2


def test_validate_with_two_workers_gives_the_same_report(tmp_path: Path, eff: Template) -> None:
    paths = [eff_workbook(tmp_path, eff, f"{i}.xlsx", who=WHO | {"rater": f"Rater {i}"}) for i in range(4)]
    paths.append(eff_workbook(tmp_path, eff, "bad.xlsx", who=WHO | {"rater": "Rater 9"}, side="Both"))
    one = validate_paths(paths, workers=1).to_dict()
    two = validate_paths(paths, workers=2).to_dict()
    assert one == two
    assert one["stats"]["invalid"] == 1


def test_validate_never_modifies_inputs(tmp_path: Path, eff: Template, table: Template) -> None:
    paths = [eff_workbook(tmp_path, eff), _two_problem_workbook(tmp_path, table)[0]]
    before = [fingerprint(p) for p in paths]
    listing = sorted(tmp_path.iterdir())
    assert run(*paths, "--report", tmp_path / "problems.xlsx").exit_code == 1
    assert [fingerprint(p) for p in paths] == before
    assert sorted(tmp_path.iterdir()) == sorted([*listing, tmp_path / "problems.xlsx"])


def test_quiet_prints_nothing_but_keeps_the_exit_code(tmp_path: Path, table: Template) -> None:
    path, _ = _two_problem_workbook(tmp_path, table)
    result = CliRunner().invoke(cli, ["validate", str(path), "--quiet"])
    assert (result.exit_code, result.output) == (1, "")


def test_valid_values_helper_matches_the_spec(eff: Template, table: Template) -> None:
    """The fill helper answers every required field of both templates (guards the other tests)."""
    for template, values in ((eff, valid_effectiveness_values(eff)), (table, valid_table_values(table))):
        assert {f.id for f in template.fields if f.required} <= set(values)
    assert valid_values(eff, [eff.field("side")], side="PARTNER") == {"side": "Partner"}
