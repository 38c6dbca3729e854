"""The agreement and the action plan through a real LibreOffice Calc: typed, sorted, saved, read back.

Cells come from each workbook's ``ps_`` names (openpyxl); the driver types as a person does and
sorts a table with Calc's own sort. Every typed value must come back through validate and compile.
Also: Calc prints the agreement sheet on two pages.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import name_cells, rewrite_parts, soffice_convert
from libreoffice import LibreOffice, save_steps, type_steps
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter

from partnersheet.cli import cli
from partnersheet.intake.read import Submission, read_submission
from partnersheet.intake.validate import check_submission

pytestmark = pytest.mark.libreoffice

SAMPLE_TABLE = Path(__file__).resolve().parent.parent / "samples" / "returns" / "partnership-table-riverbend.xlsx"
AGREEMENT_FORM = {
    "library_representative": "Ana Ruiz, outreach librarian",
    "partner_representative": "Sam Lee, program manager",
    "purpose": "Adults in the river wards find trustworthy health information and act on it.",
    "community_group": "Adults without a regular doctor",
    "start_date": "2026-03-01",
    "review_date": "2026-09-01",
}
# Typed into the tables: (table, row, column) -> (typed, read back as).
TABLE_TYPED: dict[tuple[str, int, str], tuple[str, Any]] = {
    ("roles", 1, "responsibility"): ("Book the meeting room", "Book the meeting room"),
    ("roles", 1, "who"): ("library", "Library"),
    ("roles", 2, "responsibility"): ("Recruit participants", "Recruit participants"),
    ("roles", 2, "who"): ("Shared", "Shared"),
    ("roles", 2, "person"): ("Sam Lee", "Sam Lee"),
    ("goals", 1, "goal"): ("Hold six workshops", "Hold six workshops"),
    ("goals", 1, "due"): ("2026-12-01", date(2026, 12, 1)),
    ("goals", 1, "target"): ("6", "6"),
    ("goals", 2, "goal"): ("Answer health questions", "Answer health questions"),
    ("goals", 2, "due"): ("2026-06-30", date(2026, 6, 30)),
    ("goals", 2, "owner"): ("Ana Ruiz", "Ana Ruiz"),
    ("goals", 3, "goal"): ("Co-write a guide", "Co-write a guide"),
    ("goals", 3, "due"): ("2026-10-15", date(2026, 10, 15)),
    ("milestones", 1, "milestone"): ("First workshop held", "First workshop held"),
    ("milestones", 1, "date"): ("2026-04-15", date(2026, 4, 15)),
    ("milestones", 1, "status"): ("in progress", "In progress"),
    ("communication", 1, "what"): ("Meeting notes and decisions", "Meeting notes and decisions"),
    ("communication", 1, "channel"): ("Email", "Email"),
    ("communication", 1, "how_often"): ("Monthly", "Monthly"),
}
ACTIONS_TYPED: dict[tuple[int, str], tuple[str, Any]] = {
    (1, "partnership"): ("County Health Department", "County Health Department"),
    (1, "indicator"): ("Action plans", "Action plans"),
    (1, "action"): ("Write a one-page plan with owners", "Write a one-page plan with owners"),
    (1, "due"): ("2026-12-15", date(2026, 12, 15)),
    (1, "status"): ("in progress", "In progress"),
    (1, "side"): ("Shared", "Shared"),
    (2, "partnership"): ("Tri-County Food Bank", "Tri-County Food Bank"),
    (2, "indicator"): ("Shared leadership: Share decision-making", "Shared leadership: Share decision-making"),
    (2, "action"): ("Keep a decision log", "Keep a decision log"),
    (2, "status"): ("Not started", "Not started"),
    (2, "measure"): ("Log reviewed quarterly", "Log reviewed quarterly"),
}


def read_ok(path: Path) -> Submission:
    sub = read_submission(path)
    assert isinstance(sub, Submission), sub
    return sub


def cells(path: Path) -> dict[str, tuple[str, str]]:
    return {name.removeprefix("ps_"): where for name, where in name_cells(path).items()}


def compiled_texts(path: Path, tmp_path: Path) -> set[Any]:
    out = tmp_path / f"comparison-{path.suffix[1:]}.xlsx"
    result = CliRunner().invoke(cli, ["compile", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = openpyxl.load_workbook(out)["Data"]
    return {c.value for row in data.iter_rows() for c in row}


def test_typed_agreement_tables_sorted_by_calc_read_back_as_whole_records(lo: LibreOffice, tmp_path: Path) -> None:
    source = tmp_path / "agreement.xlsx"
    made = CliRunner().invoke(
        cli, ["new", "agreement", "--from", str(SAMPLE_TABLE), "--candidate", "1", "-o", str(source)]
    )
    assert made.exit_code == 0, made.output
    where = cells(source)
    typed = dict(AGREEMENT_FORM)
    expected: dict[str, Any] = {k: v for k, v in AGREEMENT_FORM.items() if not k.endswith("date")}
    expected |= {"start_date": date(2026, 3, 1), "review_date": date(2026, 9, 1)}
    for (table, k, column), (text, value) in TABLE_TYPED.items():
        typed[f"{table}__r{k}__{column}"] = text
        expected[f"{table}__r{k}__{column}"] = value
    # Then Calc's own sort on the goals table, row numbers included, by goal text Z to A.
    first = coordinate_to_tuple(where["goals__r1__goal"][1])
    last = coordinate_to_tuple(where["goals__r8__owner"][1])
    block = f"{get_column_letter(first[1] - 1)}{first[0]}:{get_column_letter(last[1])}{last[0]}"
    steps = type_steps(where, typed)
    steps += [
        {"op": "unprotect", "sheet": "Agreement"},
        {"op": "sort", "sheet": "Agreement", "range": block, "by": 1, "ascending": False},
    ]
    result = lo.run({"open": str(source), "steps": steps + save_steps(tmp_path, "typed")})
    after = result["steps"][-1]["after"]
    assert [row[1] for row in after[:3]] == ["Hold six workshops", "Co-write a guide", "Answer health questions"]
    for suffix in (".xlsx", ".ods"):
        path = tmp_path / f"typed{suffix}"
        check = CliRunner().invoke(cli, ["validate", str(path)])
        assert check.exit_code == 0, check.output
        sub = read_ok(path)
        assert check_submission(sub) == []
        for fid, value in expected.items():
            assert sub.value(fid) == value, (suffix, fid, sub.value(fid))
        assert sub.value("partner_dollars") == 2500  # pre-filled from the table, kept through Calc
        texts = compiled_texts(path, tmp_path)
        assert {"Co-write a guide", "goals__r3__goal", "Meeting notes and decisions"} <= texts


def test_typed_action_plan_reads_back_through_validate_and_compile(lo: LibreOffice, tmp_path: Path) -> None:
    source = tmp_path / "plan.xlsx"
    made = CliRunner().invoke(cli, ["new", "action-plan", "--library", "Riverbend Public Library", "-o", str(source)])
    assert made.exit_code == 0, made.output
    typed = {f"actions__r{k}__{c}": text for (k, c), (text, _) in ACTIONS_TYPED.items()}
    lo.run({"open": str(source), "steps": type_steps(cells(source), typed) + save_steps(tmp_path, "plan-typed")})
    for suffix in (".xlsx", ".ods"):
        path = tmp_path / f"plan-typed{suffix}"
        check = CliRunner().invoke(cli, ["validate", str(path)])
        assert check.exit_code == 0, check.output
        sub = read_ok(path)
        for (k, c), (_, value) in ACTIONS_TYPED.items():
            assert sub.value(f"actions__r{k}__{c}") == value, (suffix, k, c)
        assert {"Keep a decision log", "actions__r2__action"} <= compiled_texts(path, tmp_path)


def test_calc_prints_the_agreement_on_two_pages(soffice: str, tmp_path: Path) -> None:
    source = tmp_path / "agreement.xlsx"
    made = CliRunner().invoke(
        cli, ["new", "agreement", "--from", str(SAMPLE_TABLE), "--candidate", "1", "-o", str(source)]
    )
    assert made.exit_code == 0, made.output
    # Only the agreement sheet prints: the Instructions sheet hidden, the agreement active.
    only = rewrite_parts(
        source,
        {
            "xl/workbook.xml": lambda b: re.sub(
                rb'(<sheet name="Instructions")',
                rb'\1 state="hidden"',
                b.replace(b"<workbookView ", b'<workbookView activeTab="1" '),
            )
        },
        tmp_path / "agreement-only.xlsx",
    )
    out = soffice_convert(soffice, [only], "pdf", tmp_path / "pdf", tmp_path / "profile")
    pdf = (out / "agreement-only.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 2
