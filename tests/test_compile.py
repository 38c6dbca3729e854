"""`partnersheet compile`: a returned set compiled, every sheet checked against values typed here.

The set: two partnerships rated by several people on both sides (one of them on an older template
version), a candidates table with three organizations and their commitments, one workbook with
errors and one file that is not a workbook. Expected scores, bands, spreads, flags, gaps and totals
are computed in this file from the typed ratings, with the scale written out here, never by
calling the code under test.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import soffice_convert

from partnersheet.cli import cli
from partnersheet.compile.core import compile_paths
from partnersheet.compile.sheets import build_workbook
from partnersheet.spec import TEMPLATES_DIR, Template, load_template, load_template_file
from partnersheet.workbook.generate import Personalisation, generate

EPOCH = "1767323045"  # 2026-01-02 03:04:05 UTC
# The effectiveness scale as the issue states it, written out here so the test is independent.
SCORES = {"4": 4.0, "3": 3.0, "2": 2.0, "1": 1.0}
LABELS = {"4": "Highly effective", "3": "Effective", "2": "Somewhat effective", "1": "Ineffective", "N": "Not observed"}
ROUND = "Spring 2026"
CH, RW = "County Health Department", "River Watch Alliance"

# (partner, rater, side, file) -> one code per criterion, in the rubric's order (15 criteria).
RATINGS: dict[tuple[str, str, str, str], str] = {
    (CH, "Ana Rivera", "Library", "ch_ana.xlsx"): "443332223344333",
    (CH, "Ben Okafor", "Library", "ch_ben.xlsx"): "34N332213443222",
    (CH, "Cy Park", "Partner", "ch_cy.xlsx"): "222221112232211",
    (CH, "Di Lopez", "Partner", "ch_di.xlsx"): "3332322N2233322",
    (RW, "Eve Chen", "Library", "rw_eve.xlsx"): "444443344444434",
    (RW, "Fay Adams", "Library", "rw_fay.xlsx"): "4443433N4444444",
    (RW, "Gus Moore", "Partner", "rw_gus.xlsx"): "333333333333333",
}
# Typed the way people type: case and spaces off, a score instead of a label.
TYPED_VARIANTS = {("ch_ana.xlsx", 0): "  highly EFFECTIVE ", ("rw_gus.xlsx", 5): 3}
NOTES = {
    "ch_ana.xlsx": ("mission__evidence", '=HYPERLINK("http://evil.example","click")'),
    "ch_ben.xlsx": ("overall_comments", "+1 for the joint book club"),
    "ch_cy.xlsx": ("goals__evidence", "-2 meetings were missed"),
    "ch_di.xlsx": ("leadership__evidence", "@director please read"),
    "rw_eve.xlsx": ("progress__evidence", "Quarterly data review with the partner."),
}
OLD_VERSION_FILE, OLD_VERSION = "ch_di.xlsx", "0.9.0"
PROBLEM_FILE, UNREADABLE_FILE, TABLE_FILE = "ch_hal_problems.xlsx", "broken.xlsx", "candidates.xlsx"
ORGS = ("County Health Department", "@Food Bank", "Youth Center")
TABLE_ANSWERS: dict[str, Any] = {
    "theme": "Health literacy",
    "prepared_by": "Ana Rivera",
    "org1_name": ORGS[0],
    "org1_library_pros": "Trusted by families; runs clinics",
    "org1_library_cons": "-Busy in flu season",
    "org1_library_fit": "Excellent fit",
    "org1_library_financial_amount": 1500,
    "org1_library_staff_hours": 6,
    "org1_brings_financial_amount": "$500",
    "org1_brings_staff_hours": 10,
    "org1_success_community_group": "More adults read their prescriptions with confidence.",
    "org2_name": ORGS[1],
    "org2_library_pros": "Reaches people we never see",
    "org2_library_fit": "good fit",
    "org2_library_financial_amount": 200,
    "org2_library_staff_hours": "4",
    "org2_brings_financial_amount": 0,
    "org2_brings_staff_hours": 2.5,
    "org3_name": ORGS[2],
    "org3_library_fit": "Fair fit",
    "org3_library_staff_hours": 1,
    "org3_brings_financial_amount": 300,
    "overall_considerations": "=SUM(A1:A3) is how they budget",
}
TABLE_COLUMNS = ("library", "brings")  # the two sides that commit dollars and hours


def fill(
    path: Path, answers: dict[str, Any], meta: dict[str, str] | None = None, formulas: tuple[str, ...] = ()
) -> None:
    """Type answers into the cells named ps_<field id>, as a person would.

    Text is typed as text (as with a leading apostrophe), so "=..." stays text, except for the
    fields in ``formulas``, where it is a real formula.
    """
    wb = openpyxl.load_workbook(path)
    for field_id, value in answers.items():
        ((sheet, ref),) = wb.defined_names[f"ps_{field_id}"].destinations
        cell = wb[sheet][ref.replace("$", "")]
        cell.value = value
        if isinstance(value, str) and field_id not in formulas:
            cell.data_type = "s"
    for key, value in (meta or {}).items():
        for row in wb["_meta"].iter_rows():
            if row[0].value == key:
                row[1].value = value
    wb.save(path)


def indicator_layout() -> list[tuple[str, list[str]]]:
    """(indicator label, its rating field ids) in rubric order: the structure of the input form."""
    t = load_template("effectiveness")
    section = next(s for _, s in t.sections() if s.layout == "rubric")
    return [(g.label, [f.id for f in g.fields if f.type == "rating"]) for g in section.groups]


def criterion(k: int) -> str:
    """The field id of the k-th criterion of the rubric."""
    return [i for _, group in indicator_layout() for i in group][k]


def band(score: float) -> str:
    if score >= 3.5:
        return "Highly effective"
    if score >= 2.5:
        return "Effective"
    if score >= 1.5:
        return "Somewhat effective"
    return "Ineffective"


@dataclass
class Expected:
    score: float | None
    ratings: int
    low: float | None
    high: float | None
    gap_between_raters: float
    flagged: list[str]
    side: dict[str, float | None]
    not_observed: int


def expected(partner: str, only: list[str] | None = None) -> dict[str, Expected]:
    """Per indicator label, what the comparison must say, from the typed codes (of ``only`` these raters)."""
    raters = [
        (rater, side, codes)
        for (p, rater, side, _), codes in RATINGS.items()
        if p == partner and (only is None or rater in only)
    ]
    out: dict[str, Expected] = {}
    pos = 0
    for label, ids in indicator_layout():
        mine_codes = [(rater, side, codes[pos : pos + len(ids)]) for rater, side, codes in raters]
        given = [
            (rater, side, k, SCORES[c]) for rater, side, codes in mine_codes for k, c in enumerate(codes) if c in SCORES
        ]
        crit_labels = [load_template("effectiveness").field(i).label for i in ids]
        scores = [s for *_, s in given]
        gaps = {}
        for k in range(len(ids)):
            mine = [s for _, _, kk, s in given if kk == k]
            if len(mine) > 1:
                gaps[crit_labels[k]] = max(mine) - min(mine)
        side = {}
        for name in ("Library", "Partner"):
            own = [s for _, sd, _, s in given if sd == name]
            side[name] = sum(own) / len(own) if own else None
        out[label] = Expected(
            sum(scores) / len(scores) if scores else None,
            len(scores),
            min(scores) if scores else None,
            max(scores) if scores else None,
            max(gaps.values(), default=0.0),
            [c for c, g in gaps.items() if g >= 2],
            side,
            sum(codes.count("N") for _, _, codes in mine_codes),
        )
        pos += len(ids)
    return out


def overall(partner: str, only: list[str] | None = None) -> float:
    scores = [e.score for e in expected(partner, only).values() if e.score is not None]
    return sum(scores) / len(scores)


def old_version_spec(folder: Path) -> Template:
    """The effectiveness spec as it was at OLD_VERSION (same questions), in a user templates folder."""
    folder.mkdir(exist_ok=True)
    text = (TEMPLATES_DIR / "effectiveness.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^version = "[^"]+"', f'version = "{OLD_VERSION}"', text, count=1)
    (folder / "effectiveness-old.toml").write_text(text, encoding="utf-8")
    return load_template_file(folder / "effectiveness-old.toml")


def build_set(folder: Path, old: Template) -> dict[str, dict[str, Any]]:
    """Generate and fill the returned set; return what was typed, per file name."""
    eff = load_template("effectiveness")
    ids = [i for _, group in indicator_layout() for i in group]
    typed: dict[str, dict[str, Any]] = {}
    for (partner, rater, side, name), codes in RATINGS.items():
        made_from = old if name == OLD_VERSION_FILE else eff
        path = generate(made_from, folder / name, Personalisation(partner=partner, rater=rater, side=side, round=ROUND))
        answers: dict[str, Any] = {"rater_organization": "Riverside Public Library" if side == "Library" else partner}
        answers["assessment_date"] = "2026-03-15"
        for k, (field_id, code) in enumerate(zip(ids, codes, strict=True)):
            answers[field_id] = TYPED_VARIANTS.get((name, k), LABELS[code])
        if name in NOTES:
            field_id, text = NOTES[name]
            answers[field_id] = text
        fill(path, answers)
        typed[name] = answers
    path = generate(
        eff, folder / PROBLEM_FILE, Personalisation(partner=CH, rater="Hal Berg", side="Partner", round=ROUND)
    )
    answers = {i: "Ineffective" for i in ids}
    answers[criterion(3)] = "Superb"  # not a rating: an error, so this workbook is excluded
    answers.update(rater_organization=CH, assessment_date="2026-03-15", overall_comments="=1+1")
    fill(path, answers, formulas=("overall_comments",))  # a real formula: an error too
    typed[PROBLEM_FILE] = answers
    table = load_template("partnership-table")
    path = generate(table, folder / TABLE_FILE, Personalisation(library="Riverside Public Library"))
    fill(path, TABLE_ANSWERS)
    typed[TABLE_FILE] = TABLE_ANSWERS
    (folder / UNREADABLE_FILE).write_bytes(b"PK\x03\x04 this is not really a workbook")
    return typed


@dataclass
class Compiled:
    folder: Path
    output: Path
    data_csv: Path
    typed: dict[str, dict[str, Any]]
    stdout: str
    exit_code: int

    def book(self) -> Any:
        return openpyxl.load_workbook(self.output)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Compiled:
    root = tmp_path_factory.mktemp("compile")
    folder = root / "returned"
    folder.mkdir()
    typed = build_set(folder, old_version_spec(root / "templates"))
    output, data = root / "comparison.xlsx", root / "tidy.csv"
    result = CliRunner().invoke(
        cli,
        # --attributed: these tests check who wrote what (tests/test_confidential.py checks the rest)
        [
            "compile",
            str(folder),
            "-o",
            str(output),
            "--data",
            str(data),
            "--templates",
            str(root / "templates"),
            "--attributed",
        ],
        env={"SOURCE_DATE_EPOCH": EPOCH},
    )
    return Compiled(folder, output, data, typed, result.output, result.exit_code)


def header_rows(ws: Any, first: str = "Partnership") -> list[int]:
    return [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == first]


def table(ws: Any, header_row: int) -> list[dict[str, Any]]:
    """Rows under a header row, as dicts keyed by header text, until the first empty row."""
    headers = [c.value for c in ws[header_row]]
    rows = []
    for r in range(header_row + 1, ws.max_row + 1):
        values = [c.value for c in ws[r]]
        if values[0] in (None, ""):
            break
        rows.append({h: v for h, v in zip(headers, values, strict=False) if h})
    return rows


def test_closing_line_counts_problems_and_unreadable(compiled: Compiled) -> None:
    assert compiled.exit_code == 0, compiled.stdout
    assert (
        f"Compiled 9 workbooks (1 with problems, excluded from scores; 1 unreadable) into {compiled.output}"
        in compiled.stdout
    )
    assert compiled.output.exists() and compiled.data_csv.exists()


def test_sheets_in_order(compiled: Compiled) -> None:
    wb = compiled.book()
    assert wb.sheetnames == [
        "Summary",
        "Indicators",
        "Perspectives",
        "Candidates",
        "Evidence",
        "Data",
        "Problems",
        "About",
    ]


def test_summary_scores_bands_raters_and_extremes(compiled: Compiled) -> None:
    ws = compiled.book()["Summary"]
    rows = table(ws, header_rows(ws)[0])
    assert [r["Partnership"] for r in rows] == [CH, RW]
    raters = {CH: (2, 2), RW: (2, 1)}  # Hal's workbook has errors: not counted
    for row in rows:
        partner = row["Partnership"]
        exp = expected(partner)
        assert row["Overall score"] == pytest.approx(overall(partner))
        assert row["Band"] == band(overall(partner))
        assert (row["Library raters"], row["Partner raters"]) == raters[partner]
        scored = [(label, e.score) for label, e in exp.items() if e.score is not None]
        best = max(scored, key=lambda x: x[1])
        worst = min(scored, key=lambda x: x[1])
        assert row["Strongest indicator"] == best[0]
        assert row["Weakest indicator"] == worst[0]
        widest = max(exp.items(), key=lambda x: x[1].gap_between_raters)
        assert row["Largest disagreement"].startswith(widest[0])
        assert f"{widest[1].gap_between_raters:g} level" in row["Largest disagreement"]


def test_summary_heatmap_and_one_printed_page(compiled: Compiled) -> None:
    ws = compiled.book()["Summary"]
    heat = header_rows(ws)[1]
    labels = [label for label, _ in indicator_layout()]
    assert [c.value for c in ws[heat]][1 : len(labels) + 2] == [*labels, "Overall"]
    for row in table(ws, heat):
        exp = expected(row["Partnership"])
        for label in labels:
            assert row[label] == pytest.approx(exp[label].score)
        assert row["Overall"] == pytest.approx(overall(row["Partnership"]))
    first, last = heat + 1, heat + 2
    scales = [
        (str(rng.sqref), rule) for rng in ws.conditional_formatting for rule in rng.rules if rule.type == "colorScale"
    ]
    assert any(sqref == f"B{first}:H{last}" for sqref, _ in scales), scales
    rule = next(rule for sqref, rule in scales if sqref == f"B{first}:H{last}")
    assert [float(v.val) for v in rule.colorScale.cfvo] == [1, 2.5, 4]  # the scale's lowest to highest level
    assert (ws.page_setup.fitToWidth or 1) == 1 and (ws.page_setup.fitToHeight or 1) == 1  # 1 is the default
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.orientation == "landscape"
    assert all(isinstance(c.value, (int, float)) or c.value is None for c in ws[first][1:8]), "numbers, not formulas"


def resolve(ws: Any, ref: str) -> list[Any]:
    sheet, cells = ref.split("!")
    assert sheet.strip("'") == ws.title
    found = ws[cells.replace("$", "")]
    if isinstance(found, tuple):
        return [c.value for row in found for c in (row if isinstance(row, tuple) else (row,))]
    return [found.value]


def test_chart_series_point_at_the_heatmap(compiled: Compiled) -> None:
    with zipfile.ZipFile(compiled.output) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert charts == ["xl/charts/chart1.xml"]
        xml = z.read(charts[0]).decode()
        drawing = z.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    assert "drawing" in drawing  # the chart sits on the first sheet, Summary
    assert "<c:barChart>" in xml and '<c:barDir val="col"/>' in xml
    ws = compiled.book()["Summary"]
    series = re.findall(r"<c:ser>(.*?)</c:ser>", xml, re.S)
    labels = [label for label, _ in indicator_layout()]
    assert len(series) == len(labels)
    for ser, label in zip(series, labels, strict=True):
        name_ref, cat_ref, val_ref = re.findall(r"<c:f>(.*?)</c:f>", ser)
        assert resolve(ws, name_ref) == [label]
        partners = resolve(ws, cat_ref)
        assert partners == [CH, RW]
        values = resolve(ws, val_ref)
        assert values == pytest.approx([expected(p)[label].score for p in partners])


def test_indicators_scores_spreads_and_flags(compiled: Compiled) -> None:
    ws = compiled.book()["Indicators"]
    rows = table(ws, header_rows(ws)[0])
    assert len(rows) == 2 * len(indicator_layout())
    flagged_any = False
    for row in rows:
        exp = expected(row["Partnership"])[row["Indicator"]]
        assert row["Score"] == pytest.approx(exp.score)
        assert row["Band"] == band(exp.score)
        assert row["Ratings"] == exp.ratings
        assert (row["Lowest"], row["Highest"]) == (exp.low, exp.high)
        assert row["Spread"] == pytest.approx(exp.high - exp.low)
        assert row["Largest gap between raters (levels)"] == pytest.approx(exp.gap_between_raters)
        flag = row["For discussion"] or ""
        assert bool(flag) == bool(exp.flagged), (row, exp)
        for criterion in exp.flagged:
            assert criterion in flag
        flagged_any |= bool(flag)
    assert flagged_any, "the test set must contain a disagreement of two levels"
    for row in rows:
        assert row["Not observed"] == expected(row["Partnership"])[row["Indicator"]].not_observed
    assert sum(row["Not observed"] for row in rows) == sum(codes.count("N") for codes in RATINGS.values())


def test_perspectives_side_scores_and_gap(compiled: Compiled) -> None:
    ws = compiled.book()["Perspectives"]
    rows = table(ws, header_rows(ws)[0])
    for row in rows:
        if row["Indicator"] == "All indicators":
            exp_all = expected(row["Partnership"]).values()
            lib = [e.side["Library"] for e in exp_all if e.side["Library"] is not None]
            par = [e.side["Partner"] for e in exp_all if e.side["Partner"] is not None]
            assert row["Library score"] == pytest.approx(sum(lib) / len(lib))
            assert row["Partner score"] == pytest.approx(sum(par) / len(par))
            assert row["Gap (Library − Partner)"] == pytest.approx(sum(lib) / len(lib) - sum(par) / len(par))
            continue
        exp = expected(row["Partnership"])[row["Indicator"]]
        assert row["Library score"] == pytest.approx(exp.side["Library"])
        assert row["Partner score"] == pytest.approx(exp.side["Partner"])
        assert row["Gap (Library − Partner)"] == pytest.approx(exp.side["Library"] - exp.side["Partner"])
    assert sum(r["Indicator"] == "All indicators" for r in rows) == 2


def test_indicators_and_perspectives_look_as_they_read(compiled: Compiled) -> None:
    """What a reader sees: a disagreement to discuss is shaded, the partnership's "All indicators"
    row is bold, counts are whole numbers and scores have two decimals, wrapped rows are tall enough
    for their text, and the gap column is shaded where the sides are a level apart or more."""
    from partnersheet.workbook.style import FLAG_FILL

    book = compiled.book()
    ws = book["Indicators"]
    header = header_rows(ws)[0]
    col = {c.value: c.column for c in ws[header]}
    n = len(table(ws, header))
    for r in range(header + 1, header + 1 + n):
        flag = ws.cell(r, col["For discussion"])
        shaded = flag.fill.fgColor.rgb if flag.fill.fill_type else None
        assert (shaded or "").endswith(FLAG_FILL.lstrip("#").upper()) == bool(flag.value), r
        assert ws.cell(r, col["Score"]).number_format == "0.00"
        assert ws.cell(r, col["Ratings"]).number_format == "0"
        assert (ws.row_dimensions[r].height or 0) >= 15
    ws = book["Perspectives"]
    header = header_rows(ws)[0]
    col = {c.value: c.column for c in ws[header]}
    rows = range(header + 1, header + 1 + len(table(ws, header)))
    for r in rows:
        bold = ws.cell(r, col["Indicator"]).value == "All indicators"
        assert bool(ws.cell(r, col["Partnership"]).font.b) == bold
        assert bool(ws.cell(r, col["Library score"]).font.b) == bold
        assert ws.cell(r, col["Library score"]).number_format == "0.00"
    gap = ws.cell(header, col["Gap (Library − Partner)"]).column_letter
    ranges = [str(cf.sqref) for cf in ws.conditional_formatting]
    assert f"{gap}{header + 1}:{gap}{rows[-1]}" in ranges


def number(value: Any) -> float | None:
    if value is None:
        return None
    return float(str(value).replace("$", "").replace(",", ""))


def test_candidates_side_by_side_with_totals(compiled: Compiled) -> None:
    ws = compiled.book()["Candidates"]
    cells = {(r, c): ws.cell(r, c).value for r in range(1, ws.max_row + 1) for c in range(1, 6)}
    header = next(r for r in range(1, ws.max_row + 1) if cells[(r, 2)] == ORGS[0])
    assert [cells[(header, c)] for c in range(2, 6)] == [*ORGS, "Total"]
    assert ws.cell(header, 3).data_type == "s"  # "@Food Bank" stays text
    rows_by_label: dict[str, list[int]] = {}
    for r in range(header + 1, ws.max_row + 1):
        if cells[(r, 1)]:
            rows_by_label.setdefault(cells[(r, 1)], []).append(r)
    pros = rows_by_label["Pros"][0]
    assert [cells[(pros, c)] for c in (2, 3, 4)] == [
        TABLE_ANSWERS["org1_library_pros"],
        TABLE_ANSWERS["org2_library_pros"],
        None,
    ]
    cons = rows_by_label["Cons"][0]
    assert cells[(cons, 2)] == "-Busy in flu season" and ws.cell(cons, 2).data_type == "s"
    fit = rows_by_label["Overall fit with your library"][0]
    assert [cells[(fit, c)] for c in (2, 3, 4)] == ["Excellent fit", "Good fit", "Fair fit"]
    assert ws.cell(pros, 2).alignment.wrap_text

    def amounts(org: int, column: str, kind: str) -> float | None:
        return number(TABLE_ANSWERS.get(f"org{org}_{column}_{kind}"))

    for kind, label in (
        ("financial_amount", "Commitment of resources: Financial ($)"),
        ("staff_hours", "Staff (hours per month)"),
    ):
        for side_index, column in enumerate(TABLE_COLUMNS):
            r = rows_by_label[label][side_index]
            per_org = [amounts(o, column, kind) for o in (1, 2, 3)]
            assert [cells[(r, c)] for c in (2, 3, 4)] == per_org
            assert cells[(r, 5)] == pytest.approx(sum(v for v in per_org if v is not None))
        both = next(r for lab, rs in rows_by_label.items() if lab.startswith(label + ":") for r in rs)
        per_org_both = []
        for o in (1, 2, 3):
            vals = [amounts(o, col, kind) for col in TABLE_COLUMNS]
            present = [v for v in vals if v is not None]
            per_org_both.append(sum(present) if present else None)
        assert [cells[(both, c)] for c in (2, 3, 4)] == pytest.approx(per_org_both)
        assert cells[(both, 5)] == pytest.approx(sum(v for v in per_org_both if v is not None))
    success = rows_by_label["Community member group"][0]
    assert cells[(success, 2)] == TABLE_ANSWERS["org1_success_community_group"]
    considerations = rows_by_label["Overall considerations"][0]
    assert cells[(considerations, 2)] == "=SUM(A1:A3) is how they budget"
    assert ws.cell(considerations, 2).data_type == "s"


def test_evidence_every_note_attributed(compiled: Compiled) -> None:
    ws = compiled.book()["Evidence"]
    rows = table(ws, header_rows(ws)[0])
    by_rater = {(p, r, s, name) for p, r, s, name in RATINGS}
    labels = {f.id: (f.context or f.label) for f in load_template("effectiveness").fields}
    for partner, rater, side, name in by_rater:
        if name not in NOTES:
            continue
        field_id, text = NOTES[name]
        match = [row for row in rows if row["Evidence or comment"] == text]
        assert len(match) == 1, text
        row = match[0]
        assert (row["Partnership"], row["Rater"], row["Side"]) == (partner, rater, side)
        assert row["Indicator"] == labels[field_id]
        assert row["Status"] == "ok"
    hal = [row for row in rows if row["Rater"] == "Hal Berg"]
    assert [(r["Evidence or comment"], r["Status"]) for r in hal] == [("=1+1", "excluded")]


def data_rows(compiled: Compiled) -> list[dict[str, Any]]:
    ws = compiled.book()["Data"]
    return table(ws, 1)


def test_data_has_every_typed_value_with_status(compiled: Compiled) -> None:
    rows = data_rows(compiled)
    seen = {(Path(r["File"]).name, r["Field id"]): r for r in rows}
    for name, answers in compiled.typed.items():
        for field_id, value in answers.items():
            row = seen[(name, field_id)]
            assert row["Value as typed"] == (value if isinstance(value, str) else f"{value:g}"), (name, field_id)
            assert row["Status"] == ("excluded" if name == PROBLEM_FILE else "ok")
    statuses = {Path(r["File"]).name: r["Status"] for r in rows}
    assert UNREADABLE_FILE not in statuses
    ana = seen[("ch_ana.xlsx", criterion(0))]
    assert (ana["Normalised value"], ana["Score"]) == ("Highly effective", 4)
    gus = seen[("rw_gus.xlsx", criterion(5))]
    assert (gus["Value as typed"], gus["Normalised value"], gus["Score"]) == ("3", "Effective", 3)
    bad = seen[(PROBLEM_FILE, criterion(3))]
    assert (bad["Value as typed"], bad["Value problem"]) == ("Superb", "not-a-rating")
    amount = seen[(TABLE_FILE, "org1_brings_financial_amount")]
    assert (amount["Value as typed"], amount["Normalised value"]) == ("$500", 500)
    assert {r["Template"] for r in rows} == {"effectiveness", "partnership-table"}
    assert {r["Version"] for r in rows if Path(r["File"]).name == OLD_VERSION_FILE} == {OLD_VERSION}
    first = rows[0]
    for key in ("Workbook id", "Sheet", "Cell", "Field"):
        assert first[key]
    di = seen[("ch_di.xlsx", "rater")]
    assert (di["Partner"], di["Rater"], di["Side"], di["Round"]) == (CH, "Di Lopez", "Partner", ROUND)


def test_formula_like_text_stays_text(compiled: Compiled) -> None:
    wb = compiled.book()
    found = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    found += 1
    assert found >= 10
    rows = data_rows(compiled)
    typed = {r["Value as typed"] for r in rows}
    for text in (
        '=HYPERLINK("http://evil.example","click")',
        "+1 for the joint book club",
        "-2 meetings were missed",
        "@director please read",
    ):
        assert text in typed
    with zipfile.ZipFile(compiled.output) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in z.read(name), f"{name} holds a formula"


def test_csv_export_is_neutralised(compiled: Compiled) -> None:
    with compiled.data_csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(data_rows(compiled))
    typed = {(Path(r["file"]).name, r["field_id"]): r["value_as_typed"] for r in rows}
    assert typed[("ch_ana.xlsx", "mission__evidence")] == "'" + NOTES["ch_ana.xlsx"][1]
    assert typed[("ch_ben.xlsx", "overall_comments")] == "'+1 for the joint book club"
    assert typed[("ch_cy.xlsx", "goals__evidence")] == "'-2 meetings were missed"
    assert typed[("ch_di.xlsx", "leadership__evidence")] == "'@director please read"
    assert typed[(PROBLEM_FILE, "overall_comments")] == "'=1+1"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_json_export_is_a_list_of_objects(compiled: Compiled, tmp_path: Path) -> None:
    out = tmp_path / "tidy.json"
    result = CliRunner().invoke(
        cli, ["compile", str(compiled.folder), "-o", str(tmp_path / "c.xlsx"), "--data", str(out), "-q", "--attributed"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == ""
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(rows, list) and len(rows) == len(data_rows(compiled))
    ana = next(r for r in rows if r["file"].endswith("ch_ana.xlsx") and r["field_id"] == "mission__evidence")
    assert ana["value_as_typed"] == NOTES["ch_ana.xlsx"][1]  # JSON keeps the text exactly
    date_row = next(r for r in rows if r["field_id"] == "assessment_date")
    assert date_row["value"] == "2026-03-15"


def test_problems_name_the_unreadable_file_and_the_errors(compiled: Compiled) -> None:
    ws = compiled.book()["Problems"]
    rows = table(ws, header_rows(ws, "File")[0])
    broken = [r for r in rows if r["File"] == UNREADABLE_FILE]
    assert len(broken) == 1 and broken[0]["Effect"] == "not read" and broken[0]["Severity"] == "error"
    hal = [r for r in rows if r["File"] == PROBLEM_FILE]
    assert {r["Code"] for r in hal} == {"not-a-rating", "formula-in-cell"}
    assert all(r["Effect"] == "excluded from scores" for r in hal)
    assert not [r for r in rows if r["File"] == OLD_VERSION_FILE]  # an older version with its spec at hand is fine


def test_about_lists_versions_times_and_checksums(compiled: Compiled) -> None:
    ws = compiled.book()["About"]
    texts = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert any(str(t).startswith("partnersheet ") for t in texts)
    assert "2026-01-02 03:04 UTC" in texts
    for path in compiled.folder.iterdir():
        assert hashlib.sha256(path.read_bytes()).hexdigest() in texts, path.name
    assert any(f"{OLD_VERSION} (1)" in str(t) and "1.0.0 (7)" in str(t) for t in texts)
    created = compiled.book().properties.created
    assert created.strftime("%Y-%m-%d %H:%M:%S") == "2026-01-02 03:04:05"


@pytest.fixture(autouse=True)
def _old_version_spec_in_the_environment(compiled: Compiled, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every compile of the returned set can find the older version's spec, as a coordinator's would."""
    monkeypatch.setenv("PARTNERSHEET_TEMPLATES", str(compiled.folder.parent / "templates"))


