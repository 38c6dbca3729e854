"""The demo and the committed samples: the newcomer's first command must work end to end."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner
from helpers import name_cells

from partnersheet.cli import cli
from partnersheet.intake.validate import validate_paths
from partnersheet.samples import build_samples

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "returns"
ROSTER = SAMPLES.parent / "roster.csv"


def test_committed_samples_are_up_to_date(tmp_path: Path) -> None:
    """samples/ must be what scripts/make_samples.py makes from today's templates."""
    made = build_samples(tmp_path / "returns", roster=tmp_path / "roster.csv")
    returns = [s for s in made if s.path.parent == tmp_path / "returns"]
    assert sorted(p.name for p in SAMPLES.iterdir()) == sorted(s.path.name for s in returns)
    stale = [s.path.name for s in returns if s.path.read_bytes() != (SAMPLES / s.path.name).read_bytes()]
    assert not stale, f"run `python scripts/make_samples.py`: {stale}"
    assert (tmp_path / "roster.csv").read_bytes() == ROSTER.read_bytes(), "run `python scripts/make_samples.py`"


def test_samples_show_good_and_flawed_returns() -> None:
    batch = validate_paths([SAMPLES])
    by_name = {Path(f.file).name: f for f in batch.files}
    flawed = {name: f for name, f in by_name.items() if name.startswith("flawed-")}
    assert flawed and all(f.errors for f in flawed.values())
    codes = {p.code for f in flawed.values() for p in f.problems}
    assert {"required-missing", "not-a-rating", "corrupt"} <= codes
    renamed = next(f for name, f in by_name.items() if name.startswith("renamed-sheet-"))
    assert renamed.status == "valid"
    # a first copy with answers missing, then a corrected copy of the same workbook saved later
    corrected = {name: f for name, f in by_name.items() if name.startswith("corrected-")}
    assert len(corrected) == 1 and all(f.status == "valid" for f in corrected.values())
    (first,) = [by_name[name.removeprefix("corrected-")] for name in corrected]
    assert first.status == "superseded" and first.workbook_id == next(iter(corrected.values())).workbook_id
    good = [f for name, f in by_name.items() if not name.startswith(("flawed-", "renamed-")) and f is not first]
    assert len(good) >= 20 and all(f.status == "valid" for f in good)
    templates = {f.template_id for f in good}
    assert templates == {"effectiveness", "partnership-table", "agreement", "action-plan", "sustainability"}
    good_files = {f.file for f in good if f.template_id == "effectiveness"}
    # as read (the language-neutral value): a Spanish workbook stamps its side in Spanish
    sides = {s.values["side"].value for s in batch.submissions if s.file in good_files}
    rounds = {f.identity["round"] for f in good if f.template_id == "effectiveness"}
    assert sides == {"Library", "Partner"} and len(rounds) == 3
    # two partnerships over three rounds, and raters who left or joined between rounds
    by_partner: dict[str, dict[str, set[str]]] = {}
    for f in good:
        if f.template_id == "effectiveness":
            by_partner.setdefault(f.identity["partner"], {}).setdefault(f.identity["round"], set()).add(
                f.identity["rater"]
            )
    three = [p for p, rounds_ in by_partner.items() if len(rounds_) == 3]
    assert len(three) >= 2
    assert all(
        len(set.union(*r.values()) - set.intersection(*r.values())) >= 2 for p, r in by_partner.items() if p in three
    )


