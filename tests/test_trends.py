"""Trends between rounds: figures checked against what was typed, rounds ordered, verdicts by the spec.

Expected values are computed here from the typed rating labels (``rounds_data``), with the built-in
scale written out by hand (scores 4..1, bands at 3.5/2.5/1.5, a change is half a level with two
raters in both rounds), never with partnersheet's scoring code.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from rounds_data import FALL, FOOD_BANK, LIBRARY_CO, RATERS, SCORES, SPRING, WINTER, Typed, write_rounds

from partnersheet.cli import cli
from partnersheet.compile.core import compile_paths
from partnersheet.compile.scores import instrument_for
from partnersheet.compile.trends import DECLINED, IMPROVED, NO_CLEAR_CHANGE, TOO_FEW, verdict
from partnersheet.spec import SpecError, load_template, parse_template
from partnersheet.spec.loader import TEMPLATES_DIR

TABLE_HEADER = 4  # the Trends sheet's header row (title, note, gap above it)


def band(score: float) -> str:
    for label, low in (("Highly effective", 3.5), ("Effective", 2.5), ("Somewhat effective", 1.5)):
        if score >= low:
            return label
    return "Ineffective"


def indicators() -> list[tuple[str, list[str]]]:
    """(indicator label, its criterion ids) as the spec groups them."""
    t = load_template("effectiveness")
    return [
        (g.label, [f.id for f in g.fields if f.type == "rating"])
        for _, s in t.sections()
        if s.layout == "rubric"
        for g in s.groups
    ]


def mean(xs: list[float]) -> float:
    return math.fsum(xs) / len(xs)  # exact sums: a mean of exactly 2.5 sits on a band boundary


def expected_rows(typed: Typed, order: list[str]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(partner, indicator or Overall, round) -> what the Trends sheet must say."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for partner, rounds in RATERS.items():
        points: dict[str, list[tuple[str, float, set[str]]]] = {}
        for round_ in [r for r in order if r in rounds]:
            scores = []
            for label, ids in indicators():
                given = [
                    (rater, SCORES[typed.ratings[partner, round_, rater][i]])
                    for rater, _ in rounds[round_]
                    for i in ids
                    if typed.ratings[partner, round_, rater][i] in SCORES
                ]
                score = mean([s for _, s in given])
                scores.append(score)
                points.setdefault(label, []).append((round_, score, {r for r, _ in given}))
            everyone = {r for r, _ in rounds[round_]}
            points.setdefault("Overall", []).append((round_, mean(scores), everyone))
        for label, seq in points.items():
            for i, (round_, score, raters) in enumerate(seq):
                row: dict[str, Any] = {"Score": score, "Band": band(score), "Raters": len(raters)}
                if i == 0:
                    row.update({"Change since previous round": None, "Verdict": "First round"})
                else:
                    before_round, before, before_raters = seq[i - 1]
                    stayed = len(raters & before_raters)
                    change = score - before
                    if stayed < 2:
                        word = TOO_FEW
                    elif band(score) != band(before) or abs(change) >= 0.5:
                        word = IMPROVED if change > 0 else DECLINED
                    else:
                        word = NO_CLEAR_CHANGE
                    row.update(
                        {
                            "Previous round": before_round,
                            "Change since previous round": change,
                            "Rated both rounds": stayed,
                            "Left": len(before_raters - raters),
                            "Joined": len(raters - before_raters),
                            "Verdict": word,
                        }
                    )
                out[partner, label, round_] = row
    return out


def sheet_rows(ws: Any, header: int) -> list[dict[str, Any]]:
    headers = [c.value for c in ws[header]]
    rows = []
    for r in range(header + 1, ws.max_row + 1):
        values = [c.value for c in ws[r]]
        if values[0] in (None, ""):
            break
        rows.append(dict(zip(headers, values, strict=False)))
    return rows


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Typed]:
    folder = tmp_path_factory.mktemp("rounds")
    return folder, write_rounds(folder / "inbox")


def compile_cli(folder: Path, out: Path, *extra: str) -> Any:
    result = CliRunner().invoke(cli, ["compile", str(folder / "inbox"), "-o", str(out), "--force", *extra])
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(out)


def test_trend_figures_match_what_was_typed(rounds: tuple[Path, Typed], tmp_path: Path) -> None:
    folder, typed = rounds
    wb = compile_cli(folder, tmp_path / "c.xlsx")
    got = sheet_rows(wb["Trends"], TABLE_HEADER)
    want = expected_rows(typed, [SPRING, FALL, WINTER])
    assert len(got) == len(want) == 7 * (3 + 2)
    for row in got:
        exp = want[row["Partnership"], row["Indicator"], row["Round"]]
        for key, value in exp.items():
            if isinstance(value, float):
                assert row[key] == pytest.approx(value), (row, key)
            else:
                assert row[key] == value, (row, key)
    # raters changed: Cy Cho left and Di Diaz joined in Fall; in Winter one comparable rater only
    overall = {r["Round"]: r for r in got if r["Partnership"] == LIBRARY_CO and r["Indicator"] == "Overall"}
    assert (overall[FALL]["Rated both rounds"], overall[FALL]["Left"], overall[FALL]["Joined"]) == (2, 1, 1)
    assert (overall[WINTER]["Rated both rounds"], overall[WINTER]["Verdict"]) == (1, TOO_FEW)
    food = next(r for r in got if r["Partnership"] == FOOD_BANK and r["Indicator"] == "Overall" and r["Round"] == FALL)
    assert food["Verdict"] == IMPROVED  # typed about 1.6 levels better, by the same two raters


def test_rounds_follow_the_median_date_not_the_name(rounds: tuple[Path, Typed], tmp_path: Path) -> None:
    folder, _ = rounds
    wb = compile_cli(folder, tmp_path / "c.xlsx", "--data", str(tmp_path / "tidy.csv"))
    got = [r["Round"] for r in sheet_rows(wb["Trends"], TABLE_HEADER) if r["Indicator"] == "Overall"]
    assert got == [SPRING, FALL, WINTER, SPRING, FALL]
    # the tidy rows carry the round and its order, in the CSV and on the Data sheet
    text = (tmp_path / "tidy.csv").read_text(encoding="utf-8-sig")
    pairs = {(r["round"], r["round_order"]) for r in csv.DictReader(io.StringIO(text))}
    assert pairs == {(SPRING, "1"), (FALL, "2"), (WINTER, "3")}
    ws = wb["Data"]
    head = [c.value for c in ws[1]]
    at = head.index("Round"), head.index("Round order")
    found = {(row[at[0]], row[at[1]]) for row in ws.iter_rows(min_row=2, values_only=True)}
    assert found == {(SPRING, 1), (FALL, 2), (WINTER, 3)}


def test_round_order_given_reorders_the_changes(rounds: tuple[Path, Typed], tmp_path: Path) -> None:
    folder, typed = rounds
    order = [WINTER, FALL, SPRING]
    wb = compile_cli(folder, tmp_path / "c.xlsx", "--round-order", " winter 2027 ,Fall 2026,SPRING 2026")
    got = sheet_rows(wb["Trends"], TABLE_HEADER)
    assert [r["Round"] for r in got if r["Indicator"] == "Overall"] == [WINTER, FALL, SPRING, FALL, SPRING]
    want = expected_rows(typed, order)
    for row in got:
        exp = want[row["Partnership"], row["Indicator"], row["Round"]]
        assert row["Change since previous round"] == pytest.approx(exp["Change since previous round"])
        assert row["Verdict"] == exp["Verdict"]
    # the library takes the same list
    c = compile_paths([folder / "inbox"], round_order=order)
    assert c.rounds.labels == tuple(order)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("Spring 2026,Fall 2026", "--round-order leaves out 'Winter 2027'"),
        ("Spring 2026,,Fall 2026", "has an empty round name"),
        ("Spring 2026,spring 2026", "names 'spring 2026' twice"),
    ],
)
def test_round_order_must_name_every_round_once(
    rounds: tuple[Path, Typed], tmp_path: Path, given: str, message: str
) -> None:
    folder, _ = rounds
    out = tmp_path / "c.xlsx"
    result = CliRunner().invoke(cli, ["compile", str(folder / "inbox"), "-o", str(out), "--round-order", given])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not out.exists()


def test_summary_shows_each_partnership_once_with_its_change(rounds: tuple[Path, Typed], tmp_path: Path) -> None:
    folder, typed = rounds
    wb = compile_cli(folder, tmp_path / "c.xlsx")
    ws = wb["Summary"]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Partnership")
    rows = sheet_rows(ws, header)
    want = expected_rows(typed, [SPRING, FALL, WINTER])
    # the two partnerships' previous rounds differ, so the heading names no single round
    assert [r["Partnership"] for r in rows] == [f"{LIBRARY_CO} ({WINTER})", f"{FOOD_BANK} ({FALL})"]
    change = "Change since previous round"
    col = [c.value for c in ws[header]].index(change) + 1
    for r, (partner, round_) in zip(rows, [(LIBRARY_CO, WINTER), (FOOD_BANK, FALL)], strict=True):
        exp = want[partner, "Overall", round_]
        assert r["Overall score"] == pytest.approx(exp["Score"]) and r["Band"] == exp["Band"]
        assert r[change] == pytest.approx(exp[change])
    # an arrow with the figure: filled when the change counts, hollow when it does not
    literacy, food = (ws.cell(header + 1, col).number_format, ws.cell(header + 2, col).number_format)
    assert "▲" in food and "▼" in food and "△" in literacy and "▽" in literacy


def test_summary_line_chart_of_the_overall_score_by_round(rounds: tuple[Path, Typed], tmp_path: Path) -> None:
    folder, typed = rounds
    out = tmp_path / "c.xlsx"
    ws = compile_cli(folder, out)["Summary"]
    title = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Overall score by round")
    table = sheet_rows(ws, title + 1)
    want = expected_rows(typed, [SPRING, FALL, WINTER])
    assert [c.value for c in ws[title + 1]][:4] == ["Partnership", SPRING, FALL, WINTER]
    for r in table:
        for round_ in (SPRING, FALL, WINTER):
            exp = want.get((r["Partnership"], "Overall", round_))
            assert r[round_] == (pytest.approx(exp["Score"]) if exp else None)
    with zipfile.ZipFile(out) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
        drawing = z.read("xl/drawings/drawing1.xml").decode()
    line = next(c for c in charts if "<c:lineChart>" in c)
    assert line.count("<c:ser>") == 2
    row = title + 1
    assert f"<c:f>Summary!$B${row}:$D${row}</c:f>" in line  # rounds as categories
    assert f"<c:f>Summary!$B${row + 2}:$D${row + 2}</c:f>" in line  # the Food Bank's scores, Winter blank
    alt = re.search(r'descr="(Line chart[^"]*)"', drawing)
    assert alt and f"{SPRING}, {FALL}, {WINTER}" in alt[1]


def test_one_round_has_no_trends(rounds: tuple[Path, Typed], tmp_path: Path) -> None:
    folder, _ = rounds
    spring = tmp_path / "spring"
    spring.mkdir()
    for path in (folder / "inbox").glob("*Spring*"):
        (spring / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "c.xlsx"
    result = CliRunner().invoke(cli, ["compile", str(spring), "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert "Trends" not in wb.sheetnames
    assert not any(str(c.value).startswith("Change since") for row in wb["Summary"].iter_rows() for c in row)


def test_thresholds_are_declared_in_the_spec() -> None:
    template = load_template("effectiveness")
    scale = template.scales["effectiveness"]
    assert (scale.change_levels, scale.change_raters) == (0.5, 2)
    instrument = instrument_for(template)
    assert instrument is not None
    # the built-in thresholds: half a level with two raters in both rounds
    assert verdict(instrument, 2.6, 3.1, ("Effective", "Effective"), 2) == IMPROVED
    assert verdict(instrument, 2.6, 3.0, ("Effective", "Effective"), 2) == NO_CLEAR_CHANGE
    assert verdict(instrument, 2.6, 2.4, ("Effective", "Somewhat effective"), 2) == DECLINED
    assert verdict(instrument, 2.6, 3.6, ("Effective", "Highly effective"), 1) == TOO_FEW
    # other thresholds in the spec give other verdicts
    stricter = dataclasses.replace(scale, change_levels=1.5, change_raters=1)
    other = dataclasses.replace(instrument, scale=stricter)
    assert verdict(other, 2.6, 3.6, ("Effective", "Effective"), 1) == NO_CLEAR_CHANGE
    assert verdict(other, 2.6, 3.6, ("Effective", "Highly effective"), 1) == IMPROVED


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("change_levels = 0", "change_levels: must be more than 0"),
        ("change_raters = 0", "change_raters: must be 1 or more"),
        ('change_levels = "half"', "change_levels"),
    ],
)
def test_bad_thresholds_fail_at_load(line: str, message: str) -> None:
    text = (TEMPLATES_DIR / "effectiveness.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^change_levels = .*$", "", text)
    text = re.sub(r"(?m)^change_raters = .*$", "", text)
    text = text.replace("discuss_levels = 2\n", f"discuss_levels = 2\n{line}\n", 1)
    with pytest.raises(SpecError, match=re.escape(message)):
        parse_template(tomllib.loads(text), "bad.toml")


def test_trends_sheet_shows_what_counts_at_a_glance(rounds: tuple[Path, Typed], tmp_path: Path) -> None:
    """What a reader sees on Trends, row by row: the partnership's overall row in bold, a change that
    counts in bold with a filled arrow, one that does not hollow and muted, a verdict of too few
    raters muted, scores with two decimals coloured by the scale, and rows tall enough to print."""
    from partnersheet.compile.sheets.styles import CHANGE_CALLED, CHANGE_UNCALLED
    from partnersheet.compile.trends import CALLED, TOO_FEW

    folder, _ = rounds
    ws = compile_cli(folder, tmp_path / "c.xlsx")["Trends"]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Partnership")
    col = {c.value: c.column for c in ws[header]}
    rows = list(range(header + 1, ws.max_row + 1))
    assert len(rows) > 10
    verdicts = set()
    for r in rows:
        overall = ws.cell(r, col["Indicator"]).value == "Overall"
        verdict = ws.cell(r, col["Verdict"]).value
        change = ws.cell(r, col["Change since previous round"])
        first = ws.cell(r, col["Previous round"]).value in (None, "")
        verdicts.add(verdict)
        assert bool(ws.cell(r, col["Partnership"]).font.b) == overall
        assert ws.cell(r, col["Score"]).number_format == "0.00"
        assert change.number_format == (CHANGE_CALLED if verdict in CALLED else CHANGE_UNCALLED)
        assert bool(change.font.b) == (verdict in CALLED)
        assert bool(ws.cell(r, col["Verdict"]).font.i) == (verdict == TOO_FEW or (first and verdict not in CALLED))
        if first:  # nothing to compare with: no raters counted in both rounds
            assert ws.cell(r, col["Rated both rounds"]).value is None
        assert (ws.row_dimensions[r].height or 0) >= 15
    assert verdicts & set(CALLED) and TOO_FEW in verdicts  # the sample shows both kinds
    letter = ws.cell(header, col["Score"]).column_letter
    assert any(f"{letter}{header + 1}:{letter}{rows[-1]}" in str(cf.sqref) for cf in ws.conditional_formatting)
