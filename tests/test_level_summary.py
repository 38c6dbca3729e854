"""The level of partnership each side sees: a choice counted by side (``summary = "by_side"``).

Returns of the built-in sustainability check are filled as a person would (openpyxl typing into the
answer cells, some in Spanish), compiled, and the comparison opened: the Summary, Perspectives,
About and board cells are checked against counts made here from the levels typed, never from the
code under test. Confidential runs withhold a small side's counts with the same words as its scores.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import fill, run_cli, set_saved, valid_effectiveness_values

from partnersheet.cli import cli
from partnersheet.compile.board import write_board
from partnersheet.compile.confidential import CONFIDENTIAL, fewer_than, shown, would_reveal
from partnersheet.compile.core import compile_batch, compile_paths
from partnersheet.compile.sheets import write_comparison
from partnersheet.intake.validate import validate_paths
from partnersheet.samples import SAMPLE_DATA
from partnersheet.spec import TEMPLATES_DIR, Template, TemplateRegistry, load_template
from partnersheet.workbook.generate import generate, personalise

PARTNER = "Centro Latino"
ROUND = "Spring 2027"
SPEC = TEMPLATES_DIR / "sustainability.toml"


@pytest.fixture(scope="module")
def sus() -> Template:
    return load_template("sustainability")


def counted(template: Template) -> Any:
    """The field the spec counts by side (found by its key, never by its id)."""
    (f,) = [f for f in template.fields if f.summary == "by_side"]
    return f


def returned(
    folder: Path, template: Template, rater: str, side: str, level: int, *, lang: str = "en", **typed: Any
) -> Path:
    """One return of ``rater``, the level typed as the option at place ``level`` of the rater's language."""
    view = template.in_language(lang)
    who = personalise(view, {"partner": PARTNER, "rater": rater, "side": side, "round": ROUND})
    f = counted(template)
    values = valid_effectiveness_values(view, **who.as_dict()) | {f.id: view.options(view.field(f.id))[level]}
    name = f"{rater.replace(' ', '-')}-{lang}.xlsx"
    blank = generate(view, folder.parent / f"blank-{folder.name}-{name}", who)
    return fill(blank, values | typed, folder / name)


def most_words(levels: list[str], options: tuple[str, ...]) -> str:
    """What a cell should say for the levels chosen: the option(s) chosen most and by how many."""
    if not levels:
        return "no answers"
    counts = Counter(levels)
    top = max(counts.values())
    most = [o for o in options if counts[o] == top]
    if len(most) == 1:
        return f"{most[0]} ({top} of {len(levels)})"
    return f"Tie: {'; '.join(most)} ({top} each of {len(levels)})"


def sheet_rows(path: Path, sheet: str) -> list[list[Any]]:
    wb = openpyxl.load_workbook(path)
    return [[c.value for c in row] for row in wb[sheet].iter_rows()]


def table_under(rows: list[list[Any]], header: list[str]) -> dict[str, list[Any]]:
    """The rows of the first table whose header row starts with ``header``, by their first cell."""
    start = next(i for i, row in enumerate(rows) if row[: len(header)] == header)
    found = {}
    for row in rows[start + 1 :]:
        if not row[0]:
            break
        found[row[0]] = row[1 : len(header)]
    return found


# --- attributed: every count shown, Spanish and English together, left-out returns not counted ------


