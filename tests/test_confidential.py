"""Confidential ratings: one partner rater and four library raters, compiled both ways.

In confidential mode (the built-in template's default) no cell of the comparison, the board
summary or the tidy export may hold the partner rater's name, their file's name, their workbook
id, a note they wrote beside anything that points at them, or a partner-side score or gap, while
the overall score still counts all five raters. Every cell of every sheet and every row of the
export is searched, not only the expected places. Expected figures are computed here from the
typed codes with the scale written out, never by the code under test.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import fill, run_cli

from partnersheet.compile.confidential import Scrubber, withheld_sides
from partnersheet.compile.core import TIDY_KEYS, compile_paths
from partnersheet.compile.pseudonyms import Pseudonyms
from partnersheet.spec import SpecError, load_template, parse_template
from partnersheet.spec.terms import terms
from partnersheet.workbook.generate import Personalisation, generate_bytes

SCORES = {"4": 4.0, "3": 3.0, "2": 2.0, "1": 1.0}
LABELS = {"4": "Highly effective", "3": "Effective", "2": "Somewhat effective", "1": "Ineffective"}
INDICATORS = (("mission", 2), ("goals", 3), ("leadership", 3), ("agendas", 3), ("action_plans", 2), ("progress", 2))
PARTNERSHIP, ROUND = "County Health Department", "Spring 2026"
PARTNER = "Zora Whitlock"
LIBRARY = ("Ana Rivera", "Ben Okafor", "Cy Park", "Di Lopez")
# rater -> one code per criterion (15), in rubric order. Partner codes average to fractions no
# partnership-wide figure takes (checked below), so finding one in a cell means a leak.
CODES = {
    PARTNER: "21" + "211" + "121" + "112" + "21" + "12",
    "Ana Rivera": "44" + "434" + "443" + "344" + "43" + "44",
    "Ben Okafor": "34" + "343" + "334" + "433" + "34" + "33",
    "Cy Park": "43" + "444" + "343" + "434" + "44" + "43",
    "Di Lopez": "32" + "334" + "433" + "343" + "32" + "24",
}
PARTNER_NOTES = {
    "goals__evidence": "Our volunteers were never invited to plan the clinics.",
    "overall_comments": "Signed, Zora Whitlock, outreach lead",
}
LIBRARY_NOTE = ("mission__evidence", "Shared mission statement adopted in March.")


def file_name(rater: str) -> str:
    return f"effectiveness-{PARTNERSHIP.replace(' ', '-')}-{rater.replace(' ', '-')}-{ROUND.replace(' ', '-')}.xlsx"


def criteria() -> list[str]:
    t = load_template("effectiveness")
    section = next(s for _, s in t.sections() if s.layout == "rubric")
    return [f.id for g in section.groups for f in g.fields if f.type == "rating"]


def make_returns(folder: Path) -> dict[str, str]:
    """Write the five returned workbooks (answers pre-filled as typed); return rater -> workbook id."""
    eff = load_template("effectiveness")
    ids = criteria()
    made = {}
    for rater, codes in CODES.items():
        side = "Partner" if rater == PARTNER else "Library"
        answers: dict[str, Any] = {f: LABELS[c] for f, c in zip(ids, codes, strict=True)}
        answers["rater_organization"] = PARTNERSHIP if side == "Partner" else "Riverside Public Library"
        answers["assessment_date"] = date(2026, 3, 15)
        answers.update(PARTNER_NOTES if rater == PARTNER else dict([LIBRARY_NOTE]))
        who = Personalisation(partner=PARTNERSHIP, rater=rater, side=side, round=ROUND)
        workbook_id = f"wb-{rater.split()[0].lower()}-0001"
        (folder / file_name(rater)).write_bytes(generate_bytes(eff, who, workbook_id=workbook_id, answers=answers))
        made[rater] = workbook_id
    return made


def mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)


def per_indicator(raters: list[str]) -> list[float]:
    out, pos = [], 0
    for _, n in INDICATORS:
        out.append(mean([SCORES[CODES[r][pos + k]] for r in raters for k in range(n)]))
        pos += n
    return out


EVERYONE = list(CODES)
PARTNER_SCORES = per_indicator([PARTNER])
LIBRARY_SCORES = per_indicator(list(LIBRARY))
ALL_SCORES = per_indicator(EVERYONE)
OVERALL = mean(ALL_SCORES)
# What must never be shown: the partner side's scores and overall, and every library-partner gap.
SECRET = [*PARTNER_SCORES, mean(PARTNER_SCORES)]
SECRET += [a - b for a, b in zip(LIBRARY_SCORES, PARTNER_SCORES, strict=True)]
SECRET += [mean(LIBRARY_SCORES) - mean(PARTNER_SCORES)]


@dataclass
class Run:
    folder: Path
    out: Path
    workbook_ids: dict[str, str]
    output: str

    def comparison(self) -> Path:
        return self.out / "comparison.xlsx"


def compile_run(folder: Path, out: Path, workbook_ids: dict[str, str], *flags: str) -> Run:
    out.mkdir()
    result = run_cli(
        "compile",
        str(folder),
        "-o",
        str(out / "comparison.xlsx"),
        "--data",
        str(out / "tidy.csv"),
        "--board",
        str(out / "board.xlsx"),
        "--identities",
        str(out / "identities.csv"),
        *flags,
    )
    assert result.exit_code == 0, result.output
    (out / "tidy.json").write_bytes(b"")  # the JSON export, from a second run of the library
    from partnersheet.compile.run import compile_to

    mode = "attributed" if "--attributed" in flags else None
    compile_to(folder, out / "again.xlsx", data=out / "tidy.json", confidentiality=mode, force=True)
    return Run(folder, out, workbook_ids, result.output)


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("returned")
    return folder, make_returns(folder)


@pytest.fixture(scope="module")
def confidential(returns: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Run:
    return compile_run(*returns[:1], tmp_path_factory.mktemp("c") / "out", returns[1])


@pytest.fixture(scope="module")
def attributed(returns: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Run:
    return compile_run(returns[0], tmp_path_factory.mktemp("a") / "out", returns[1], "--attributed")


def cells(path: Path) -> list[tuple[str, int, list[Any]]]:
    """Every row of every sheet (hidden ones too): (sheet, row number, values)."""
    wb = openpyxl.load_workbook(path)
    return [(ws.title, r, [c.value for c in row]) for ws in wb.worksheets for r, row in enumerate(ws.iter_rows(), 1)]


def export_rows(run: Run) -> list[list[Any]]:
    text = (run.out / "tidy.csv").read_bytes().decode("utf-8-sig")
    rows: list[list[Any]] = list(csv.reader(io.StringIO(text)))
    rows += [list(row.values()) for row in json.loads((run.out / "tidy.json").read_text(encoding="utf-8"))]
    return rows


def every_row(run: Run) -> list[tuple[str, list[Any]]]:
    """Each row of the comparison, the board and both exports, labelled with where it is."""
    found = [(f"comparison {s}!{r}", v) for s, r, v in cells(run.comparison())]
    found += [(f"board {s}!{r}", v) for s, r, v in cells(run.out / "board.xlsx")]
    found += [("tidy export", v) for v in export_rows(run)]
    return found


def identifying(run: Run) -> list[str]:
    """What would point at the partner rater: their name, their file's name, their workbook id."""
    return [PARTNER, PARTNER.replace(" ", "-"), file_name(PARTNER), run.workbook_ids[PARTNER]]


