"""Inputs are only ever read: no command writes an output over a file it reads, whatever the flags.

Each test gives an output path that is one of the inputs (by the same name, through a symbolic link,
or as a hard link to it), with --force, and checks the person's file is byte for byte what it was,
the one line names the file, and no "--force" is suggested (it would not help).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import Result
from helpers import WHO, fill, fingerprint, make_workbook, one_line, valid_effectiveness_values
from helpers import run_cli as run

from partnersheet.errors import InputIsOutput
from partnersheet.files import inputs_apart_from_outputs
from partnersheet.spec import Template


def returned(folder: Path, eff: Template, name: str = "rivera.xlsx") -> Path:
    """A filled-in return, as a respondent sends it back."""
    folder.mkdir(parents=True, exist_ok=True)
    return fill(make_workbook(folder, eff, name, **WHO), valid_effectiveness_values(eff, **WHO))


def assert_refused(result: Result, shown: Path) -> str:
    line = one_line(result)
    assert result.exit_code == 2, line
    assert str(shown) in line and "being read" in line
    assert "--force" not in line
    return line


@pytest.mark.parametrize("how", ["same-path", "folder", "symlink", "hardlink"])
def test_validate_report_never_replaces_a_return(eff: Template, tmp_path: Path, how: str) -> None:
    inbox = tmp_path / "inbox"
    work = returned(inbox, eff)
    before = fingerprint(work)
    args = {
        "same-path": [str(work)],
        "folder": [str(inbox)],
        "symlink": [str(inbox)],
        "hardlink": [str(inbox)],
    }[how]
    report = work
    if how == "symlink":
        report = tmp_path / "problems.xlsx"
        report.symlink_to(work)
    elif how == "hardlink":
        report = tmp_path / "problems.xlsx"
        os.link(work, report)
    result = run("validate", *args, "--report", str(report), "--force")
    assert_refused(result, report)
    assert fingerprint(work) == before
    assert sorted(p.name for p in inbox.iterdir()) == ["rivera.xlsx"]


def test_validate_replaces_its_own_earlier_report_among_the_returns(eff: Template, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    work = returned(inbox, eff)
    report = inbox / "problems.xlsx"
    first = run("validate", str(inbox), "--report", str(report))
    assert first.exit_code == 0, first.output
    second = run("validate", str(inbox), "--report", str(report), "--force")
    assert second.exit_code == 0, second.output
    assert f"{work}: valid" in second.output
    assert "problems.xlsx" not in second.output.replace(f"Wrote {report}", "")


@pytest.mark.parametrize("which", ["output", "data"])
def test_compile_never_replaces_an_input(eff: Template, tmp_path: Path, which: str) -> None:
    inbox = tmp_path / "inbox"
    work = returned(inbox, eff)
    notes = inbox / "notes.csv"  # a CSV among the returns is read (and reported as the wrong kind)
    notes.write_text("partner,rater\n", encoding="utf-8")
    kept = {p: fingerprint(p) for p in (work, notes)}
    if which == "output":
        target = tmp_path / "comparison.xlsx"
        os.link(work, target)
        result = run("compile", str(inbox), "-o", str(target), "--force")
    else:
        target = notes
        result = run("compile", str(inbox), "-o", str(tmp_path / "c.xlsx"), "--data", str(notes), "--force")
    assert_refused(result, target)
    assert {p: fingerprint(p) for p in kept} == kept
    assert not (tmp_path / "c.xlsx").exists()


def test_roster_is_never_replaced_by_a_workbook_made_from_it(eff: Template, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "outbox"
    out.mkdir()
    roster = out / "effectiveness-Food-Bank-A-Rivera.xlsx"  # the very name its one row makes
    wb = openpyxl.Workbook()
    wb.active.append(["partner", "rater"])
    wb.active.append(["Food Bank", "A. Rivera"])
    wb.save(roster)
    before = fingerprint(roster)
    result = run("new", "effectiveness", "--roster", str(roster), "-o", str(out), "--force")
    assert_refused(result, roster)
    assert fingerprint(roster) == before
    assert list(out.iterdir()) == [roster]


def test_demo_never_replaces_a_return_it_reads(eff: Template, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    work = returned(folder / "returned", eff, "a-real-return.xlsx")
    before = fingerprint(work)
    (folder / "comparison.xlsx").symlink_to(work)
    result = run("demo", str(folder), "--force")
    assert_refused(result, folder / "comparison.xlsx")
    assert fingerprint(work) == before
    assert not (folder / "problems.xlsx").exists()


def test_the_rule_in_the_library(tmp_path: Path) -> None:
    a = tmp_path / "in" / "a.xlsx"
    a.parent.mkdir()
    a.write_bytes(b"a")
    b = tmp_path / "b.xlsx"
    b.write_bytes(b"b")
    twin = tmp_path / "twin.xlsx"
    os.link(b, twin)
    inputs = [a, b]
    # Outputs elsewhere, or not there yet: every input is kept.
    assert inputs_apart_from_outputs(inputs, [tmp_path / "out.xlsx"]) == inputs
    for clash in (a, tmp_path / "in" / ".." / "in" / "a.xlsx", twin):
        with pytest.raises(InputIsOutput) as info:
            inputs_apart_from_outputs(inputs, [clash])
        assert str(clash) in info.value.message and "--" not in str(info.value)
    # The tool's own earlier output among the inputs is not read, and may be replaced.
    assert inputs_apart_from_outputs(inputs, [twin], replaceable=lambda p: p == b) == [a]


def test_the_refusal_names_the_output_that_clashes_not_another(tmp_path: Path) -> None:
    returned = tmp_path / "returned.xlsx"
    returned.write_bytes(b"r")
    elsewhere = tmp_path / "tidy.csv"
    with pytest.raises(InputIsOutput) as info:
        inputs_apart_from_outputs([returned], [returned, elsewhere])  # the clash is the first output
    assert str(returned) in info.value.message and "tidy.csv" not in info.value.message
