"""A returned action plan given to a later compile: each action beside the indicator it names, the
overdue ones listed first, the ones that name nothing known kept and said so.

The plan is typed into its named cells with openpyxl; what the comparison should show is worked
out here from what was typed and the compile date the test chose.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import cell_of, fill, make_workbook, valid_effectiveness_values

from partnersheet.cli import cli
from partnersheet.compile.run import compile_to
from partnersheet.spec import SpecError, load_template
from partnersheet.spec.loader import TEMPLATES_DIR, parse_template
from partnersheet.workbook.generate import generate_bytes, personalise

COMPILED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TODAY = COMPILED.date()
HEALTH, FOOD = "County Health Department", "Tri-County Food Bank"
EFF = load_template("effectiveness")
LABEL = {g.id: g.label for _, s in EFF.sections() if s.layout == "rubric" for g in s.groups}
CRITERION = next(f.label for f in EFF.fields if f.id.startswith("leadership__") and f.kind.scored)
COLUMNS = ("partnership", "indicator", "round", "action", "owner", "side", "due", "status")
# Plan rows as typed (row number -> answers); the rows are out of order and have gaps on purpose.
TYPED: dict[int, tuple[Any, ...]] = {
    3: (
        "  county health   DEPARTMENT ",
        "ACTION  plans",
        "Spring 2026",
        "Write the plan",
        "Ana Ruiz",
        "Shared",
        date(2026, 9, 1),
        "In progress",
    ),
    1: (
        FOOD,
        f"{LABEL['leadership']}: {CRITERION}",
        "",
        "Agree who decides",
        "Sam Lee",
        "Partner",
        date(2026, 10, 1),
        "Done",
    ),
    7: (HEALTH, LABEL["goals"], "", "Set a number", "Ana Ruiz", "Library", None, "Not started"),
    5: (FOOD, LABEL["mission"], "Fall 2027", "Revisit the charter", "Sam Lee", "Shared", date(2026, 10, 20), ""),
    9: ("Friends of the Library", LABEL["mission"], "", "Ask them", "", "", date(2026, 12, 1), "Not started"),
    2: (HEALTH, LABEL["progress"], "", "Survey participants", "Lena Ortiz", "Partner", date(2026, 11, 1), "Dropped"),
}


def rated(folder: Path, partner: str, rater: str) -> None:
    who = {"partner": partner, "rater": rater, "side": "library", "round": "Spring 2026"}
    answers = valid_effectiveness_values(EFF, **who)
    (folder / f"{rater}.xlsx").write_bytes(generate_bytes(EFF, personalise(EFF, who), answers=answers))


def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    rated(folder, HEALTH, "A. Rivera")
    rated(folder, FOOD, "B. Chen")
    blank = make_workbook(tmp_path, "action-plan", "blank.xlsx", library="Riverbend Public Library", rater="Ana Ruiz")
    values = {f"actions__r{k}__{c}": v for k, row in TYPED.items() for c, v in zip(COLUMNS, row, strict=True)}
    fill(blank, {k: v for k, v in values.items() if v not in ("", None)}, folder / "plan.xlsx")
    return folder


def table(path: Path, sheet: str, first: str) -> list[dict[str, Any]]:
    """The rows of a sheet's table, by the headers of the row whose first cell is ``first``."""
    rows = list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if row[0] == first)
    return [dict(zip(rows[top], row, strict=True)) for row in rows[top + 1 :] if row[0] is not None]


def test_each_action_stands_beside_the_indicator_it_names_and_nowhere_else(tmp_path: Path) -> None:
    out = tmp_path / "comparison.xlsx"
    compile_to([inbox(tmp_path)], out, compiled_at=COMPILED, workers=1, confidentiality="attributed")
    rows = table(out, "Indicators", "Partnership")
    beside = {(r["Partnership"], r["Indicator"]): r["Action (status, owner, due)"] or "" for r in rows}
    assert len(beside) == 12  # two partnerships, six indicators
    late = (TODAY - date(2026, 9, 1)).days
    plan = beside[(HEALTH, LABEL["action_plans"])]
    assert plan == f"In progress, Ana Ruiz, due 2026-09-01 (overdue by {late} days): Write the plan"
    assert beside[(HEALTH, LABEL["goals"])] == "Not started, Ana Ruiz: Set a number"
    assert beside[(HEALTH, LABEL["progress"])] == "Dropped, Lena Ortiz, due 2026-11-01: Survey participants"
    assert beside[(FOOD, LABEL["leadership"])] == f"[{CRITERION}] Done, Sam Lee, due 2026-10-01: Agree who decides"
    shown = {(HEALTH, LABEL[i]) for i in ("action_plans", "goals", "progress")} | {(FOOD, LABEL["leadership"])}
    assert {key for key, text in beside.items() if text} == shown  # the Fall 2027 and unknown rows: nowhere


