"""A Spanish workbook's identity, as programs read it: language-neutral.

The workbook shows its side in Spanish (and its hidden ``_meta`` sheet has always stamped it so:
every Spanish workbook already sent out does); validate, status, the problems, compile and the
tidy export read the English side, so Spanish and English returns group, match and count as one.
The Spanish words expected are read here from the template's own ``[translations.es]`` with
tomllib, not through partnersheet's loader.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import fill, meta_of, name_cells, run_cli, set_meta, valid_effectiveness_values

from partnersheet.errors import RosterError
from partnersheet.intake.read import Submission, read_submission
from partnersheet.intake.validate import check_submission, validate_paths
from partnersheet.rounds.roster import read_roster
from partnersheet.rounds.status import reminders_csv, status_of
from partnersheet.spec import load_template
from partnersheet.spec.loader import TEMPLATES_DIR

ES = tomllib.loads((TEMPLATES_DIR / "effectiveness.toml").read_text(encoding="utf-8"))["translations"]["es"]
PARTNER_ES, LIBRARY_ES = ES["Partner"], ES["Library"]
WHO = {"partner": "Casa Azul", "rater": "Ana", "round": "Spring 2026"}


def shown(path: Path, field_id: str) -> Any:
    sheet, ref = name_cells(path)[f"ps_{field_id}"]
    return openpyxl.load_workbook(path)[sheet][ref].value


def spanish_return(tmp_path: Path, name: str = "es.xlsx", side: str = "Partner", **changes: Any) -> Path:
    """A Spanish workbook made as the brief's coordinator makes it, filled in, identity untouched."""
    blank = tmp_path / f"blank-{name}"
    args = ["new", "effectiveness", "--lang", "es", "--side", side, "-o", str(blank)]
    for key, value in WHO.items():
        args += [f"--{key}", value]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    view = load_template("effectiveness").in_language("es")
    values = valid_effectiveness_values(view, **WHO) | {"side": shown(blank, "side")} | changes
    return fill(blank, values, tmp_path / name)


def read_ok(path: Path) -> Submission:
    sub = read_submission(path)
    assert isinstance(sub, Submission), sub
    return sub


def test_validate_json_shows_the_english_side_while_the_workbook_shows_spanish(tmp_path: Path) -> None:
    path = spanish_return(tmp_path)
    assert shown(path, "side") == PARTNER_ES and meta_of(path)["side"] == PARTNER_ES
    result = run_cli("validate", str(path), "--json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)["files"]
    assert report["identity"] == {"library": "", **WHO, "side": "Partner"}
    assert report["problems"] == []


@pytest.mark.parametrize("stamp", [PARTNER_ES, "Partner", "  organización   ALIADA "])
def test_a_side_stamped_in_either_language_reads_as_the_english_one(tmp_path: Path, stamp: str) -> None:
    """Workbooks sent out stamp the Spanish side; one stamped in English (or retyped) reads the same."""
    path = set_meta(spanish_return(tmp_path), "side", stamp, tmp_path / "stamped.xlsx")
    sub = read_ok(path)
    assert sub.identity["side"] == "Partner" and check_submission(sub) == []


def test_a_changed_side_is_still_noticed_and_told_in_the_workbook_words(tmp_path: Path) -> None:
    path = fill(spanish_return(tmp_path), {"side": LIBRARY_ES})
    for stamp in (PARTNER_ES, "Partner"):
        batch = validate_paths([set_meta(path, "side", stamp, tmp_path / f"{stamp}.xlsx")])
        (problem,) = [p for p in batch.problems if p.code == "identity-changed"]
        # What to put back is what the workbook showed, in its own language.
        assert problem.value == LIBRARY_ES and problem.local_hint.startswith(f"vuelva a poner {PARTNER_ES!r}")
        assert batch.files[0].identity["side"] == "Partner"


def test_compile_and_the_tidy_export_read_the_english_side(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    spanish_return(inbox)
    out, tidy = tmp_path / "comparison.xlsx", tmp_path / "tidy.csv"
    result = run_cli("compile", str(inbox), "-o", str(out), "--data", str(tidy), "--attributed")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(tidy.read_text(encoding="utf-8-sig"))))
    assert rows and {r["side"] for r in rows} == {"Partner"}


# --- status: a Spanish roster row and its return -------------------------------------------------

ROSTER = [  # partner, rater, side, round, lang
    ("Casa Azul", "Ana", "partner", "Spring 2026", "es"),
    ("Casa Azul", "Bo", "Partner", "Spring 2026", ""),
    ("Casa Azul", "Cy", LIBRARY_ES, "Spring 2026", "es"),
]


def roster_round(tmp_path: Path) -> tuple[Path, Path]:
    roster = tmp_path / "raters.csv"
    with roster.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("partner", "rater", "side", "round", "lang"), *ROSTER])
    result = run_cli("new", "effectiveness", "--roster", str(roster), "-o", str(tmp_path / "outbox"), "-q")
    assert result.exit_code == 0, result.output
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("Ana", "Bo"):
        (made,) = (tmp_path / "outbox").glob(f"*-{name}-*.xlsx")
        lang = "es" if name == "Ana" else "en"
        view = load_template("effectiveness").in_language(lang)
        values = {k: v for k, v in valid_effectiveness_values(view).items() if not view.field(k).identity}
        # Ana's partner cell was retyped: only her workbook id still says whose it is.
        typed = {"partner": "Casa Azul (Centro)"} if name == "Ana" else {}
        fill(made, values | typed, inbox / made.name)
    return roster, inbox


def test_status_matches_a_spanish_return_by_its_workbook_id_and_counts_sides_as_one(tmp_path: Path) -> None:
    roster, inbox = roster_round(tmp_path)
    report = status_of(load_template("effectiveness"), roster, [inbox])
    states = {r.row.who.rater: (r.state, r.row.who.side) for r in report.rows}
    assert states == {
        "Ana": ("returned with errors", "Partner"),
        "Bo": ("valid", "Partner"),
        "Cy": ("not returned", "Library"),
    }
    assert report.unmatched == []
    rates = {(g.partner, g.side, g.round): (g.expected, g.returned, g.valid) for g in report.rates()}
    assert rates == {
        ("Casa Azul", "Partner", "Spring 2026"): (2, 2, 1),
        ("Casa Azul", "Library", "Spring 2026"): (1, 0, 0),
    }
    reminders = list(csv.DictReader(io.StringIO(reminders_csv(report).decode("utf-8-sig"))))
    assert {(r["name"], r["side"]) for r in reminders} == {("Ana", "Partner"), ("Cy", "Library")}
    result = run_cli("status", str(roster), str(inbox), "--json")
    data = json.loads(result.output)
    assert {r["rater"]: r["side"] for r in data["rows"]} == {"Ana": "Partner", "Bo": "Partner", "Cy": "Library"}


def test_one_person_listed_in_two_languages_is_a_repeated_roster_row(tmp_path: Path) -> None:
    roster = tmp_path / "raters.csv"
    roster.write_text(f"partner,rater,side,lang\nCasa Azul,Ana,{PARTNER_ES},es\nCasa Azul,Ana,partner,en\n")
    with pytest.raises(RosterError, match="line 3 repeats line 2"):
        read_roster(load_template("effectiveness"), roster)