def test_demo_runs_end_to_end_and_says_what_to_open(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(target)])
    assert result.exit_code == 0, result.output
    assert "Open first:" in result.output and "comparison.xlsx" in result.output
    comparison = target / "comparison.xlsx"
    for path in (
        target / "roster.csv",
        target / "status.xlsx",
        target / "reminders.csv",
        target / "blank" / "effectiveness.xlsx",
        target / "blank" / "partnership-table.xlsx",
        target / "problems.xlsx",
        comparison,
        target / "comparison-data.csv",
        target / "agreement-candidate-1.xlsx",
        target / "actions.xlsx",
    ):
        assert path.is_file(), path
        assert str(path.relative_to(tmp_path)) in result.output.replace("\\", "/") or path.name in result.output
    wb = openpyxl.load_workbook(comparison, read_only=True)
    assert wb.sheetnames[0] == "Summary"
    problems = [row for row in wb["Problems"].iter_rows(values_only=True)]
    # The comparison is confidential (the templates' default): files by key, the key in identities.csv.
    keys = (target / "identities.csv").read_text(encoding="utf-8-sig").splitlines()
    (cut,) = [line.split(",")[0] for line in keys if line.endswith("flawed-email-attachment-cut-short.xlsx")]
    assert any(cell == cut for row in problems for cell in row)
    assert not any("cut-short" in str(cell) for row in problems for cell in row)
    assert (target / "board.xlsx").is_file() and "board.xlsx" in result.output
    report = openpyxl.load_workbook(target / "problems.xlsx", read_only=True)  # the coordinator's: names kept
    assert any("cut-short" in str(cell) for ws in report for row in ws.iter_rows(values_only=True) for cell in row)
    assert "Trends" in wb.sheetnames
    # status names exactly the raters who must send or fix something: one reminder each
    roster = list(csv.DictReader(io.StringIO((target / "roster.csv").read_text(encoding="utf-8"))))
    files = validate_paths([SAMPLES]).files
    returned = {(f.identity.get("partner"), f.identity.get("rater"), f.identity.get("round")) for f in files}
    missing = {r["rater"] for r in roster if (r["partner"], r["rater"], r["round"]) not in returned}
    flawed = {"Alex Kim", "Dana Scott"}  # the flawed returns with errors (the cut-short one is unreadable: missing)
    reminders = list(csv.DictReader(io.StringIO((target / "reminders.csv").read_text(encoding="utf-8-sig"))))
    assert sorted(r["name"] for r in reminders) == sorted(missing | flawed)
    assert {"Nadia Haddad", "Owen Price", "Robin Ford"} == missing
    assert all(r["email"].endswith("@example.org") for r in reminders)
    assert f"{len(reminders)} reminders" in result.output and "2 must fix something, 3 not returned" in result.output
    # and it points at the trend: each partnership assessed twice or more, its change and verdict
    assert "Since the previous round" in result.output
    # every return is accounted for in the one line that sums them up
    checked = re.search(
        r"Checked (\d+) returned workbooks: (\d+) valid, (\d+) with errors, (\d+) unreadable, "
        r"(\d+) replaced by a newer copy",
        result.output,
    )
    assert checked is not None, result.output
    total, *parts = map(int, checked.groups())
    assert total == len(list((target / "returned").iterdir())) == sum(parts)
    assert re.search(r"Tri-County Food Bank: \d\.\d\d in Spring 2027, [+-]\d\.\d\d since Fall 2026 \(", result.output)
    again = CliRunner().invoke(cli, ["demo", str(target)])
    assert again.exit_code == 1 and "--force" in again.output
    assert CliRunner().invoke(cli, ["demo", str(target), "--force", "--quiet"]).exit_code == 0


def test_public_api_names_the_functions() -> None:
    """`from partnersheet import generate` is the function even after its module was imported."""
    import partnersheet
    import partnersheet.workbook.generate

    for name in partnersheet.__all__:
        if name != "__version__":
            assert callable(getattr(partnersheet, name)), name
    from partnersheet import compile_paths, generate, read_submission, validate_paths

    assert all(callable(f) for f in (compile_paths, generate, read_submission, validate_paths))