def test_the_actions_sheet_lists_overdue_actions_first_and_keeps_the_unmatched(tmp_path: Path) -> None:
    out = tmp_path / "comparison.xlsx"
    compile_to([inbox(tmp_path)], out, compiled_at=COMPILED, workers=1, confidentiality="attributed")
    rows = table(out, "Actions", "Partnership")
    assert sorted(r["Agreed action"] for r in rows) == sorted(row[3] for row in TYPED.values())
    # Overdue: due before the compile date and neither Done nor Dropped (a blank status is open).
    overdue = {
        row[3]: (TODAY - row[6]).days
        for row in TYPED.values()
        if row[6] and row[6] < TODAY and row[7] not in ("Done", "Dropped")
    }
    assert overdue == {"Write the plan": 62, "Revisit the charter": 13}
    assert [(r["Agreed action"], r["Days overdue"]) for r in rows[: len(overdue)]] == sorted(
        overdue.items(), key=lambda item: -item[1]
    )
    assert all(r["Days overdue"] is None for r in rows[len(overdue) :])
    by_action = {r["Agreed action"]: r for r in rows}
    assert by_action["Revisit the charter"]["Shown beside (Indicators sheet)"].startswith("Not matched:")
    assert "Fall 2027" in by_action["Revisit the charter"]["Shown beside (Indicators sheet)"]
    assert "Friends of the Library" in by_action["Ask them"]["Shown beside (Indicators sheet)"]
    assert by_action["Write the plan"]["Shown beside (Indicators sheet)"] == f"{HEALTH}: {LABEL['action_plans']}"
    assert by_action["Write the plan"]["Due date"] == datetime(2026, 9, 1)
    # The cell named is where the row's partnership was typed: row 3 of the plan's table.
    assert by_action["Write the plan"]["Cell"] == f"Action Plan!{cell_of_row(tmp_path, 3)}"


def cell_of_row(tmp_path: Path, k: int) -> str:
    return cell_of(tmp_path / "inbox" / "plan.xlsx", f"actions__r{k}__partnership")[1]


def test_the_plan_a_compile_writes_comes_back_filled_and_shows_beside_its_indicators(tmp_path: Path) -> None:
    """The whole loop: compile --actions, the partners fill the plan, the next compile shows it."""
    folder = tmp_path / "round1"
    folder.mkdir()
    for rater, side, rating in (("A. Rivera", "library", "Ineffective"), ("B. Chen", "partner", "Somewhat effective")):
        who = {"partner": HEALTH, "rater": rater, "side": side, "round": "Spring 2026"}
        answers = valid_effectiveness_values(EFF, **who)
        answers |= {f.id: rating for f in EFF.fields if f.id.startswith("action_plans__") and f.kind.scored}
        (folder / f"{rater}.xlsx").write_bytes(generate_bytes(EFF, personalise(EFF, who), answers=answers))
    plan = tmp_path / "actions.xlsx"
    result = CliRunner().invoke(cli, ["compile", str(folder), "-o", str(tmp_path / "c1.xlsx"), "--actions", str(plan)])
    assert result.exit_code == 0, result.output
    agreed = {
        "library_name": "Riverbend Public Library",
        "actions__r1__action": "Write a one-page plan",
        "actions__r1__owner": "Ana Ruiz",
        "actions__r1__due": date(2026, 10, 15),
        "actions__r1__status": "In progress",
    }
    fill(plan, agreed, folder / "plan-returned.xlsx")
    out = tmp_path / "c2.xlsx"
    compile_to([folder], out, compiled_at=COMPILED, workers=1, confidentiality="attributed")
    rows = table(out, "Indicators", "Partnership")
    beside = {r["Indicator"]: r["Action (status, owner, due)"] for r in rows}
    late = (TODAY - date(2026, 10, 15)).days
    expected = f"In progress, Ana Ruiz, due 2026-10-15 (overdue by {late} days): Write a one-page plan"
    assert beside[LABEL["action_plans"]] == expected
    assert [k for k, v in beside.items() if v] == [LABEL["action_plans"]]