def test_same_inputs_same_bytes_apart_from_time(compiled: Compiled, tmp_path: Path) -> None:
    outs = []
    for name in ("a.xlsx", "b.xlsx"):
        result = CliRunner().invoke(
            cli, ["compile", str(compiled.folder), "-o", str(tmp_path / name)], env={"SOURCE_DATE_EPOCH": EPOCH}
        )
        assert result.exit_code == 0
        outs.append((tmp_path / name).read_bytes())
    assert outs[0] == outs[1]


def test_strict_writes_nothing_and_exits_1(compiled: Compiled, tmp_path: Path) -> None:
    out, data = tmp_path / "c.xlsx", tmp_path / "d.csv"
    result = CliRunner().invoke(cli, ["compile", str(compiled.folder), "-o", str(out), "--data", str(data), "--strict"])
    assert result.exit_code == 1
    assert not out.exists() and not data.exists()
    assert list(tmp_path.iterdir()) == []
    assert "--strict" in result.output


def test_strict_writes_when_everything_is_valid(compiled: Compiled, tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    for name in ("rw_eve.xlsx", "rw_gus.xlsx"):
        shutil.copy(compiled.folder / name, good / name)
    result = CliRunner().invoke(cli, ["compile", str(good), "-o", str(tmp_path / "c.xlsx"), "--strict"])
    assert result.exit_code == 0, result.output
    assert "Compiled 2 workbooks (0 with problems, excluded from scores)" in result.output


def test_no_overwrite_without_force(compiled: Compiled, tmp_path: Path) -> None:
    out = tmp_path / "c.xlsx"
    out.write_bytes(b"keep me")
    result = CliRunner().invoke(cli, ["compile", str(compiled.folder), "-o", str(out)])
    assert result.exit_code == 1
    assert "--force" in result.output
    assert out.read_bytes() == b"keep me"
    result = CliRunner().invoke(cli, ["compile", str(compiled.folder), "-o", str(out), "--force"])
    assert result.exit_code == 0
    assert zipfile.is_zipfile(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.xlsx"]  # no temporary file left


def test_existing_data_file_is_kept_before_any_work(compiled: Compiled, tmp_path: Path) -> None:
    data = tmp_path / "tidy.csv"
    data.write_text("keep")
    result = CliRunner().invoke(
        cli, ["compile", str(compiled.folder), "-o", str(tmp_path / "c.xlsx"), "--data", str(data)]
    )
    assert result.exit_code == 1
    assert data.read_text() == "keep" and not (tmp_path / "c.xlsx").exists()


def test_output_inside_the_input_folder_is_not_read_back(compiled: Compiled, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(compiled.folder, folder)
    for _ in range(2):
        result = CliRunner().invoke(cli, ["compile", str(folder), "-o", str(folder / "comparison.xlsx"), "--force"])
        assert result.exit_code == 0
        assert "Compiled 9 workbooks" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "c.csv"], "must be an .xlsx file"),
        (["-o", "c.xlsx", "--data", "d.txt"], ".csv or .json"),
    ],
)
def test_usage_errors_exit_2(compiled: Compiled, tmp_path: Path, args: list[str], message: str) -> None:
    args = [str(tmp_path / a) if a.startswith(("c.", "d.")) else a for a in args]
    result = CliRunner().invoke(cli, ["compile", str(compiled.folder), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


def test_nothing_readable_exits_2(compiled: Compiled, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["compile", str(compiled.folder / UNREADABLE_FILE), "-o", str(tmp_path / "c.xlsx")]
    )
    assert result.exit_code == 2
    assert UNREADABLE_FILE in result.output and "Traceback" not in result.output
    assert not (tmp_path / "c.xlsx").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["compile", str(empty), "-o", str(tmp_path / "c.xlsx")])
    assert result.exit_code == 2 and "no workbooks found" in result.output


def test_library_reports_progress_and_returns_data(compiled: Compiled) -> None:
    ticks: list[int] = []
    comparison = compile_paths([compiled.folder], progress=ticks.append)
    assert sum(ticks) == len(list(compiled.folder.iterdir()))
    assert comparison.compiled == 9 and comparison.unreadable == 1 and len(comparison.excluded) == 1
    assert comparison.tidy_count == sum(1 for _ in comparison.tidy_rows())
    assert build_workbook(comparison)[:2] == b"PK"


def test_rounds_are_compared_separately(compiled: Compiled, tmp_path: Path) -> None:
    shutil.copy(compiled.folder / "ch_ana.xlsx", tmp_path / "ch_ana.xlsx")
    eff = load_template("effectiveness")
    fall = generate(
        eff,
        tmp_path / "ch_ana_fall.xlsx",
        Personalisation(partner=CH, rater="Ana Rivera", side="Library", round="Fall"),
    )
    answers: dict[str, Any] = {f.id: "Effective" for f in eff.fields if f.type == "rating"}
    fill(fall, {**answers, "rater_organization": "Riverside Public Library", "assessment_date": "2026-10-01"})
    out = tmp_path / "c.xlsx"
    result = CliRunner().invoke(cli, ["compile", str(tmp_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["Summary"]
    rows = table(ws, header_rows(ws)[0])
    # one row per partnership at its latest round (October comes after March), its change beside it
    ch = [r for r in rows if str(r["Partnership"]).startswith(CH)]
    assert [(r["Partnership"], r["Overall score"]) for r in ch] == [(f"{CH} (Fall)", 3.0)]
    assert ch[0][f"Change since {ROUND}"] == pytest.approx(3.0 - overall(CH, ["Ana Rivera"]))
    # the rounds themselves are on the Trends sheet, in date order
    trends = openpyxl.load_workbook(out)["Trends"]
    found = [(r["Round"], r["Verdict"]) for r in table(trends, 4) if r["Indicator"] == "Overall"]
    assert found == [(ROUND, "First round"), ("Fall", "Too few comparable raters")]


def test_candidate_tables_alone(compiled: Compiled, tmp_path: Path) -> None:
    out = tmp_path / "c.xlsx"
    result = CliRunner().invoke(cli, ["compile", str(compiled.folder / TABLE_FILE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert "No rated assessments among the inputs." in [c.value for row in wb["Summary"].iter_rows() for c in row]
    assert ORGS[2] in [c.value for row in wb["Candidates"].iter_rows() for c in row]
    with zipfile.ZipFile(out) as z:
        assert not [n for n in z.namelist() if n.startswith("xl/charts/")]


def test_help_has_examples() -> None:
    result = CliRunner().invoke(cli, ["compile", "--help"])
    assert result.exit_code == 0
    assert "partnersheet compile returned/ -o comparison.xlsx" in result.output
    for option in ("--data", "--strict", "--force", "--quiet"):
        assert option in result.output


@pytest.mark.libreoffice
def test_comparison_opens_in_libreoffice(compiled: Compiled, tmp_path: Path, soffice: str) -> None:
    profile = tmp_path / "profile"
    soffice_convert(soffice, [compiled.output], "pdf", tmp_path, profile)
    pdf = tmp_path / "comparison.pdf"
    assert pdf.exists()
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", data)) >= 8
    # and back to xlsx: the numbers LibreOffice sees are the ones written
    every_sheet_as_csv = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    soffice_convert(soffice, [compiled.output], every_sheet_as_csv, tmp_path / "csv", profile)
    summary = tmp_path / "csv" / "comparison-Summary.csv"
    assert summary.exists(), list((tmp_path / "csv").glob("*"))
    text = summary.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    ch = next(r for r in rows if r and r[0] == CH)
    assert float(ch[1]) == pytest.approx(overall(CH), abs=0.005)


def test_library_compile_to_applies_the_rules_and_names_no_flag(compiled: Compiled, tmp_path: Path) -> None:
    """The rules of `compile` live in the library: the CLI only maps options and prints."""
    from contextlib import contextmanager

    from partnersheet import compile_to
    from partnersheet.compile import CompileResult
    from partnersheet.errors import NothingReadable, StrictRefusal, UsageError

    totals: list[int] = []
    ticks: list[int] = []

    @contextmanager
    def progress(total: int) -> Any:
        totals.append(total)
        yield ticks.append

    out, data = tmp_path / "c.xlsx", tmp_path / "d.json"
    result = compile_to([compiled.folder], out, data=data, progress=progress)
    assert isinstance(result, CompileResult) and result.written == [out, data]
    assert out.is_file() and data.is_file()
    n = len(list(compiled.folder.iterdir()))
    assert totals == [n] and sum(ticks) == n and len(result.inputs) == n
    assert result.comparison.compiled == 9

    refusals: list[tuple[type[Exception], Any]] = [
        (StrictRefusal, lambda: compile_to([compiled.folder], tmp_path / "s.xlsx", strict=True)),
        (NothingReadable, lambda: compile_to([compiled.folder / UNREADABLE_FILE], tmp_path / "n.xlsx")),
        (UsageError, lambda: compile_to([compiled.folder], tmp_path / "c.csv")),
        (UsageError, lambda: compile_to([compiled.folder], tmp_path / "x.xlsx", data=tmp_path / "d.txt")),
    ]
    for error, call in refusals:
        with pytest.raises(error) as info:
            call()
        assert "--" not in str(info.value), str(info.value)
    with pytest.raises(StrictRefusal) as strict:
        compile_to([compiled.folder], tmp_path / "s.xlsx", strict=True)
    assert (strict.value.bad, strict.value.total) == (2, n)
    with pytest.raises(NothingReadable) as nothing:
        compile_to([compiled.folder / UNREADABLE_FILE], tmp_path / "n.xlsx")
    assert [Path(u.file).name for u in nothing.value.unreadable] == [UNREADABLE_FILE]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.xlsx", "d.json"]  # refused calls wrote nothing


def test_compile_leaves_garbage_collection_as_it_found_it(
    compiled: Compiled, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compile pauses the cyclic collector (every answer read stays alive); it must not leave it off,
    neither after a compile that wrote nor after one that was refused, nor switch it on for a caller
    who had it off."""
    import gc

    from partnersheet.compile import run
    from partnersheet.errors import StrictRefusal

    seen: list[bool] = []
    real = run.compile_batch

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "compile_batch", spy)
    assert gc.isenabled()
    try:
        run.compile_to(compiled.folder, tmp_path / "a.xlsx")
        assert gc.isenabled() and seen == [False]
        with pytest.raises(StrictRefusal):
            run.compile_to(compiled.folder, tmp_path / "b.xlsx", strict=True)
        assert gc.isenabled()
        gc.disable()
        run.compile_to(compiled.folder, tmp_path / "c.xlsx")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_of_the_collector_end_with_the_last() -> None:
    """Two compiles at once (two threads of one program) share the process's collector: the first to
    finish must not switch it back on under the other."""
    import gc
    import threading

    from partnersheet.intake.pool import gc_paused

    assert gc.isenabled()
    first_in, first_out, second_done = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def second() -> None:
        with gc_paused():
            first_in.set()
            first_out.wait(5)
            seen.append(gc.isenabled())  # the first block has ended; this one still runs
        second_done.set()

    with gc_paused():
        thread = threading.Thread(target=second)
        thread.start()
        first_in.wait(5)
    first_out.set()
    second_done.wait(5)
    thread.join(5)
    assert seen == [False]
    assert gc.isenabled()