def near(value: Any, targets: list[float]) -> bool:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return False
    return isinstance(value, int | float) and any(math.isclose(value, t, abs_tol=1e-9) for t in targets)


def test_the_secret_figures_are_not_figures_the_comparison_may_show() -> None:
    """The test's own premise: no partnership-wide figure equals a partner-side one."""
    shown = [*ALL_SCORES, OVERALL, *SCORES.values(), 0.0, 5.0]
    assert not [s for s in SECRET if near(s, shown)]
    assert not [s for s in SECRET if near(s, list(range(0, 100)))]


def test_confidential_no_cell_holds_the_partner_or_a_partner_figure(confidential: Run) -> None:
    names = [n.casefold() for n in identifying(confidential)]
    leaks = [
        (where, v)
        for where, row in every_row(confidential)
        for v in row
        if v is not None and (any(n in str(v).casefold() for n in names) or near(v, SECRET))
    ]
    assert not leaks


def test_confidential_notes_stand_apart_from_whoever_wrote_them(confidential: Run) -> None:
    note = PARTNER_NOTES["goals__evidence"]
    rows = [(where, row) for where, row in every_row(confidential) if any(v == note for v in row)]
    assert {where.split("!")[0] for where, _ in rows} == {"comparison Evidence", "comparison Data", "tidy export"}
    for where, row in rows:
        others = [str(v) for v in row if v not in (None, "", note)]
        assert "Partner" not in others, (where, row)  # the side of a one-rater side is not named
        assert not [v for v in others if re.fullmatch(r"[RFW]-[0-9a-f]{8,}", v)], (where, row)
    # A rater's name typed in a note is taken out of it too.
    signed = [v for _, row in every_row(confidential) for v in row if isinstance(v, str) and "outreach lead" in v]
    assert signed and all(v == "Signed, [name], outreach lead" for v in signed)