@pytest.fixture(scope="module")
def attributed(sus: Template, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("inbox")
    f = counted(sus)
    options = sus.options(f)
    chosen = {  # rater: (side, place of the level in the list, language)
        "Ana Ruiz": ("Library", 1, "en"),
        "Ben Ode": ("Library", 1, "es"),
        "Cy Park": ("Library", 2, "en"),
        "Di Lopez": ("Partner", 2, "es"),
        "Ed Moss": ("Partner", 3, "en"),
    }
    for rater, (side, level, lang) in chosen.items():
        returned(folder, sus, rater, side, level, lang=lang)
    # Left out like for scores: a return with an error, and an older copy replaced by a newer one.
    returned(folder, sus, "Flo Gray", "Library", 4, assessment_date="next Tuesday")
    older = returned(folder, sus, "Ed Moss", "Partner", 0, lang="es")
    set_saved(older, "2027-04-01T09:00:00Z")
    set_saved(folder / "Ed-Moss-en.xlsx", "2027-04-03T09:00:00Z")
    comparison = compile_paths([folder], confidentiality="attributed")
    out = write_comparison(comparison, folder.parent / "comparison.xlsx")
    levels = {side: [options[level] for s, level, _ in chosen.values() if s == side] for side in ("Library", "Partner")}
    return {"comparison": comparison, "out": out, "levels": levels, "options": options, "field": f}


def test_the_summary_shows_the_level_each_side_sees(attributed: dict[str, Any]) -> None:
    levels, options = attributed["levels"], attributed["options"]
    rows = sheet_rows(attributed["out"], "Summary")
    assert any(isinstance(r[0], str) and r[0].startswith(attributed["field"].label) for r in rows)
    table = table_under(rows, ["Partnership", "Library side", "Partner side", "All raters"])
    everyone = levels["Library"] + levels["Partner"]
    assert table == {
        PARTNER: [
            most_words(levels["Library"], options),
            most_words(levels["Partner"], options),
            most_words(everyone, options),
        ]
    }
    # Written out, for a person: two of the three library raters chose the second level (one in Spanish).
    assert table[PARTNER][0] == f"{options[1]} (2 of 3)"
    assert table[PARTNER][1].startswith("Tie: ")  # one partner rater each on two levels


def test_perspectives_lists_every_answer_by_side(attributed: dict[str, Any]) -> None:
    levels, options, f = attributed["levels"], attributed["options"], attributed["field"]
    rows = sheet_rows(attributed["out"], "Perspectives")
    header = next(r for r in rows if r[0] == "Partnership")
    (row,) = [r for r in rows if r[0] == PARTNER and r[1] == f.label]
    for side in ("Library", "Partner"):
        counts = Counter(levels[side])
        n = len(levels[side])
        answers = row[header.index(f"{side} score")].splitlines()
        assert sorted(answers) == sorted(f"{option} ({k} of {n})" for option, k in counts.items())
        assert answers[0].endswith(f"({max(counts.values())} of {n})"), "most chosen first"
        assert all(a.split(" (")[0] in options for a in answers), "in English, whatever the language typed"
        assert row[header.index(f"{side} ratings")] == n


def test_the_level_is_no_longer_listed_as_not_summarised(attributed: dict[str, Any]) -> None:
    f = attributed["field"]
    assert not any(f.label in line for line in attributed["comparison"].unsummarised)
    about = [c for row in sheet_rows(attributed["out"], "About") for c in row if isinstance(c, str)]
    assert not any(f.label in text for text in about)
    # the other choices still say they are on the Data sheet only
    assert any("Capacity building" in text for text in about)


# --- confidential: a small side withheld with the same words as its scores ---------------------------


def test_a_small_side_is_withheld_in_confidential_mode_and_shown_when_attributed(sus: Template, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    options = sus.options(counted(sus))
    library = {"Ana Ruiz": 0, "Ben Ode": 1, "Cy Park": 1}
    partner = {"Di Lopez": 3, "Ed Moss": 3}  # two partner raters: fewer than the template's three
    for rater, level in library.items():
        returned(inbox, sus, rater, "Library", level)
    for rater, level in partner.items():
        returned(inbox, sus, rater, "Partner", level, lang="es")
    assert sus.confidentiality.min_raters == 3 and not sus.confidentiality.attributed
    batch = validate_paths([inbox])
    raw = compile_batch(batch)
    header = ["Partnership", "Library side", "Partner side", "All raters"]
    everyone = [options[i] for i in [*library.values(), *partner.values()]]

    secret = write_comparison(shown(raw, CONFIDENTIAL), tmp_path / "confidential.xlsx")
    table = table_under(sheet_rows(secret, "Summary"), header)
    key = next(iter(table))  # the partnership is named; only people become keys
    assert key == PARTNER
    assert table[key] == [would_reveal("Partner"), fewer_than(3, "Partner"), most_words(everyone, options)]
    # The same marks as the scores of that side on Perspectives, and no count of answers of a side.
    rows = sheet_rows(secret, "Perspectives")
    head = next(r for r in rows if r[0] == "Partnership")
    (level_row,) = [r for r in rows if r[1] == counted(sus).label]
    overall_row = next(r for r in rows if r[1] == "All indicators")  # the first instrument's, like the level
    for side in ("Library", "Partner"):
        assert level_row[head.index(f"{side} score")] == overall_row[head.index(f"{side} score")]
        assert not any(option in str(level_row[head.index(f"{side} score")]) for option in options)
    # The board (always confidential) says the same in words.
    board = write_board(shown(raw, CONFIDENTIAL), tmp_path / "board.xlsx")
    words = " ".join(str(c) for row in sheet_rows(board, "Board summary") for c in row if isinstance(c, str))
    assert f"Partner: {fewer_than(3, 'Partner')}" in words and f"Library: {would_reveal('Partner')}" in words

    open_ = write_comparison(shown(raw, "attributed"), tmp_path / "attributed.xlsx")
    table = table_under(sheet_rows(open_, "Summary"), header)
    library_levels = [options[i] for i in library.values()]
    partner_levels = [options[i] for i in partner.values()]
    assert table[PARTNER] == [
        most_words(library_levels, options),
        most_words(partner_levels, options),
        most_words(everyone, options),
    ]
    assert table[PARTNER][1] == f"{options[3]} (2 of 2)"


def test_a_side_with_too_few_answers_to_the_question_alone_is_withheld_and_unlinked(tmp_path: Path) -> None:
    """Three raters a side, so the scores are shown; but one library rater left the (optional) level
    blank: the library's two answers are withheld, the partner's too (everyone's minus the partner's
    would give them), and the Data sheet no longer ties that partnership's rows to a side."""
    folder = tmp_path / "templates"
    folder.mkdir()
    text = SPEC.read_text(encoding="utf-8")
    assert text.count('required = true, summary = "by_side"') == 1
    text = text.replace('required = true, summary = "by_side"', 'summary = "by_side"')
    text = text.replace('version = "1.0.0"', 'version = "1.1.0"', 1)
    (folder / "sustainability.toml").write_text(text, encoding="utf-8")
    registry = TemplateRegistry([folder])
    template = registry.latest("sustainability")
    assert template.version == "1.1.0" and not counted(template).required
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for rater in ("Ana Ruiz", "Ben Ode", "Cy Park"):
        returned(inbox, template, rater, "Library", 2)
    fill(inbox / "Cy-Park-en.xlsx", {counted(template).id: None})
    for rater in ("Di Lopez", "Ed Moss", "Fay Wu"):
        returned(inbox, template, rater, "Partner", 1)
    comparison = compile_paths([inbox], templates=registry, confidentiality=CONFIDENTIAL)
    (p,) = comparison.instruments[0].partnerships
    assert p.raters_by_side == {"Library": 3, "Partner": 3}
    out = write_comparison(comparison, tmp_path / "c.xlsx")
    table = table_under(sheet_rows(out, "Summary"), ["Partnership", "Library side", "Partner side", "All raters"])
    options = template.options(counted(template))
    assert table[PARTNER] == [
        fewer_than(3, "Library"),
        would_reveal("Library"),
        most_words([options[2]] * 2 + [options[1]] * 3, options),
    ]
    head, *data = sheet_rows(out, "Data")
    sides = {r[head.index("Side")] for r in data if r[head.index("Partner")] == PARTNER}
    assert sides == {None}, "rows of a withheld partnership carry no side"


# --- the spec: templates check says what is wrong -----------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key", "says"),
    [
        (  # on a text field
            'type = "short_text", required = true, max_length = 120, help = "The library or',
            'type = "short_text", required = true, max_length = 120, summary = "by_side", help = "The library or',
            "fields[2].summary",
            "summary is a key of choice fields",
        ),
        (  # an unknown way of summarising
            'summary = "by_side"',
            'summary = "by_row"',
            "fields[0].summary",
            "unknown summary 'by_row'; use 'by_side'",
        ),
        (  # the side itself
            'choices = "side", required = true, identity = "side"',
            'choices = "side", required = true, identity = "side", summary = "by_side"',
            "fields[3].summary",
            "an identity field is not summarised",
        ),
    ],
)
def test_templates_check_reports_a_misused_summary(tmp_path: Path, old: str, new: str, key: str, says: str) -> None:
    text = SPEC.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    spec = tmp_path / "mine.toml"
    spec.write_text(text.replace(old, new).replace('id = "sustainability"', 'id = "mine"', 1), encoding="utf-8")
    result = run_cli("templates", "check", str(spec))
    assert result.exit_code == 1, result.output
    line = next(i + 1 for i, row in enumerate(spec.read_text(encoding="utf-8").splitlines()) if new in row)
    assert re.search(
        rf"mine\.toml:{line}: sheets\[0\]\.sections\[\d\]\.{re.escape(key)}: .*{re.escape(says)}", result.output
    ), result.output


def test_templates_check_wants_sides_and_a_rubric(tmp_path: Path) -> None:
    text = SPEC.read_text(encoding="utf-8").replace('id = "sustainability"', 'id = "mine"', 1)
    no_side = tmp_path / "no-side.toml"
    no_side.write_text(text.replace(', identity = "side"', ""), encoding="utf-8")
    result = run_cli("templates", "check", str(no_side))
    assert result.exit_code == 1 and 'identity = "side"' in result.output, result.output
    # The summarised field in a template without a rubric: the agreement (no rubric) given a summary.
    agreement = (TEMPLATES_DIR / "agreement.toml").read_text(encoding="utf-8")
    match = re.search(r'type = "choice", choices = "(\w+)"', agreement)
    assert match, "the agreement has a choice field"
    spec = tmp_path / "no-rubric.toml"
    spec.write_text(agreement.replace(match[0], f'{match[0]}, summary = "by_side"', 1), encoding="utf-8")
    result = run_cli("templates", "check", str(spec))
    assert result.exit_code == 1 and "no rubric section" in result.output, result.output


def test_summary_changes_the_comparison_not_the_workbook(sus: Template, tmp_path: Path) -> None:
    """A return made before the key was added still reads: the spec's fingerprint leaves it out."""
    folder = tmp_path / "templates"
    folder.mkdir()
    text = SPEC.read_text(encoding="utf-8").replace(', summary = "by_side"', "")
    (folder / "sustainability.toml").write_text(text, encoding="utf-8")
    without = TemplateRegistry([folder]).latest("sustainability")
    assert not any(f.summary for f in without.fields)
    assert without.spec_hash == sus.spec_hash


# --- the demo ---------------------------------------------------------------------------------------


def test_the_demo_shows_the_level_each_side_sees(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(target), "--quiet"])
    assert result.exit_code == 0, result.output
    sus = load_template("sustainability")
    f = counted(sus)
    options = sus.options(f)
    checks = tomllib.loads(SAMPLE_DATA.read_text(encoding="utf-8"))["sustainability"]
    rows = sheet_rows(target / "comparison.xlsx", "Summary")
    table = table_under(rows, ["Partnership", "Library side", "Partner side", "All raters"])
    minimum = sus.confidentiality.min_raters
    for check in checks:
        levels = {s: [r["answers"][f.id] for r in check["raters"] if r["side"] == s] for s in ("Library", "Partner")}
        if all(len(v) >= minimum for v in levels.values()):
            expected = [most_words(levels["Library"], options), most_words(levels["Partner"], options)]
        else:
            small = min(levels, key=lambda s: len(levels[s]))
            other = "Library" if small == "Partner" else "Partner"
            marks = {small: fewer_than(minimum, small), other: would_reveal(small)}
            expected = [marks["Library"], marks["Partner"]]
        everyone = levels["Library"] + levels["Partner"]
        assert table[check["partner"]] == [*expected, most_words(everyone, options)], check["partner"]
