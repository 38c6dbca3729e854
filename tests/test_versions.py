"""Returns of two versions of one user template compiled into one comparison.

v1.0.0 is made by `templates init`; v1.1.0 rewords a criterion under a new id with
``replaces = ["meetings"]``, adds a criterion and drops one. Two raters answer each version.
Every figure expected here is computed from the ratings typed in this file and from the spec
texts read with tomllib, with the scale written out in ``user_templates.py``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import fill, run_cli
from user_templates import (
    USER_ID,
    Indicator,
    expected_indicators,
    indicator_scores,
    init_template,
    replace_once,
    rubric_of,
    sheet_table,
    sheet_text,
)

from partnersheet.compile.core import compile_paths
from partnersheet.compile.versions import merge_versions
from partnersheet.spec import TEMPLATES_DIR, TemplateRegistry, parse_template
from partnersheet.spec.registry import ENV_VAR
from partnersheet.workbook.generate import generate

PARTNER = "Harbor Food Bank"
OLD, NEW = "1.0.0", "1.1.0"
OLD_MEETINGS, NEW_MEETINGS = "leadership__meetings", "leadership__meetings_attended"
NEW_MEETINGS_TEXT = "Attend and contribute to partnership meetings"
ADDED, ADDED_TEXT = "leadership__shared_credit", "Share credit for results with each other"
DROPPED, DROPPED_TEXT = "progress__data_used", "Data is used to assess partnership effectiveness."

# rater -> (side, version, the level typed for every criterion, criteria typed otherwise)
RATERS: dict[str, tuple[str, str, str, dict[str, str]]] = {
    "Ana Rivera": (
        "Library",
        OLD,
        "Effective",
        {OLD_MEETINGS: "Highly effective", DROPPED: "Ineffective", "mission__trust_respect": "Not observed"},
    ),
    "Cy Park": ("Partner", OLD, "Effective", {OLD_MEETINGS: "Highly effective", DROPPED: "Somewhat effective"}),
    "Ben Okafor": ("Library", NEW, "Somewhat effective", {NEW_MEETINGS: "Ineffective", ADDED: "Highly effective"}),
    "Di Lopez": (
        "Partner",
        NEW,
        "Effective",
        {NEW_MEETINGS: "Somewhat effective", ADDED: "Effective", "goals__common_needs": "Not observed"},
    ),
}
# The largest gap on the reworded criterion, across versions: Highly effective (Ana, Cy) against
# Ineffective (Ben) is 3 levels; no other leadership criterion is 2 levels apart.
MEETINGS_GAP = 3


@pytest.fixture(autouse=True)
def no_environment_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


def new_version(text: str) -> str:
    """v1.1.0 of the spec, edited as a coordinator would: reword (with replaces), add, drop."""
    text = replace_once(text, 'version = "1.0.0"', f'version = "{NEW}"')
    text = replace_once(
        text,
        '{ id = "meetings", text = "Participate in meetings" },',
        f'{{ id = "meetings_attended", text = "{NEW_MEETINGS_TEXT}", replaces = ["meetings"] }},\n'
        f'  {{ id = "shared_credit", text = "{ADDED_TEXT}" }},',
    )
    return replace_once(text, f'  {{ id = "data_used", text = "{DROPPED_TEXT}" }},\n', "")


@dataclass
class Versions:
    folder: Path  # the user templates folder holding both versions
    inbox: Path
    rubric: dict[str, list[Indicator]]  # version -> its rubric, from the spec text
    typed: dict[Path, dict[str, Any]]  # return -> what was typed
    version_of: dict[Path, str]

    def expected(self) -> dict[str, tuple[float | None, int]]:
        paths = list(self.typed)
        return expected_indicators([self.rubric[self.version_of[p]] for p in paths], [self.typed[p] for p in paths])


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Versions:
    root = tmp_path_factory.mktemp("versions")
    folder = root / "my-templates"
    old_spec = init_template(folder, USER_ID, f"{USER_ID}-{OLD}.toml")
    new_spec = folder / f"{USER_ID}-{NEW}.toml"
    new_spec.write_text(new_version(old_spec.read_text(encoding="utf-8")), encoding="utf-8")
    rubric = {OLD: rubric_of(old_spec), NEW: rubric_of(new_spec)}
    registry = TemplateRegistry([folder])
    assert [t.version for t in registry.versions(USER_ID)] == [OLD, NEW]
    inbox = root / "inbox"
    inbox.mkdir()
    typed: dict[Path, dict[str, Any]] = {}
    version_of = {}
    for rater, (side, version, level, special) in RATERS.items():
        template = registry.find(USER_ID, version)
        assert template is not None
        path = generate(
            template,
            inbox / f"{rater.split()[0].lower()}-{version}.xlsx",
            {"partner": PARTNER, "rater": rater, "side": side},
        )
        criteria = [fid for indicator in rubric[version] for fid in indicator.criteria]
        assert set(special) <= set(criteria), "each rater answers only what their version asks"
        answers: dict[str, Any] = {fid: special.get(fid, level) for fid in criteria}
        answers.update(rater_organization=PARTNER, assessment_date=date(2026, 3, 15))
        fill(path, answers)
        typed[path] = answers
        version_of[path] = version
    return Versions(folder, inbox, rubric, typed, version_of)


@pytest.fixture(scope="module")
def comparison(versions: Versions, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The comparison written by the CLI with --templates."""
    out = tmp_path_factory.mktemp("out") / "comparison.xlsx"
    result = run_cli(
        "compile", str(versions.inbox), "--templates", str(versions.folder), "-o", str(out), "--attributed"
    )
    assert result.exit_code == 0, result.output
    assert "Compiled 4 workbooks (0 with problems" in result.output
    return out


