"""`compile --actions plan.xlsx --actions-lang es`: the action plan a comparison hands on, in Spanish.

Every text a person reads in it is Spanish: the template's words and the cells pre-filled with
what was found. The Spanish words expected (indicators, criteria, bands, sides) are read here from
the templates' own ``[translations.es]`` with tomllib, the scores worked out from the ratings the
test typed and the spec's levels; only the tool's own phrases ("Score {score} ({band})") are
taken from its catalogue. Returned filled in Spanish, the plan validates, and a later compile puts
each action beside its indicator and closes it by a Spanish status.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import fill, name_cells, run_cli, valid_effectiveness_values
from test_languages import assert_nothing_left_in_english

from partnersheet.compile.run import compile_to
from partnersheet.i18n import tr
from partnersheet.spec import load_template
from partnersheet.spec.loader import TEMPLATES_DIR
from partnersheet.workbook.generate import generate_bytes, personalise


def raw(file: str) -> dict[str, Any]:
    return tomllib.loads((TEMPLATES_DIR / file).read_text(encoding="utf-8"))


EFF_RAW = raw("effectiveness.toml")
EFF_ES = EFF_RAW["translations"]["es"]
PLAN_ES = raw("action_plan.toml")["translations"]["es"]
SCORE = {level["label"]: level["score"] for level in EFF_RAW["scales"]["effectiveness"]["levels"]}
BANDS = [(band["min"], band["label"]) for band in EFF_RAW["scales"]["effectiveness"]["bands"]]
RUBRIC = next(s for s in EFF_RAW["sheets"][0]["sections"] if s["layout"] == "rubric")
GROUPS = {g["id"]: g for g in RUBRIC["groups"]}
HEALTH, ROUND = "County Health Department", "Spring 2026"
# Library rater, partner rater: Action plans rated 1 level apart, Shared goals alike, and one
# criterion of Mission rated two levels apart (flagged); everything else Effective.
MISSION = GROUPS["mission"]["criteria"][0]
RATINGS = {
    "library": {
        "action_plans__": "Ineffective",
        "goals__": "Somewhat effective",
        f"mission__{MISSION['id']}": "Highly effective",
    },
    "partner": {
        "action_plans__": "Somewhat effective",
        "goals__": "Somewhat effective",
        f"mission__{MISSION['id']}": "Somewhat effective",
    },
}


def band(score: float) -> str:
    return next(label for low, label in BANDS if score >= low)


def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    eff = load_template("effectiveness")
    for rater, side in (("A. Rivera", "library"), ("B. Chen", "partner")):
        who = {"partner": HEALTH, "rater": rater, "side": side, "round": ROUND}
        answers = valid_effectiveness_values(eff, **who)
        for f in eff.fields:
            if f.type == "rating":
                answers[f.id] = next((v for k, v in RATINGS[side].items() if f.id.startswith(k)), "Effective")
        (folder / f"{rater}.xlsx").write_bytes(generate_bytes(eff, personalise(eff, who), answers=answers))
    return folder


def plan_of(tmp_path: Path, lang: str, folder: Path) -> Path:
    plan = tmp_path / f"plan-{lang}.xlsx"
    args = ["compile", str(folder), "-o", str(tmp_path / f"c-{lang}.xlsx"), "--actions", str(plan), "--attributed"]
    result = run_cli(*args, "--actions-lang", lang)
    assert result.exit_code == 0, result.output
    return plan


def cells(plan: Path) -> dict[str, Any]:
    wb = openpyxl.load_workbook(plan)
    return {name[3:]: wb[sheet][ref].value for name, (sheet, ref) in name_cells(plan).items()}


def row(values: dict[str, Any], k: int) -> tuple[Any, ...]:
    return tuple(values[f"actions__r{k}__{c}"] for c in ("partnership", "round", "indicator", "found"))


def test_a_spanish_plan_shows_what_was_found_in_spanish_words(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "es", inbox(tmp_path))
    assert openpyxl.load_workbook(plan).sheetnames[:2] == ["Instrucciones", PLAN_ES["Action Plan"]]
    values = cells(plan)
    # Worked out from the ratings: each indicator's score is the mean of both raters' criteria.
    n_plans = len(GROUPS["action_plans"]["criteria"])
    plans = (SCORE["Ineffective"] * n_plans + SCORE["Somewhat effective"] * n_plans) / (2 * n_plans)
    plans_gap = SCORE["Ineffective"] - SCORE["Somewhat effective"]
    goals = SCORE["Somewhat effective"]
    apart = int(SCORE["Highly effective"] - SCORE["Somewhat effective"])
    library, partner = EFF_ES["Library"], EFF_ES["Partner"]
    minus = tr("es", "{first} minus {second}: {gap}")
    assert row(values, 1) == (
        HEALTH,
        ROUND,
        EFF_ES["Action plans"],
        "; ".join(
            [
                tr("es", "Score {score} ({band})").format(score=f"{plans:.2f}", band=EFF_ES[band(plans)]),
                minus.format(first=library, second=partner, gap=f"{plans_gap:+.2f}"),
                tr("es", "raters up to {n} level apart").format(n=1),
            ]
        ),
    )
    assert row(values, 2) == (
        HEALTH,
        ROUND,
        EFF_ES[GROUPS["goals"]["label"]],
        "; ".join(
            [
                tr("es", "Score {score} ({band})").format(score=f"{goals:.2f}", band=EFF_ES[band(goals)]),
                minus.format(first=library, second=partner, gap="+0.00"),
            ]
        ),
    )
    assert row(values, 3) == (
        HEALTH,
        ROUND,
        f"{EFF_ES['Mission and beliefs']}: {EFF_ES[MISSION['text']]}",
        tr("es", "Raters {n} levels apart on this criterion").format(n=apart),
    )
    assert values["actions__r4__partnership"] is None


def test_nothing_a_person_reads_in_the_spanish_plan_is_left_in_english(tmp_path: Path) -> None:
    folder = inbox(tmp_path)
    english, spanish = plan_of(tmp_path, "en", folder), plan_of(tmp_path, "es", folder)
    assert cells(english)["actions__r1__found"].startswith("Score ")  # the same findings, in English
    # Partnership and round are the returns' own names, not words to translate.
    assert_nothing_left_in_english(english, spanish, {"action-plan v1.0.0", HEALTH, ROUND})


COMPILED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_a_filled_spanish_plan_is_followed_up_by_the_next_compile(tmp_path: Path) -> None:
    folder = inbox(tmp_path)
    plan = plan_of(tmp_path, "es", folder)
    goals_es = EFF_ES[GROUPS["goals"]["label"]]
    typed = {
        "library_name": "Biblioteca Pública de Riverbend",
        "actions__r1__action": "Escribir el plan con fechas",
        "actions__r1__status": PLAN_ES["Done"],
        "actions__r1__due": date(2026, 9, 1),
        "actions__r2__action": "Fijar una meta con números",
        "actions__r2__status": PLAN_ES["In progress"],
        "actions__r2__due": date(2026, 10, 1),
        "actions__r2__side": PLAN_ES["Shared"],
        "actions__r3__action": "Hablar de la misión",
        "actions__r3__status": PLAN_ES["Dropped"],
        "actions__r3__due": date(2026, 10, 1),
        # A row the partners added, the indicator typed in Spanish their own way.
        "actions__r4__partnership": f"  {HEALTH.upper()} ",
        "actions__r4__indicator": f" {goals_es.lower()}  ",
        "actions__r4__action": "Revisar las metas",
        "actions__r4__status": PLAN_ES["Not started"],
        "actions__r4__due": date(2026, 10, 20),
    }
    returned = fill(plan, typed, folder / "plan-devuelto.xlsx")
    checked = run_cli("validate", str(returned))
    assert checked.exit_code == 0, checked.output
    result = compile_to([folder], tmp_path / "next.xlsx", compiled_at=COMPILED, confidentiality="attributed")
    follow = result.comparison.actions
    assert follow is not None and follow.unmatched == []
    by_action = {a.action: a for a in follow.actions}
    # Statuses typed in Spanish are kept in English: Done and Dropped close an action.
    assert {a.action: a.status for a in follow.actions} == {
        "Escribir el plan con fechas": "Done",
        "Fijar una meta con números": "In progress",
        "Hablar de la misión": "Dropped",
        "Revisar las metas": "Not started",
    }
    today = COMPILED.date()
    assert {a.action: a.days_overdue for a in follow.overdue} == {
        "Fijar una meta con números": (today - date(2026, 10, 1)).days,
        "Revisar las metas": (today - date(2026, 10, 20)).days,
    }
    assert by_action["Fijar una meta con números"].side == "Shared"

    def beside(indicator: str) -> set[str]:
        return {a.action for a in follow.beside("effectiveness", HEALTH, ROUND, indicator)}

    assert beside("action_plans") == {"Escribir el plan con fechas"}
    assert beside("goals") == {"Fijar una meta con números", "Revisar las metas"}
    assert beside("mission") == {"Hablar de la misión"}
    # The comparison is English: the criterion is named as the English template words it.
    assert by_action["Hablar de la misión"].criterion == MISSION["text"]


def test_a_language_the_plan_lacks_stops_the_run_before_anything_is_written(tmp_path: Path) -> None:
    folder = inbox(tmp_path)
    out = tmp_path / "c.xlsx"
    result = run_cli(
        "compile", str(folder), "-o", str(out), "--actions", str(tmp_path / "p.xlsx"), "--actions-lang", "fr"
    )
    assert result.exit_code == 2 and "has no language 'fr'" in result.output
    assert not out.exists()
    result = run_cli("compile", str(folder), "-o", str(out), "--actions-lang", "es")
    assert result.exit_code == 2 and "--actions" in result.output
    assert not out.exists()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_plan_in_either_language_names_the_same_findings(tmp_path: Path, lang: str) -> None:
    """Same rows, same partnerships and rounds: only the words differ."""
    values = cells(plan_of(tmp_path, lang, inbox(tmp_path)))
    filled = [k for k in range(1, 41) if values[f"actions__r{k}__partnership"]]
    assert filled == [1, 2, 3]
    assert {values[f"actions__r{k}__round"] for k in filled} == {ROUND}


def test_a_confidential_spanish_plan_shows_no_side_figures_of_a_small_side(tmp_path: Path) -> None:
    """One rater per side, fewer than the spec's minimum: neither side's score nor the gap is shown."""
    folder = inbox(tmp_path)
    plan = tmp_path / "plan.xlsx"
    result = run_cli(
        "compile", str(folder), "-o", str(tmp_path / "c.xlsx"), "--actions", str(plan), "--actions-lang", "es"
    )
    assert result.exit_code == 0, result.output
    found = [v for k, v in cells(plan).items() if k.endswith("__found") and v]
    assert found and not any(EFF_ES["Library"] in v or EFF_ES["Partner"] in v for v in found)