def typed_rows(path: Path, table: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """The filled rows of a returned workbook's table, read from its named cells with openpyxl."""
    wb = openpyxl.load_workbook(path)
    where = name_cells(path)
    rows = []
    for k in range(1, 100):
        if f"ps_{table}__r{k}__{columns[0]}" not in where:
            break
        row = {c: wb[where[f"ps_{table}__r{k}__{c}"][0]][where[f"ps_{table}__r{k}__{c}"][1]].value for c in columns}
        if any(v is not None for v in row.values()):
            rows.append(row)
    return rows


def test_the_demo_turns_a_candidate_into_an_agreement_and_shows_the_returned_plan_and_agreement(
    tmp_path: Path,
) -> None:
    target = tmp_path / "demo"
    assert CliRunner().invoke(cli, ["demo", str(target), "--quiet"]).exit_code == 0
    # The sample table's first candidate became the agreement's partner, locked like any identity.
    table = openpyxl.load_workbook(SAMPLES / "partnership-table-riverbend.xlsx")
    sheet, ref = name_cells(SAMPLES / "partnership-table-riverbend.xlsx")["ps_org1_name"]
    agreement = target / "agreement-candidate-1.xlsx"
    a_sheet, a_ref = name_cells(agreement)["ps_partner_name"]
    assert openpyxl.load_workbook(agreement)[a_sheet][a_ref].value == table[sheet][ref].value
    # The comparison writes the next action plan.
    assert openpyxl.load_workbook(target / "actions.xlsx")["Action Plan"]
    # Each action typed into the sample plan stands beside the indicator (and round) it names.
    comparison = openpyxl.load_workbook(target / "comparison.xlsx")
    rows = list(comparison["Indicators"].iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if row[0] == "Partnership")
    column = rows[top].index("Action (status, owner, due)")
    plan = typed_rows(
        SAMPLES / "action-plan-riverbend.xlsx", "actions", ("partnership", "indicator", "round", "action", "status")
    )
    assert len(plan) >= 5
    for action in plan:
        wanted = f"{action['partnership']} ({action['round']})" if action["round"] else action["partnership"]
        beside = [
            r[column] or "" for r in rows[top + 1 :] if r[1] == action["indicator"] and str(r[0]).startswith(wanted)
        ]
        assert beside and all(f"{action['status']}, " in text and action["action"] in text for text in beside), action
    # The returned agreement is on the Agreements sheet, its partner's commitments beside the table's offer.
    agreed = [row for row in comparison["Agreements"].iter_rows(values_only=True) if row[0] == "Library: dollars"]
    sheet, ref = name_cells(SAMPLES / "agreement-riverbend-county-health-department.xlsx")["ps_library_dollars"]
    committed = openpyxl.load_workbook(SAMPLES / "agreement-riverbend-county-health-department.xlsx")[sheet][ref].value
    sheet, ref = name_cells(SAMPLES / "partnership-table-riverbend.xlsx")["ps_org1_brings_financial_amount"]
    assert agreed == [("Library: dollars", committed, table[sheet][ref].value, None, None)]


def test_spanish_returns_from_a_partner_rater_count_like_english_ones() -> None:
    """A partner rater filled her workbooks in Spanish: they validate, their ratings are read as the
    English levels at the same place in the list, and they are in the scores."""
    from partnersheet.compile.core import compile_paths
    from partnersheet.spec import load_template

    batch = validate_paths([SAMPLES])
    spanish = [s for s in batch.submissions if s.lang == "es" and s.template_id == "effectiveness"]
    assert spanish and all(batch.problems_for(s.file) == [] for s in spanish)
    eff = load_template("effectiveness")
    es = eff.in_language("es")
    for sub in spanish:
        assert sub.values["side"].value == "Partner"
        for f in eff.fields:
            if f.kind.scored and sub.values[f.id].value is not None:
                typed = openpyxl.load_workbook(sub.file)
                ((sheet, ref),) = typed.defined_names[f.name].destinations
                shown = typed[sheet][ref.replace("$", "")].value
                assert shown in es.options(es.field(f.id))  # typed in Spanish
                position = es.options(es.field(f.id)).index(shown)
                assert sub.values[f.id].value == eff.options(f)[position]  # read as the English level
    comparison = compile_paths([SAMPLES], confidentiality="attributed")
    counted = {s.file for s in comparison.submissions if comparison.status_of(s) == "ok"}
    assert {s.file for s in spanish} <= counted