def test_confidential_overall_counts_all_five_raters(confidential: Run) -> None:
    ws = openpyxl.load_workbook(confidential.comparison())["Summary"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "Partnership")
    found = dict(zip(rows[header], rows[header + 1], strict=False))
    assert found["Overall score"] == pytest.approx(OVERALL)
    assert (found["Library raters"], found["Partner raters"]) == (4, 1)
    assert not math.isclose(OVERALL, mean(LIBRARY_SCORES))  # the partner's ratings moved it


def test_confidential_perspectives_say_why_a_figure_is_missing(confidential: Run) -> None:
    ws = openpyxl.load_workbook(confidential.comparison())["Perspectives"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=4 + len(INDICATORS) + 1)]
    head, body = rows[0], rows[1:]
    assert head == ["Partnership", "Indicator", "Library score", "Library ratings", "Partner score",
                    "Partner ratings", "Gap (Library − Partner)"]  # fmt: skip
    for row in body:
        assert row[4] == "fewer than 3 partner raters"
        assert row[2] == "not shown: would reveal the partner side"  # overall minus library = partner
        assert row[6] == "fewer than 3 partner raters"
    # Counts may be shown: each side's number of ratings per indicator.
    assert [row[5] for row in body[:-1]] == [n for _, n in INDICATORS]
    assert [row[3] for row in body[:-1]] == [4 * n for _, n in INDICATORS]


