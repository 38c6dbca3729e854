"""Returned agreements compile into the Agreements sheet: each side's commitments beside what the
partnership table offered for that organization, goals by due date, milestones due in the next 60
days, and the review date.

The table and the agreement are typed into their named cells with openpyxl. Which table answer
stands beside which commitment is read from agreement.toml with tomllib (its `from` keys), and
every expected figure is what the test typed.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from helpers import fill, make_workbook, valid_form_values, valid_table_values

from partnersheet.compile.run import compile_to
from partnersheet.spec.loader import TEMPLATES_DIR

COMPILED = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
TODAY = COMPILED.date()
LIBRARY = "Riverbend Public Library"
RAW = tomllib.loads((TEMPLATES_DIR / "agreement.toml").read_text(encoding="utf-8"))
FIELDS = {f["id"]: f for sheet in RAW["sheets"] for s in sheet["sections"] for f in s.get("fields", [])}
RESOURCES = [f"{side}_{kind}" for side in ("library", "partner") for kind in ("dollars", "hours", "other")]
TABLE = {
    "org1_name": "Eastside Neighborhood Association",
    "org2_name": "Riverbend County Health Department",
    "org2_brings_financial_amount": 800,
    "org2_brings_staff_hours": 16,
    "org2_brings_other": "Meeting rooms and laptops",
    "org2_library_financial_amount": 2500,
    "org2_library_staff_hours": 12,
    "org2_library_other": "Introductions to clinics",
    "org1_brings_financial_amount": 100,
}
AGREED = {
    "partner_representative": "Dr. Lena Ortiz",
    "library_representative": "Maya Okafor",
    "library_dollars": 1000,
    "library_hours": 20,
    "library_other": "Meeting rooms",
    "partner_dollars": 2500,
    "partner_hours": 10,
    # Goals typed out of date order, in rows 1, 2 and 4.
    "goals__r1__goal": "Hold 8 workshops",
    "goals__r1__due": date(2026, 12, 31),
    "goals__r2__goal": "Screen 200 adults",
    "goals__r2__due": date(2026, 9, 30),
    "goals__r2__owner": "Dr. Lena Ortiz",
    "goals__r4__goal": "Agree the survey",
    "goals__r4__due": date(2026, 6, 15),
    "goals__r4__measure": "Survey signed off",
    # Milestones: one past, two within 60 days of the compile date (out of order), one beyond.
    "milestones__r1__milestone": "Kick-off meeting",
    "milestones__r1__date": date(2026, 4, 1),
    "milestones__r2__milestone": "Second workshop",
    "milestones__r2__date": date(2026, 6, 20),
    "milestones__r2__status": "Not started",
    "milestones__r3__milestone": "First workshop",
    "milestones__r3__date": date(2026, 5, 15),
    "milestones__r3__owner": "Maya Okafor",
    "milestones__r4__milestone": "Mid-year review",
    "milestones__r4__date": date(2026, 8, 1),
    "review_date": date(2026, 9, 1),
}


def returns(tmp_path: Path, partner: str = "  riverbend county HEALTH department") -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    blank = make_workbook(tmp_path, "partnership-table", "t.xlsx", library=LIBRARY, rater="Maya Okafor")
    fill(
        blank,
        valid_table_values("partnership-table", library=LIBRARY, rater="Maya Okafor") | TABLE,
        folder / "table.xlsx",
    )
    who = {"library": LIBRARY, "partner": partner}
    blank = make_workbook(tmp_path, "agreement", "a.xlsx", **who)
    base = {
        k: v for k, v in valid_form_values("agreement", **who).items() if not k.startswith(("goals__", "milestones__"))
    }
    fill(blank, base | AGREED, folder / "agreement.xlsx")
    return folder


def block(rows: list[tuple[Any, ...]], first: str) -> list[tuple[Any, ...]]:
    """The rows under the header row whose first cell starts with ``first``, up to the next blank row."""
    top = next(i for i, row in enumerate(rows) if str(row[0] or "").startswith(first))
    found = []
    for row in rows[top + 1 :]:
        if row[0] is None:
            break
        found.append(row)
    return found


def sheet_rows(path: Path) -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(path)["Agreements"].iter_rows(values_only=True))


def test_commitments_stand_beside_what_the_table_offered_for_that_organization(tmp_path: Path) -> None:
    out = tmp_path / "comparison.xlsx"
    result = compile_to([returns(tmp_path)], out, compiled_at=COMPILED, workers=1, confidentiality="attributed")
    # The About sheet no longer calls the commitments "on the Data sheet only".
    assert not any(FIELDS["library_dollars"]["label"] in line for line in result.comparison.unsummarised)
    rows = sheet_rows(out)
    header = next(row for row in rows if row[0] == "Resources committed")
    assert header[2] == "Offered in table.xlsx (candidate 2)"  # found by its name, not its place
    resources = block(rows, "Resources committed")
    assert [r[0] for r in resources] == [FIELDS[fid]["label"] for fid in RESOURCES]
    for (label, committed, offered, *_), fid in zip(resources, RESOURCES, strict=True):
        assert committed == AGREED.get(fid), label
        source = FIELDS[fid]["from"].replace("{n}", "2")
        assert offered == TABLE.get(source), label


def test_goals_by_due_date_milestones_due_in_the_next_60_days_and_the_review_date(tmp_path: Path) -> None:
    out = tmp_path / "comparison.xlsx"
    compile_to([returns(tmp_path)], out, compiled_at=COMPILED, workers=1, confidentiality="attributed")
    rows = sheet_rows(out)
    goals = [(g[0], g[3].date()) for g in block(rows, "Goal")]
    typed = [(AGREED[f"goals__r{k}__goal"], AGREED[f"goals__r{k}__due"]) for k in (1, 2, 4)]
    assert goals == sorted(typed, key=lambda g: g[1])
    until = TODAY + timedelta(days=60)
    milestones = [(m[0], m[3].date()) for m in block(rows, "Milestone due by")]
    typed = [(AGREED[f"milestones__r{k}__milestone"], AGREED[f"milestones__r{k}__date"]) for k in (1, 2, 3, 4)]
    assert milestones == sorted(((n, d) for n, d in typed if TODAY <= d <= until), key=lambda m: m[1])
    assert milestones == [("First workshop", date(2026, 5, 15)), ("Second workshop", date(2026, 6, 20))]
    heading = next(row[0] for row in rows if str(row[0] or "").startswith("Milestone due by"))
    assert heading == f"Milestone due by {until.isoformat()}"
    review = next(row[1] for row in rows if row[0] == "Review date")
    assert review == f"2026-09-01 (in {(date(2026, 9, 1) - TODAY).days} days)"
    title = next(row[0] for row in rows if str(row[0] or "").endswith(": agreement.xlsx"))
    assert title.startswith("riverbend county HEALTH department")  # as typed, spaces collapsed


def test_an_organization_no_table_names_is_said_so_and_its_commitments_still_shown(tmp_path: Path) -> None:
    out = tmp_path / "comparison.xlsx"
    compile_to(
        [returns(tmp_path, "Cedar Valley Community College")],
        out,
        compiled_at=COMPILED,
        workers=1,
        confidentiality="attributed",
    )
    rows = sheet_rows(out)
    header = next(row for row in rows if row[0] == "Resources committed")
    assert header[2] == "Offered: no partnership table among the inputs names this organization"
    resources = block(rows, "Resources committed")
    assert [r[1] for r in resources] == [AGREED.get(fid) for fid in RESOURCES]
    assert all(r[2] is None for r in resources)


def test_a_confidential_comparison_names_the_table_by_its_key(tmp_path: Path) -> None:
    out = tmp_path / "comparison.xlsx"
    compile_to([returns(tmp_path)], out, compiled_at=COMPILED, workers=1, confidentiality="confidential")
    rows = sheet_rows(out)
    header = next(row for row in rows if row[0] == "Resources committed")
    assert header[2].startswith("Offered in F-") and header[2].endswith(" (candidate 2)")
    assert not any(".xlsx" in str(v) for row in rows for v in row)
    assert [r[1] for r in block(rows, "Resources committed")] == [AGREED.get(fid) for fid in RESOURCES]
