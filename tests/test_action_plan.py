"""The action plan: a normal partnersheet workbook, one table of actions, returned and checked.

A person types actions into the named cells (openpyxl); the expected values are what was typed.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner
from helpers import fill, make_workbook, name_cells, valid_effectiveness_values
from openpyxl.utils.cell import coordinate_to_tuple

from partnersheet.cli import cli
from partnersheet.compile.core import compile_paths
from partnersheet.intake.read import Submission, read_submission
from partnersheet.intake.validate import check_submission
from partnersheet.spec import load_template
from partnersheet.workbook.generate import generate_bytes, personalise

SHEET = "Action Plan"
COLUMNS = ("partnership", "indicator", "round", "found", "action", "owner", "side", "due", "status", "measure")
ACTIONS = {
    1: (
        "County Health Department",
        "Action plans",
        "Fall 2026",
        "Score 1.8 (Somewhat effective)",
        "Write a one-page plan with dates and owners",
        "Ana Ruiz",
        "Shared",
        date(2026, 12, 15),
        "In progress",
        "Plan signed by both directors",
    ),
    2: (
        "Tri-County Food Bank",
        "Shared leadership: Share decision-making",
        "Fall 2026",
        "Raters 3 levels apart",
        "Agree who decides what at the next meeting",
        "Sam Lee",
        "Partner",
        date(2027, 1, 31),
        "Not started",
        "Decision log kept",
    ),
}


def typed() -> dict[str, Any]:
    return {f"actions__r{k}__{c}": v for k, row in ACTIONS.items() for c, v in zip(COLUMNS, row, strict=True)}


def returned(tmp_path: Path, extra: dict[str, Any] | None = None, name: str = "plan.xlsx") -> Path:
    blank = make_workbook(tmp_path, "action-plan", name, library="Riverbend Public Library", rater="Ana Ruiz")
    return fill(blank, typed() | (extra or {}))


def test_a_returned_action_plan_validates_and_reads_back_what_was_typed(tmp_path: Path) -> None:
    path = returned(tmp_path)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    sub = read_submission(path)
    assert isinstance(sub, Submission) and check_submission(sub) == []
    for k, row in ACTIONS.items():
        assert tuple(sub.value(f"actions__r{k}__{c}") for c in COLUMNS) == row
    assert all(sub.values[f"actions__r{k}__action"].empty for k in range(3, 41))


def test_status_is_a_dropdown_and_a_started_row_needs_an_action(tmp_path: Path) -> None:
    path = returned(tmp_path, {"actions__r1__status": "Finished", "actions__r3__partnership": "Cedar Valley"})
    problems = sorted((p.code, p.field_id) for p in check_submission(read_submission(path)))  # type: ignore[arg-type]
    assert problems == [
        ("not-a-choice", "actions__r1__status"),
        ("row-incomplete", "actions__r3__action"),
        ("row-incomplete", "actions__r3__indicator"),
    ]
    ws = openpyxl.load_workbook(path)[SHEET]
    _, ref = name_cells(path)["ps_actions__r1__status"]
    (dv,) = [dv for dv in ws.data_validations.dataValidation if ref in str(dv.sqref).split()]
    assert dv.type == "list" and dv.formula1 == "list_status"
    lists = openpyxl.load_workbook(path)["_lists"]
    column = next(c for c in lists.iter_cols() if c[0].value == "list_status")
    assert [c.value for c in column[1:] if c.value] == ["Not started", "In progress", "Done", "Dropped"]


def test_the_table_header_repeats_on_every_printed_page(tmp_path: Path) -> None:
    path = returned(tmp_path)
    _, ref = name_cells(path)["ps_actions__r1__partnership"]
    header_row = coordinate_to_tuple(ref)[0] - 1
    assert openpyxl.load_workbook(path)[SHEET].cell(header_row, coordinate_to_tuple(ref)[1]).value == "Partnership"
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
    titles = re.search(r'<definedName name="_xlnm.Print_Titles"[^>]*>([^<]*)<', workbook)
    assert titles and titles[1] == f"'{SHEET}'!${header_row}:${header_row}"


def test_a_returned_action_plan_compiles_with_every_value_on_the_data_sheet(tmp_path: Path) -> None:
    path = returned(tmp_path)
    assert compile_paths([path], workers=1).valid
    out = tmp_path / "comparison.xlsx"
    result = CliRunner().invoke(cli, ["compile", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = openpyxl.load_workbook(out)["Data"]
    texts = {c.value for row in data.iter_rows() for c in row}
    assert "Agree who decides what at the next meeting" in texts and "actions__r1__status" in texts


# --- compile --actions: the plan a comparison hands on -----------------------------------------


def rater_return(tmp_path: Path, name: str, rater: str, side: str, ratings: dict[str, str]) -> Path:
    """An effectiveness return: every criterion Effective unless ``ratings`` (id prefix -> label) says."""
    eff = load_template("effectiveness")
    who = {"partner": "County Health Department", "rater": rater, "side": side, "round": "Spring 2026"}
    answers = valid_effectiveness_values(eff, **who)
    for f in eff.fields:
        if f.type == "rating":
            answers[f.id] = next((v for k, v in ratings.items() if f.id.startswith(k)), "Effective")
    path = tmp_path / name
    path.write_bytes(generate_bytes(eff, personalise(eff, who), answers=answers))
    return path


def test_compile_writes_an_action_plan_of_weak_indicators_and_disagreements_that_validates_once_filled(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # Action plans: Ineffective from both (1.00); Shared goals: Somewhat effective from both (2.00);
    # the shared-mission criterion: Highly effective against Somewhat effective (2 levels apart),
    # so Mission and beliefs scores (4 + 2 + 3 + 3) / 4 = 3.00, Effective, and is not a weak row.
    common = {"action_plans__": "Ineffective", "goals__": "Somewhat effective"}
    rater_return(inbox, "a.xlsx", "A. Rivera", "library", common | {"mission__shared_mission": "Highly effective"})
    rater_return(inbox, "b.xlsx", "B. Chen", "partner", common | {"mission__shared_mission": "Somewhat effective"})
    plan = tmp_path / "actions.xlsx"
    result = CliRunner().invoke(cli, ["compile", str(inbox), "-o", str(tmp_path / "c.xlsx"), "--actions", str(plan)])
    assert result.exit_code == 0, result.output
    assert "Action plan: 3 findings" in result.output
    wb = openpyxl.load_workbook(plan)
    where = name_cells(plan)

    def at(fid: str) -> Any:
        sheet, ref = where[f"ps_{fid}"]
        return wb[sheet][ref].value

    rows = [tuple(at(f"actions__r{k}__{c}") for c in ("partnership", "round", "indicator")) for k in (1, 2, 3)]
    assert rows == [
        ("County Health Department", "Spring 2026", "Action plans"),
        ("County Health Department", "Spring 2026", "Shared goals for partnership"),
        (
            "County Health Department",
            "Spring 2026",
            "Mission and beliefs: A shared mission and set of beliefs serve as guides for the work of the partnership.",
        ),
    ]
    assert at("actions__r1__found").startswith(f"Score {1:.2f} (Ineffective)")
    assert at("actions__r2__found").startswith(f"Score {2:.2f} (Somewhat effective)")
    assert at("actions__r3__found") == "Raters 2 levels apart on this criterion"
    assert at("actions__r4__partnership") is None and at("actions__r1__action") is None
    # Returned with the actions agreed, the plan is an ordinary valid workbook.
    agreed = {f"actions__r{k}__action": f"Action {k}" for k in (1, 2, 3)} | {"actions__r1__status": "In progress"}
    agreed["library_name"] = "Riverbend Public Library"  # the returns named no library: typed in
    filled = fill(plan, agreed, tmp_path / "returned-plan.xlsx")
    checked = CliRunner().invoke(cli, ["validate", str(filled)])
    assert checked.exit_code == 0, checked.output