def test_without_an_action_plan_the_comparison_has_no_action_column_or_sheet(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    rated(folder, HEALTH, "A. Rivera")
    out = tmp_path / "comparison.xlsx"
    compile_to([folder], out, compiled_at=COMPILED, workers=1)
    wb = openpyxl.load_workbook(out)
    assert "Actions" not in wb.sheetnames and "Agreements" not in wb.sheetnames
    assert "Action (status, owner, due)" not in table(out, "Indicators", "Partnership")[0]


def test_a_confidential_comparison_takes_raters_names_out_of_actions_and_shows_file_keys(tmp_path: Path) -> None:
    """Ana Ruiz prepared the plan (its rater), so her name typed as an owner becomes [name]."""
    out = tmp_path / "comparison.xlsx"
    compile_to([inbox(tmp_path)], out, compiled_at=COMPILED, workers=1, confidentiality="confidential")
    rows = table(out, "Actions", "Partnership")
    owners = {r["Agreed action"]: r["Owner"] for r in rows}
    assert owners["Write the plan"] == owners["Set a number"] == "[name]"
    assert owners["Agree who decides"] == "Sam Lee"  # not a rater: kept
    assert all(r["File"].startswith("F-") for r in rows)
    wb = openpyxl.load_workbook(out)
    texts = [str(v) for name in ("Indicators", "Actions") for row in wb[name].iter_rows(values_only=True) for v in row]
    assert not any("Ana Ruiz" in t or "plan.xlsx" in t for t in texts)


def test_each_sample_action_stands_beside_its_round_on_the_trends_sheet(tmp_path: Path) -> None:
    """The sample plan's actions, read from its cells, on the Trends rows of their partnership and
    indicator: in the round they name, or in every round when they name none."""
    samples = Path(__file__).resolve().parent.parent / "samples" / "returns"
    plan = openpyxl.load_workbook(samples / "action-plan-riverbend.xlsx")
    typed = []
    for k in range(1, 41):
        cells = {}
        for col in ("partnership", "indicator", "round", "status", "owner"):
            ((sheet, ref),) = plan.defined_names[f"ps_actions__r{k}__{col}"].destinations
            cells[col] = plan[sheet][ref.replace("$", "")].value
        if cells["partnership"]:
            typed.append(cells)
    assert typed
    out = tmp_path / "c.xlsx"
    result = CliRunner().invoke(cli, ["compile", str(samples), "-o", str(out), "--attributed", "-q"])
    assert result.exit_code == 0, result.output
    rows = table(out, "Trends", "Partnership")
    checked = 0
    for action in typed:
        mine = [
            r
            for r in rows
            if r["Partnership"] == action["partnership"]
            and r["Indicator"] == action["indicator"]
            and (not action["round"] or r["Round"] == action["round"])
        ]
        for r in mine:
            text = r["Action (status, owner, due)"] or ""
            assert f"{action['status']}, {action['owner']}" in text, (action, r)
            checked += 1
    assert checked >= len(typed)


def test_which_statuses_end_an_action_is_said_in_the_spec_and_checked() -> None:
    """``ends`` on the status column names the choices that end an action; a name not in the list
    is refused when the template loads, and the key leaves the spec's fingerprint alone."""
    path = TEMPLATES_DIR / "action_plan.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    columns = [c for sheet in raw["sheets"] for sec in sheet["sections"] for c in sec.get("columns", [])]
    (status,) = [c for c in columns if c["id"] == "status"]
    plan = parse_template(raw, path.name)
    assert plan.field("actions__r1__status").ends == tuple(status["ends"])
    assert set(status["ends"]) <= set(raw["choices"][status["choices"]])
    status["ends"] = ["Finished"]
    with pytest.raises(SpecError, match=r"columns\[\d+\]\.ends"):
        parse_template(raw, path.name)
    del status["ends"]
    assert parse_template(raw, path.name).spec_hash == plan.spec_hash