def test_rubrics_differ_as_the_edits_say(versions: Versions) -> None:
    old = {c for i in versions.rubric[OLD] for c in i.criteria}
    new = {c for i in versions.rubric[NEW] for c in i.criteria}
    assert old - new == {OLD_MEETINGS, DROPPED}
    assert new - old == {NEW_MEETINGS, ADDED}


def test_library_compile_scores_match_the_typed_ratings(versions: Versions) -> None:
    registry = TemplateRegistry([versions.folder])
    c = compile_paths([versions.inbox], templates=registry, confidentiality="attributed")
    assert c.valid and not c.excluded
    (result,) = c.instruments
    (partnership,) = result.partnerships
    got = {r.indicator.label: (r.score, r.ratings) for r in partnership.indicators}
    want = versions.expected()
    assert set(got) == set(want)
    for label, (score, count) in want.items():
        assert got[label] == (pytest.approx(score), count), label
    assert partnership.raters == len(RATERS)


def test_cli_compile_scores_match_the_typed_ratings(versions: Versions, comparison: Path) -> None:
    want = versions.expected()
    got = indicator_scores(comparison, PARTNER)
    assert set(got) == set(want)
    for label, (score, count) in want.items():
        assert got[label] == (pytest.approx(score), count), label
    summary = sheet_table(openpyxl.load_workbook(comparison)["Summary"], "Partnership")
    scores = [s for s, _ in want.values() if s is not None]
    assert summary[0]["Overall score"] == pytest.approx(sum(scores) / len(scores))


def test_dropped_criterion_is_scored_from_the_old_version(versions: Versions, comparison: Path) -> None:
    progress = next(i.label for i in versions.rubric[OLD] if DROPPED in i.criteria)
    got = indicator_scores(comparison, PARTNER)[progress]
    asked_both = [p for p in versions.typed if versions.version_of[p] == OLD]
    dropped_scores = {versions.typed[p][DROPPED] for p in asked_both}
    assert dropped_scores == {"Ineffective", "Somewhat effective"}, "the old raters rated it low"
    without = expected_indicators(
        [[Indicator(i.id, i.label, tuple(c for c in i.criteria if c != DROPPED)) for i in versions.rubric[v]]
         for v in (versions.version_of[p] for p in versions.typed)],
        list(versions.typed.values()),
    )[progress]  # fmt: skip
    assert got[1] == without[1] + len(asked_both), "one rating more per old rater"
    assert got[0] != pytest.approx(without[0])


