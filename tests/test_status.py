"""`status`: each roster row matched to what came back, reminders for those with something to do.

A coordinator's round, built the way it happens: workbooks made from a roster with `new --roster`,
some filled and returned, one with a mistake, one never returned, one from someone not on the
roster. Expected states and rates are written out here from that story, not taken from the tool.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from helpers import fill, run_cli, set_saved, valid_effectiveness_values

from partnersheet.rounds.status import status_of
from partnersheet.spec import load_template

RATERS = [
    # partner, rater, side, round, email, what happens
    ("County Health Department", "Ana Ruiz", "library", "Spring 2026", "ana@library.example", "valid"),
    ("County Health Department", "Bo Chen", "partner", "Spring 2026", "bo@health.example", "errors"),
    ("County Health Department", "Cy Diaz", "partner", "Spring 2026", "", "missing"),
    ("Food Bank", "Di Eze", "library", "Spring 2026", "di@library.example", "valid"),
]
NOTE = "Monthly meetings held; minutes shared."


@pytest.fixture(scope="module")
def round_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("round")
    roster = root / "raters.csv"
    with roster.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["partner", "rater", "side", "round", "email"])
        writer.writerows(r[:5] for r in RATERS)
    result = run_cli("new", "effectiveness", "--roster", str(roster), "-o", str(root / "outbox"), "-q")
    assert result.exit_code == 0, result.output
    inbox = root / "inbox"
    inbox.mkdir()
    made = sorted((root / "outbox").iterdir())
    for partner, rater, side, round_, _, fate in RATERS:
        (path,) = [p for p in made if rater.replace(" ", "-") in p.name]
        if fate == "missing":
            continue
        answers = valid_effectiveness_values(partner=partner, rater=rater, side=side, round=round_)
        answers["mission__evidence"] = NOTE
        if fate == "errors":
            answers["mission__shared_mission"] = "Very good"  # not a rating
            answers["assessment_date"] = "next Tuesday"  # not a date
        fill(path, answers, inbox / path.name)
    # Someone the coordinator did not list sent one in too.
    stranger = valid_effectiveness_values(partner="Food Bank", rater="Ed Fox", side="partner", round="Spring 2026")
    blank = run_cli("new", "effectiveness", "-o", str(root / "blank.xlsx"), "-q")
    assert blank.exit_code == 0, blank.output
    fill(root / "blank.xlsx", stranger, inbox / "forwarded.xlsx")
    # A roster rater's workbook of another template (this roster is for effectiveness).
    other = run_cli(
        "new", "sustainability", "--partner", "County Health Department", "--rater", "Ana Ruiz",
        "--side", "library", "--round", "Spring 2026", "-o", str(inbox / "ana-sustainability.xlsx"), "-q",
    )  # fmt: skip
    assert other.exit_code == 0, other.output
    return root


def test_each_roster_row_gets_its_state(round_folder: Path) -> None:
    report = status_of(load_template("effectiveness"), round_folder / "raters.csv", [round_folder / "inbox"])
    states = {r.row.who.rater: r.state for r in report.rows}
    assert states == {
        "Ana Ruiz": "valid",
        "Bo Chen": "returned with errors",
        "Cy Diaz": "not returned",
        "Di Eze": "valid",
    }
    bo = next(r for r in report.rows if r.row.who.rater == "Bo Chen")
    assert bo.errors == 2 and len(bo.cells) == 2 and all(c.startswith("Rubric!") for c in bo.cells)
    assert not report.complete


def test_a_return_from_someone_not_on_the_roster_is_listed(round_folder: Path) -> None:
    report = status_of(load_template("effectiveness"), round_folder / "raters.csv", [round_folder / "inbox"])
    assert [Path(f.file).name for f in report.unmatched] == ["forwarded.xlsx"]


def test_returns_of_other_templates_are_set_aside_not_matched(round_folder: Path, tmp_path: Path) -> None:
    report = status_of(load_template("effectiveness"), round_folder / "raters.csv", [round_folder / "inbox"])
    assert [Path(f.file).name for f in report.other_templates] == ["ana-sustainability.xlsx"]
    assert report.other_template_counts() == {"sustainability": 1}
    ana = next(r for r in report.rows if r.row.who.rater == "Ana Ruiz")
    assert ana.state == "valid" and Path(ana.file).name != "ana-sustainability.xlsx" and not ana.older
    out = tmp_path / "status.xlsx"
    result = run_cli("status", str(round_folder / "raters.csv"), str(round_folder / "inbox"), "--report", str(out))
    assert "Set aside: 1 return of another template (1 sustainability); this roster is for effectiveness" in (
        result.output
    )
    assert "ana-sustainability.xlsx: returned but not on the roster" not in result.output
    listed = {row[0].value: row[1].value for row in openpyxl.load_workbook(out)["Other files"].iter_rows(min_row=2)}
    assert listed["ana-sustainability.xlsx"] == "another template (sustainability): not this roster's"
    assert listed["forwarded.xlsx"] == "not on the roster"


def test_response_rates_per_partnership_side_and_round(round_folder: Path) -> None:
    report = status_of(load_template("effectiveness"), round_folder / "raters.csv", [round_folder / "inbox"])
    rates = {(g.partner, g.side): (g.expected, g.returned, g.valid, g.rate) for g in report.rates()}
    assert rates == {
        ("County Health Department", "Library"): (1, 1, 1, 1.0),
        ("County Health Department", "Partner"): (2, 1, 0, 0.0),
        ("Food Bank", "Library"): (1, 1, 1, 1.0),
    }


def test_cli_reminders_report_and_exit_code(round_folder: Path, tmp_path: Path) -> None:
    reminders, report = tmp_path / "reminders.csv", tmp_path / "status.xlsx"
    result = run_cli(
        "status",
        str(round_folder / "raters.csv"),
        str(round_folder / "inbox"),
        "--report",
        str(report),
        "--reminders",
        str(reminders),
    )
    assert result.exit_code == 1, result.output
    assert "Cy Diaz" in result.output and "Bo Chen" in result.output
    with reminders.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["name"], r["email"]) for r in rows] == [("Bo Chen", "bo@health.example"), ("Cy Diaz", "")]
    assert rows[0]["what to do"].startswith("fix 2 problems in cells Rubric!")
    assert rows[1]["what to do"] == "send the completed workbook"
    wb = openpyxl.load_workbook(report)
    ws = wb["Status"]
    headers = [c.value for c in ws[1]]
    table = [dict(zip(headers, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)]
    assert {(r["Rater"], r["State"]) for r in table} == {
        ("Ana Ruiz", "valid"),
        ("Bo Chen", "returned with errors"),
        ("Cy Diaz", "not returned"),
        ("Di Eze", "valid"),
    }
    assert ws.auto_filter.ref and ws.freeze_panes == "A2"
    fills = {rule.dxf.fill.bgColor.rgb[-6:] for rng in ws.conditional_formatting for rule in rng.rules}
    assert {"F8CBAD", "FFE699", "C6EFCE"} <= {f.upper() for f in fills if f}
    rates = wb["Response rates"]
    assert [c.value for c in rates[1]][:6] == ["Partnership", "Side", "Round", "On the roster", "Returned", "Valid"]
    assert wb.properties.title


def test_status_never_shows_a_rating_or_a_note(round_folder: Path, tmp_path: Path) -> None:
    report = tmp_path / "status.xlsx"
    result = run_cli("status", str(round_folder / "raters.csv"), str(round_folder / "inbox"), "--report", str(report))
    assert result.exit_code == 1
    scale = load_template("effectiveness").scales["effectiveness"]
    secret = {level.label for level in scale.levels} | {NOTE, "Very good"}
    texts = [
        str(c.value) for ws in openpyxl.load_workbook(report) for row in ws.iter_rows() for c in row if c.value
    ] + [result.output]
    assert not [t for t in texts for s in secret if s in t]


def test_json_is_the_library_report(round_folder: Path) -> None:
    result = run_cli("status", str(round_folder / "raters.csv"), str(round_folder / "inbox"), "--json")
    data = json.loads(result.output)
    assert data["complete"] is False
    assert data["counts"] == {
        "roster_rows": 4,
        "not returned": 1,
        "returned with errors": 1,
        "valid": 2,
        "unmatched": 1,
        "unusable": 0,
        "other_templates": 1,
    }


def test_every_row_valid_exits_0(round_folder: Path, tmp_path: Path) -> None:
    roster = tmp_path / "done.csv"
    with roster.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["partner", "rater", "side", "round"], RATERS[0][:4], RATERS[3][:4]])
    result = run_cli("status", str(roster), str(round_folder / "inbox"), "-q")
    assert result.exit_code == 0, result.output


def test_an_email_that_is_not_one_is_named_with_its_line(tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("partner,rater,email\nFood Bank,Di Eze,di@library.example\nFood Bank,Ed Fox,ed at home\n")
    result = run_cli("status", str(roster), str(tmp_path))
    assert result.exit_code != 0
    assert "line 3" in result.output and "ed at home" in result.output


def test_the_report_may_not_replace_the_roster(round_folder: Path, tmp_path: Path) -> None:
    roster = tmp_path / "raters.csv"
    shutil.copy(round_folder / "raters.csv", roster)
    before = roster.read_bytes()
    result = run_cli("status", str(roster), str(round_folder / "inbox"), "--reminders", str(roster), "--force")
    assert result.exit_code == 2
    assert roster.read_bytes() == before


def test_a_corrected_copy_counts_and_the_first_is_listed_as_superseded(tmp_path: Path) -> None:
    roster = tmp_path / "raters.csv"
    roster.write_text("partner,rater,side,round\nFood Bank,Di Eze,library,Spring 2026\n", encoding="utf-8")
    assert run_cli("new", "effectiveness", "--roster", str(roster), "-o", str(tmp_path / "out"), "-q").exit_code == 0
    (made,) = (tmp_path / "out").iterdir()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    answers = valid_effectiveness_values(partner="Food Bank", rater="Di Eze", side="library", round="Spring 2026")
    first = fill(made, answers | {"assessment_date": "next Tuesday"}, inbox / "first.xlsx")
    fixed = fill(made, answers, inbox / "fixed.xlsx")
    set_saved(first, "2026-03-01T09:00:00Z")
    set_saved(fixed, "2026-03-03T09:00:00Z")
    report = status_of(load_template("effectiveness"), roster, [inbox])
    (row,) = report.rows
    assert (row.state, Path(row.file).name, [Path(f).name for f in row.older]) == (
        "valid",
        "fixed.xlsx",
        ["first.xlsx"],
    )
    assert report.complete and not report.reminders()