def test_filtering_the_data_sheet_cannot_single_out_the_partner(confidential: Run) -> None:
    ws = openpyxl.load_workbook(confidential.comparison())["Data"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    head = rows[0]
    col = {h: i for i, h in enumerate(head)}
    group = [r for r in rows[1:] if r[col["Partner"]] == PARTNERSHIP and r[col["Round"]] == ROUND]
    assert len(group) == 5 * len(load_template("effectiveness").fields)  # nothing dropped
    assert not [r for r in group if r[col["Side"]]]  # filtering by side finds nobody
    who = {tuple(r[col[h]] for h in ("File", "Workbook id", "Rater", "Side", "Cell", "Status")) for r in group}
    assert who == {(None, None, "fewer than 3 partner raters", None, None, "ok")}
    # Rows are by field and value, so one person's rows are not next to each other.
    ratings = [r for r in group if r[col["Score"]] is not None]
    first = criteria()[0]
    typed = sorted(LABELS[CODES[r][0]] for r in EVERYONE)
    assert [r[col["Value as typed"]] for r in ratings if r[col["Field id"]] == first] == typed


def test_keys_are_stable_for_the_same_inputs(confidential: Run, returns: tuple[Path, dict[str, str]],
                                             tmp_path: Path) -> None:  # fmt: skip
    again = compile_run(returns[0], tmp_path / "again", returns[1])
    assert (again.out / "tidy.csv").read_bytes() == (confidential.out / "tidy.csv").read_bytes()
    assert (again.out / "identities.csv").read_bytes() == (confidential.out / "identities.csv").read_bytes()


def test_keys_cannot_be_recomputed_from_a_guessed_name() -> None:
    one, other = Pseudonyms(["a" * 64]), Pseudonyms(["b" * 64])
    assert one.key("rater", PARTNER) == one.key("rater", f"  {PARTNER.upper()} ")  # same person, same key
    assert one.key("rater", PARTNER) != other.key("rater", PARTNER)  # the secret is the inputs' contents


def test_identities_map_every_key_to_its_name_for_the_coordinator(confidential: Run) -> None:
    text = (confidential.out / "identities.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    by_name = {r["name"]: r["key"] for r in rows}
    assert {PARTNER, *LIBRARY} <= set(by_name)
    assert any(r["kind"] == "workbook" and r["name"] == confidential.workbook_ids[PARTNER] for r in rows)
    data = openpyxl.load_workbook(confidential.comparison())["Data"]
    raters = {c.value for c in data["F"][1:]}
    assert by_name[LIBRARY[0]] not in raters  # this partnership's rows carry no key at all


def test_attributed_mode_shows_everything(attributed: Run) -> None:
    values = [v for _, row in every_row(attributed) for v in row if v is not None]
    texts = " ".join(map(str, values))
    assert PARTNER in texts and PARTNER_NOTES["goals__evidence"] in texts
    numbers = [v for v in values if isinstance(v, int | float)]
    for secret in SECRET:
        assert any(math.isclose(secret, v, abs_tol=1e-9) for v in numbers), secret
    evidence = openpyxl.load_workbook(attributed.comparison())["Evidence"]
    rows = [[c.value for c in row] for row in evidence.iter_rows()]
    assert [PARTNERSHIP, "Shared goals for partnership", PARTNER, "Partner",
            PARTNER_NOTES["goals__evidence"]] in [r[:5] for r in rows]  # fmt: skip
    about = " ".join(str(v) for _, _, row in cells(attributed.comparison()) if row for v in row if v)
    assert "Attributed (--attributed for this run)" in about


def test_about_says_which_confidentiality_applied(confidential: Run) -> None:
    about = " ".join(str(v) for s, _, row in cells(confidential.comparison()) if s == "About" for v in row if v)
    assert "Confidential (as its template spec says)" in about
    assert "at least 3 of its raters" in about


def test_the_board_holds_no_name_and_no_note_whatever_the_mode(attributed: Run) -> None:
    """The board from an attributed run is still confidential."""
    names = [*CODES, *(file_name(r) for r in CODES), *attributed.workbook_ids.values()]
    notes = [*PARTNER_NOTES.values(), LIBRARY_NOTE[1], "outreach lead"]
    rows = cells(attributed.out / "board.xlsx")
    found = [v for _, _, row in rows for v in row if v is not None]
    assert not [v for v in found for s in names + notes if s.casefold() in str(v).casefold()]
    assert not [v for v in found if near(v, SECRET)]
    text = " ".join(map(str, found))
    assert f"{OVERALL:.2f}" in text and "Effective" in text  # the finding, in words
    assert "First round rated." in text
    assert [4, 1] in [row[-2:] for _, _, row in rows]  # raters per side, as counts


def test_the_board_prints_on_one_page_for_eight_partnerships(tmp_path: Path) -> None:
    eff = load_template("effectiveness")
    ids = criteria()
    for n in range(8):
        for rater, side in (("Lib Rater", "Library"), ("Par Rater", "Partner")):
            who = Personalisation(partner=f"Partner {n}", rater=f"{rater} {n}", side=side, round=ROUND)
            answers: dict[str, Any] = {f: LABELS[str(1 + (k + n) % 4)] for k, f in enumerate(ids)}
            answers.update(rater_organization="Org", assessment_date=date(2026, 3, 15))
            (tmp_path / f"{n}-{side}.xlsx").write_bytes(generate_bytes(eff, who, answers=answers))
    result = run_cli("compile", str(tmp_path), "-o", str(tmp_path / "c.xlsx"), "--board", str(tmp_path / "b.xlsx"))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "b.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        workbook = z.read("xl/workbook.xml").decode()
    # Fit to one page: both fitTo counts at their default of 1 (a count of 0 means "as many as needed").
    assert '<pageSetUpPr fitToPage="1"/>' in sheet and "fitToHeight" not in sheet and "fitToWidth" not in sheet
    assert "_xlnm.Print_Area" in workbook
    ws = openpyxl.load_workbook(tmp_path / "b.xlsx")["Board summary"]
    partners = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert [f"Partner {n}" for n in range(8)] == [p for p in partners if str(p).startswith("Partner ")]


def test_withheld_sides_fold_small_sides_into_the_whole() -> None:
    assert withheld_sides({"Library": 4, "Partner": 3}, 3) == {}
    assert withheld_sides({"Library": 4, "Partner": 0}, 3) == {}  # no partner rated: no data, nothing hidden
    assert set(withheld_sides({"Library": 4, "Partner": 1}, 3)) == {"Library", "Partner"}
    assert set(withheld_sides({"A": 6, "B": 5, "C": 1}, 3)) == {"B", "C"}  # A and the overall give B + C only
    assert withheld_sides({"Library": 4, "Partner": 1}, 1) == {}


def test_raters_are_told_the_terms(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    path.write_bytes(generate_bytes(load_template("effectiveness")))
    ws = openpyxl.load_workbook(path)["Instructions"]
    lines = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    at = lines.index("How your answers are used")
    assert lines[at + 1] == (
        "•  Your ratings are shown only together with at least two others from your side, "
        "and your name is never shown with your notes."
    )
    raw = {"confidentiality": {"attributed": True}}
    attributed = parse_template({**spec_raw(), **raw}, "attributed.toml")
    assert terms(attributed)[0].startswith("This assessment is attributed, not anonymous")
    five = parse_template({**spec_raw(), "confidentiality": {"min_raters": 5}}, "five.toml")
    assert "at least four others" in terms(five)[0]


def spec_raw() -> dict[str, Any]:
    import tomllib

    from partnersheet.spec import TEMPLATES_DIR

    return tomllib.loads((TEMPLATES_DIR / "effectiveness.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"min_raters": 0}, "confidentiality.min_raters: must be 1 or more"),
        ({"min_raters": "3"}, "confidentiality.min_raters: expected int"),
        ({"attributed": "yes"}, "confidentiality.attributed: expected bool"),
        ({"anonymous": True}, "confidentiality.anonymous: not a key of confidentiality"),
    ],
)
def test_spec_mistakes_in_confidentiality_are_named(table: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        parse_template({**spec_raw(), "confidentiality": table}, "x.toml")


def test_status_keeps_names_and_shows_no_rating(returns: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    lines = ["partner,rater,side,round"] + [
        f"{PARTNERSHIP},{r},{'partner' if r == PARTNER else 'library'},{ROUND}" for r in CODES
    ]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "status.xlsx"
    result = run_cli("status", str(roster), str(returns[0]), "--report", str(report))
    assert result.exit_code == 0, result.output
    values = [str(v) for _, _, row in cells(report) for v in row if v is not None]
    assert any(PARTNER in v for v in values)  # reminders need names
    secret = [*LABELS.values(), *PARTNER_NOTES.values()]
    assert not [v for v in values for s in secret if s in v]


def test_identities_may_not_replace_an_input(returns: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in returns[0].iterdir():
        (inbox / path.name).write_bytes(path.read_bytes())
    kept = inbox / "keys.csv"  # a file among the inputs: never an output, even with --force
    kept.write_text("key,kind,name\n", encoding="utf-8")
    result = run_cli("compile", str(inbox), "-o", str(tmp_path / "c.xlsx"), "--identities", str(kept), "--force")
    assert result.exit_code == 2 and kept.read_text(encoding="utf-8") == "key,kind,name\n"
    assert not (tmp_path / "c.xlsx").exists()
    exists = tmp_path / "keys.csv"
    exists.write_text("mine", encoding="utf-8")
    result = run_cli("compile", str(returns[0]), "-o", str(tmp_path / "d.xlsx"), "--identities", str(exists))
    assert result.exit_code == 1 and "already exists" in result.output and exists.read_text() == "mine"


def test_the_board_tells_the_change_since_the_round_before(
    returns: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in returns[0].iterdir():
        (inbox / path.name).write_bytes(path.read_bytes())
    eff = load_template("effectiveness")
    fall = {rater: codes.replace("1", "2") for rater, codes in CODES.items()}  # every Ineffective now Somewhat
    for rater, codes in fall.items():
        side = "Partner" if rater == PARTNER else "Library"
        answers: dict[str, Any] = {f: LABELS[c] for f, c in zip(criteria(), codes, strict=True)}
        answers.update(rater_organization="Org", assessment_date=date(2026, 10, 1))
        who = Personalisation(partner=PARTNERSHIP, rater=rater, side=side, round="Fall 2026")
        (inbox / f"fall-{rater}.xlsx").write_bytes(generate_bytes(eff, who, answers=answers))
    result = run_cli("compile", str(inbox), "-o", str(tmp_path / "c.xlsx"), "--board", str(tmp_path / "b.xlsx"))
    assert result.exit_code == 0, result.output
    before = OVERALL
    pos, scores = 0, []
    for _, n in INDICATORS:
        scores.append(mean([SCORES[fall[r][pos + k]] for r in EVERYONE for k in range(n)]))
        pos += n
    after = mean(scores)
    assert after > before
    rows = [row for _, _, row in cells(tmp_path / "b.xlsx") if row and row[0] == PARTNERSHIP]
    assert len(rows) == 1 and rows[0][1] == "Fall 2026" and rows[0][2] == pytest.approx(after)
    assert f"Overall score up {after - before:.2f} since {ROUND}" in rows[0][4]


def test_a_part_of_a_raters_name_on_its_own_is_taken_out_of_texts() -> None:
    """A first or last name alone names someone as surely as the whole name does."""
    scrub = Scrubber(["Maya Okafor", "Dr. Lena Ortiz", "May Chen", "Ana de la Cruz"], {})
    assert scrub("Maya set the agenda; Okafor took notes") == "[name] set the agenda; [name] took notes"
    assert scrub("Thanks to Lena and Dr. Ortiz") == "Thanks to [name] and Dr. [name]"
    assert scrub("Ana de la Cruz and Cruz's team") == "[name] and [name]'s team"
    # Not taken: a word that is a name part only by its letters, a title, the particles of a name.
    assert scrub("we may meet in May; the maya calendar") == "we may meet in [name]; the maya calendar"
    assert scrub("Dr. Who and de la Rosa") == "Dr. Who and de la Rosa"


def test_words_of_the_forms_partners_and_sides_stay_when_a_rater_typed_a_role(tmp_path: Path) -> None:
    """A rater who typed "Library Staff" as her name: "Staff" on its own is taken out of texts, but
    "Library" is a word the comparison itself uses (a side, form labels), so it stays everywhere."""
    scrub = Scrubber(["Library Staff", "Maya Okafor"], {}, keep=["Library", "Partner"])
    assert scrub("Library Staff said the Library and Staff agree") == "[name] said the Library and [name] agree"
    samples = Path(__file__).resolve().parents[1] / "samples" / "returns"
    inbox = tmp_path / "inbox"
    shutil.copytree(samples, inbox)
    first = sorted(inbox.glob("effectiveness-Tri-County-Food-Bank-*-Spring-2027.xlsx"))[0]
    fill(first, {"rater": "Library Staff"})
    comparison = compile_paths([inbox], confidentiality="confidential")
    cols = {key: i for i, key in enumerate(TIDY_KEYS)}
    rows = list(comparison.tidy_rows())
    assert {r[cols["side"]] for r in rows} <= {"Library", "Partner", ""}
    for key in ("partner", "field_label", "round", "template_id"):
        assert not [r for r in rows if "[name]" in str(r[cols[key]])], key