def test_reworded_criterion_is_one_criterion_across_versions(versions: Versions, comparison: Path) -> None:
    wb = openpyxl.load_workbook(comparison)
    rows = sheet_table(wb["Indicators"], "Partnership")
    leadership = next(r for r in rows if r["Indicator"] == "Shared leadership")
    # Only one criterion is 2 levels apart or more, and only when both versions' answers are
    # compared as one: the old raters gave it Highly effective, a new rater Ineffective.
    assert leadership["For discussion"] == f"{NEW_MEETINGS_TEXT} ({MEETINGS_GAP} levels apart)"
    assert leadership["Largest gap between raters (levels)"] == MEETINGS_GAP

    data = sheet_table(wb["Data"], "File")
    meetings_rows = [
        r for r in data if r["Value as typed"] and "meetings" in str(r["Field id"]) and r["Sheet"] == "Rubric"
    ]
    assert len(meetings_rows) == len(RATERS)
    assert len({r["Field id"] for r in meetings_rows}) == 1, "one field for both versions' answers"


def test_data_sheet_keeps_each_value_with_its_version(versions: Versions, comparison: Path) -> None:
    data = sheet_table(openpyxl.load_workbook(comparison)["Data"], "File")
    by_file: dict[str, list[dict[str, Any]]] = {}
    for row in data:
        by_file.setdefault(Path(row["File"]).name, []).append(row)
    assert set(by_file) == {p.name for p in versions.typed}
    for path, typed in versions.typed.items():
        rows = by_file[path.name]
        assert {r["Version"] for r in rows} == {versions.version_of[path]}, path.name
        ratings = sorted(v for v in typed.values() if isinstance(v, str) and v.endswith(("effective", "observed")))
        typed_here = sorted(
            r["Value as typed"] for r in rows if str(r["Value as typed"]).endswith(("effective", "observed"))
        )
        assert typed_here == ratings, path.name


def test_about_and_indicators_name_what_only_some_versions_asked(comparison: Path) -> None:
    wb = openpyxl.load_workbook(comparison)
    about = sheet_text(wb["About"])
    assert "Versions compiled together" in about
    assert f"{OLD} (2), {NEW} (2)" in about
    indicators_note = sheet_text(wb["Indicators"])
    for text in (about, indicators_note):
        added = next(line for line in text.splitlines() if ADDED_TEXT in line and "asked in" in line)
        assert f"asked in {NEW} only" in added
        dropped = re.search(rf"{re.escape(DROPPED_TEXT)}'? was asked in ([\d.]+) only", text)
        assert dropped and dropped[1] == OLD, text
        assert NEW_MEETINGS_TEXT in text and "replaces" in text


# --- merge_versions, unit level ------------------------------------------------------------------


def renamed(text: str, version: str, old: str, new: str) -> str:
    text = re.sub(r'(?m)^version = "[^"]+"', f'version = "{version}"', text, count=1)
    return replace_once(text, f'{{ id = "{old}", ', f'{{ id = "{new}", replaces = ["{old}"], ')


def test_merge_versions_follows_a_chain_of_renames() -> None:
    base = (TEMPLATES_DIR / "effectiveness.toml").read_text(encoding="utf-8")
    v1 = base
    v2 = renamed(base, "1.1.0", "meetings", "meetings_attended")
    v3 = renamed(
        replace_once(v2, 'replaces = ["meetings"], ', ""), "1.2.0", "meetings_attended", "meeting_participation"
    )
    templates = [parse_template(tomllib.loads(t), f"v{i}.toml") for i, t in enumerate((v1, v2, v3))]
    merged = merge_versions(reversed(templates))  # the order given does not matter
    newest = "leadership__meeting_participation"
    assert merged.versions == ("1.0.0", "1.1.0", "1.2.0")
    assert merged.canonical[("1.0.0", "leadership__meetings")] == newest
    assert merged.canonical[("1.1.0", "leadership__meetings_attended")] == newest
    assert merged.canonical[("1.2.0", newest)] == newest
    assert merged.asked_in[newest] == ("1.0.0", "1.1.0", "1.2.0")
    leadership = [f.id for f in merged.template.fields if f.group == "leadership" and f.kind.scored]
    assert leadership == ["leadership__accountability", "leadership__decision_making", newest]
    assert not [n for n in merged.notes() if "asked in" in n], "every version asked it, under some id"


