"""Every kind of workbook the tool writes, made once per test session, for the schema and
accessibility tests: blank, personalised and pre-filled forms of each built-in template, the
problems report and the comparison (from ordinary returns, from hostile text and over three rounds),
and the demo.

Hostile returns are typed with openpyxl where it can (as a person's spreadsheet would save them)
and pre-filled through the generator where openpyxl refuses the text (control characters).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from helpers import WHO, fill, valid_effectiveness_values, valid_form_values, valid_table_values
from rounds_data import write_rounds

from partnersheet.cli import cli
from partnersheet.compile.board import write_board
from partnersheet.compile.core import compile_paths, write_tidy
from partnersheet.compile.sheets import write_comparison
from partnersheet.spec import builtin_templates, load_template
from partnersheet.workbook.generate import Personalisation, generate, generate_bytes, personalise

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "returns"
LONG_EMOJI = "😀" * 20_000  # 40,000 UTF-16 units: beyond Excel's 32,767
# 32,200 characters (openpyxl, which wrote the returns, cuts at 32,767 characters) but 34,500 UTF-16 units.
LONG_WORDS = "a long note 😀 " * 2_300
# Texts people can type that have broken writers: markup XlsxWriter takes for its own, formulas,
# right-to-left text, huge cells. Control characters and Excel's _xHHHH_ escapes typed literally are
# pre-filled by the generator: openpyxl refuses the first and writes the second unescaped.
HOSTILE = {
    "markup": "<r>x & y</r>",
    "open-markup": "<r><b>",
    "run-markup": "<r><t>looks like a run</t></r>",
    "formula": "=cmd|' /C calc'!A0",
    "rtl": "مكتبة المدينة العامة \u202bشراكة\u202c",
    "long-emoji": LONG_EMOJI,
    "long-words": LONG_WORDS,
}
CONTROL = "bell\x07 and escape\x1b inside"
ESCAPE = "_x0041_ stays as typed"
WORKBOOKS = (
    "blank-effectiveness",
    "blank-partnership-table",
    "blank-sustainability",
    "personalised-effectiveness",
    "personalised-partnership-table",
    "personalised-sustainability",
    "prefilled-effectiveness",
    "prefilled-partnership-table",
    "prefilled-sustainability",
    "blank-effectiveness-es",
    "blank-partnership-table-es",
    "blank-sustainability-es",
    "prefilled-effectiveness-es",
    "prefilled-partnership-table-es",
    "prefilled-sustainability-es",
    "blank-agreement-es",
    "prefilled-agreement-es",
    "blank-action-plan-es",
    "prefilled-action-plan-es",
    "prefilled-hostile",
    "problems-report",
    "problems-report-es",
    "problems-report-hostile",
    "comparison",
    "comparison-hostile",
    "comparison-hostile-confidential",
    "board",
    "board-hostile",
    "comparison-rounds",
    "demo-blank-effectiveness",
    "demo-blank-partnership-table",
    "blank-agreement",
    "personalised-agreement",
    "prefilled-agreement",
    "demo-blank-agreement",
    "blank-action-plan",
    "personalised-action-plan",
    "prefilled-action-plan",
    "demo-blank-action-plan",
    "prefilled-action-plan-from-compile",
    "demo-blank-sustainability",
    "demo-problems",
    "demo-comparison",
    "demo-agreement-from-table",
    "demo-action-plan",
    "demo-board",
    "status-report",
)


# How to answer each built-in template validly; others (with tables): required answers and a first row.
VALID = {"effectiveness": valid_effectiveness_values, "partnership-table": valid_table_values}


@dataclass(frozen=True)
class Written:
    paths: dict[str, Path]
    hostile_folder: Path
    hostile_tidy: Path
    demo_returns: list[Path]


_MADE: dict[str, Written] = {}


def hostile_returns(folder: Path) -> Path:
    """Returned workbooks holding HOSTILE text (and control characters) in their answers."""
    folder.mkdir(parents=True, exist_ok=True)
    eff = load_template("effectiveness")
    evidence = [f for f in eff.fields if f.type == "long_text"]
    for n, (key, text) in enumerate(HOSTILE.items()):
        who = {**WHO, "partner": HOSTILE["markup"] if n % 2 else "Riverbend Literacy Council", "rater": f"Rater {n}"}
        blank = generate(eff, folder / f"blank-{key}.xlsx", Personalisation(**who))
        values = valid_effectiveness_values(eff, **who)
        values["rater_organization"] = text[:120]
        values.update({f.id: text for f in evidence[:3]})
        if key == "markup":  # a rating typed over: the problems report shows the value seen
            rating = next(f for f in eff.fields if f.type == "rating")
            values[rating.id] = text
        fill(blank, values, folder / f"hostile-{key}.xlsx")
        blank.unlink()
    who = {**WHO, "rater": "Control Characters"}
    answers = {**valid_effectiveness_values(eff, **who), "rater_organization": CONTROL}
    answers.update({evidence[0].id: CONTROL, evidence[1].id: ESCAPE})
    data = generate_bytes(eff, Personalisation(**who), answers=answers)
    (folder / "hostile-control.xlsx").write_bytes(data)
    table = load_template("partnership-table")
    blank = generate(table, folder / "blank-table.xlsx", Personalisation(library=HOSTILE["markup"]))
    values = valid_table_values(table, library=HOSTILE["markup"])
    texts = [f for f in table.fields if f.type in ("short_text", "long_text") and not f.identity]
    values.update({f.id: HOSTILE["markup"] for f in texts[:4]})
    fill(blank, values, folder / "hostile-table.xlsx")
    blank.unlink()
    return folder


def prefilled(template_id: str, answers: dict[str, object], who: dict[str, str]) -> bytes:
    template = load_template(template_id)
    return generate_bytes(template, Personalisation(**who), answers=answers)


def written_workbooks(root: Path) -> Written:
    """Make (once per session) every kind of workbook the tool writes, under ``root``."""
    if "made" in _MADE:
        return _MADE["made"]
    paths: dict[str, Path] = {}
    runner = CliRunner()
    for template in builtin_templates().values():
        paths[f"blank-{template.id}"] = generate(template, root / f"blank-{template.id}.xlsx")
        who = (
            WHO
            if template.identity_field("side") is not None
            else {"library": "Riverbend Public Library", "rater": "A. Rivera"}
        )
        paths[f"personalised-{template.id}"] = generate(template, root / f"personal-{template.id}.xlsx", who)
        values = VALID.get(template.id, valid_form_values)(template, **who)
        path = root / f"prefilled-{template.id}.xlsx"
        path.write_bytes(prefilled(template.id, values, who))
        paths[f"prefilled-{template.id}"] = path
        if "es" not in template.languages:
            continue
        # The same in Spanish: its texts, and answers chosen from its Spanish lists.
        view = template.in_language("es")
        paths[f"blank-{template.id}-es"] = generate(view, root / f"blank-{template.id}-es.xlsx")
        person = personalise(view, who)
        values = VALID.get(template.id, valid_form_values)(view, **person.as_dict())
        path = root / f"prefilled-{template.id}-es.xlsx"
        path.write_bytes(generate_bytes(view, person, answers=values))
        paths[f"prefilled-{template.id}-es"] = path
    spanish_returns = root / "spanish"
    spanish_returns.mkdir()
    view = load_template("effectiveness").in_language("es")
    person = personalise(view, WHO)
    answers = valid_effectiveness_values(view, **person.as_dict())
    answers |= {"assessment_date": "el martes", next(f.id for f in view.fields if f.kind.scored): "Muy bueno"}
    (spanish_returns / "flawed-es.xlsx").write_bytes(generate_bytes(view, person, answers=answers))
    report = root / "problems-es.xlsx"
    result = runner.invoke(cli, ["validate", str(spanish_returns), "--report", str(report)])
    assert report.exists(), result.output
    paths["problems-report-es"] = report
    hostile_who = {**WHO, "partner": HOSTILE["markup"], "rater": HOSTILE["open-markup"]}
    answers = {**valid_effectiveness_values("effectiveness", **hostile_who), "rater_organization": HOSTILE["markup"]}
    answers["overall_comments"] = CONTROL + ESCAPE
    path = root / "prefilled-hostile.xlsx"
    path.write_bytes(prefilled("effectiveness", answers, hostile_who))
    paths["prefilled-hostile"] = path

    report = root / "problems.xlsx"
    result = runner.invoke(cli, ["validate", str(SAMPLES), "--report", str(report)])
    assert report.exists(), result.output
    paths["problems-report"] = report
    folder = hostile_returns(root / "hostile")
    report = root / "problems-hostile.xlsx"
    result = runner.invoke(cli, ["validate", str(folder), "--report", str(report)])
    assert report.exists(), result.output
    paths["problems-report-hostile"] = report
    comparison = root / "comparison.xlsx"
    board, actions = root / "board.xlsx", root / "actions.xlsx"  # as the template specs say: confidential
    args = ["compile", str(SAMPLES), "-o", str(comparison), "--board", str(board), "--actions", str(actions)]
    result = runner.invoke(cli, args)
    assert comparison.exists() and board.exists() and actions.exists(), result.output
    paths["comparison"], paths["board"] = comparison, board
    paths["prefilled-action-plan-from-compile"] = actions
    # Hostile text through every column: attributed (names and files shown) and confidential (keys,
    # names taken out of notes, unlinked rows), and on the board.
    c = compile_paths([folder], workers=1, confidentiality="attributed")
    paths["comparison-hostile"] = write_comparison(c, root / "comparison-hostile.xlsx")
    tidy = write_tidy(c, root / "hostile-tidy.json")
    hidden = compile_paths([folder], workers=1)
    paths["comparison-hostile-confidential"] = write_comparison(hidden, root / "comparison-hostile-confidential.xlsx")
    paths["board-hostile"] = write_board(hidden, root / "board-hostile.xlsx")
    write_rounds(root / "rounds")  # three rounds, raters who leave and join: Trends and the line chart
    paths["comparison-rounds"] = write_comparison(compile_paths([root / "rounds"]), root / "comparison-rounds.xlsx")

    roster = root / "roster.csv"  # two raters who returned, one who did not, one named like markup
    roster.write_text(
        "partner,rater,side,round,email\n"
        "Riverbend County Health Department,Maya Okafor,library,Spring 2026,maya@example.org\n"
        "Tri-County Food Bank,Alex Kim,partner,Fall 2026,alex@example.org\n"
        f'"{HOSTILE["markup"]}","{HOSTILE["open-markup"]}",partner,Fall 2026,\n',
        encoding="utf-8",
    )
    status = root / "status.xlsx"
    result = runner.invoke(cli, ["status", str(roster), str(SAMPLES), "--report", str(status)])
    assert status.exists(), result.output
    paths["status-report"] = status

    demo = root / "demo"
    result = runner.invoke(cli, ["demo", str(demo), "--quiet"])
    assert (demo / "comparison.xlsx").exists(), result.output
    for template in builtin_templates().values():
        paths[f"demo-blank-{template.id}"] = demo / "blank" / f"{template.id}.xlsx"
    paths["demo-problems"] = demo / "problems.xlsx"
    paths["demo-comparison"] = demo / "comparison.xlsx"
    paths["demo-agreement-from-table"] = demo / "agreement-candidate-1.xlsx"
    paths["demo-action-plan"] = demo / "actions.xlsx"
    paths["demo-board"] = demo / "board.xlsx"
    assert set(paths) == set(WORKBOOKS)
    returns = sorted(p for p in (demo / "returned").glob("*.xlsx") if "cut-short" not in p.name)
    _MADE["made"] = Written(paths, folder, tidy, returns)
    return _MADE["made"]