def chain_specs(folder: Path) -> dict[str, Path]:
    """Three versions renaming one criterion twice, each spec file in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    v1 = init_template(folder, USER_ID, f"{USER_ID}-1.0.0.toml").read_text(encoding="utf-8")
    v2 = renamed(v1, "1.1.0", "meetings", "meetings_attended")
    v3 = renamed(
        replace_once(v2, 'replaces = ["meetings"], ', ""), "1.2.0", "meetings_attended", "meeting_participation"
    )
    specs = {"1.0.0": folder / f"{USER_ID}-1.0.0.toml"}
    for version, text in (("1.1.0", v2), ("1.2.0", v3)):
        specs[version] = folder / f"{USER_ID}-{version}.toml"
        specs[version].write_text(text, encoding="utf-8")
    return specs


def test_merge_versions_follows_renames_through_a_version_without_returns(tmp_path: Path) -> None:
    """1.1.0 renamed the criterion, 1.2.0 renamed it again; nobody returned a 1.1.0 workbook.

    The rename from 1.0.0 is declared only in 1.1.0's spec, which the registry holds: the 1.0.0
    answers still count as the 1.2.0 criterion, not as a second one "asked in 1.0.0 only".
    """
    chain_specs(tmp_path / "tpl")
    registry = TemplateRegistry([tmp_path / "tpl"])
    v1, v2, v3 = registry.versions(USER_ID)
    newest = "leadership__meeting_participation"
    merged = merge_versions([v1, v3], via=[v2])
    assert merged.versions == ("1.0.0", "1.2.0"), "only versions with returns are named as compiled"
    assert merged.canonical[("1.0.0", "leadership__meetings")] == newest
    assert merged.asked_in[newest] == ("1.0.0", "1.2.0")
    assert not [n for n in merged.notes() if "asked in" in n]
    scored = [f.id for f in merged.template.fields if f.group == "leadership" and f.kind.scored]
    assert scored == ["leadership__accountability", "leadership__decision_making", newest]


def test_compile_follows_renames_through_a_version_without_returns(tmp_path: Path) -> None:
    specs = chain_specs(tmp_path / "tpl")
    registry = TemplateRegistry([tmp_path / "tpl"])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    levels = {"1.0.0": "Highly effective", "1.2.0": "Ineffective"}
    for version, level in levels.items():
        template = registry.find(USER_ID, version)
        assert template is not None
        path = generate(
            template, inbox / f"{version}.xlsx", {"partner": PARTNER, "rater": f"R {version}", "side": "Library"}
        )
        criteria = [c for i in rubric_of(specs[version]) for c in i.criteria]
        answers: dict[str, Any] = {c: level if "meeting" in c else "Effective" for c in criteria}
        fill(path, {**answers, "rater_organization": PARTNER, "assessment_date": date(2026, 3, 15)})
    c = compile_paths([inbox], templates=registry, confidentiality="attributed")
    (partnership,) = c.instruments[0].partnerships
    leadership = next(r for r in partnership.indicators if r.indicator.id == "leadership")
    assert [f.id for f in leadership.indicator.criteria][-1] == "leadership__meeting_participation"
    assert len(leadership.indicator.criteria) == 3
    assert leadership.flagged == (("Participate in meetings", 3.0),), "both versions' answers, one criterion"
    assert not [n for n in c.version_notes if "asked in" in n]
