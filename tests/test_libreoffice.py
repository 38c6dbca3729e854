"""Round trips through a real LibreOffice Calc, typing into generated workbooks as a person would.

One headless soffice serves the whole module (see ``libreoffice.py``); ``lo_driver.py`` moves to
each answer cell with ``.uno:GoToCell`` and types with ``.uno:EnterString``, so Calc itself turns
"2026-03-15" into a date, "1,200" into a number and "=1+1" into a formula. The answer cells come
from each generated workbook's ``ps_<field id>`` defined names, never from fixed addresses.

Every test is marked ``libreoffice``: it skips with the reason when LibreOffice or Debian's
python3-uno is missing, and conftest turns that skip into a failure under CI=true.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from libreoffice import LibreOffice, save_steps, type_steps
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from partnersheet.cli import cli
from partnersheet.compile.core import compile_paths
from partnersheet.intake.problems import ERROR
from partnersheet.intake.read import Submission
from partnersheet.intake.validate import Batch, validate_paths
from partnersheet.spec import Field, Template, load_template
from partnersheet.workbook.generate import Personalisation, generate

pytestmark = pytest.mark.libreoffice

FORMULA_TEXT = "=1+1"
# A formula needs a cell that is not formatted as text: a rating cell. Answer cells for text are
# formatted as text, so there Calc keeps what is typed as typed ("1/2" is not the 1st of February).
FORMULA_FIELD = "agendas__priorities"
DATE_LIKE_TEXT = "1/2"
# What a person types into a rating cell -> the rating it must read back as. Case, stray spaces
# and a bare score are all things people do; Calc stores "3" as the number 3.
RATING_TYPINGS: tuple[tuple[str, str], ...] = (
    ("Effective", "Effective"),
    ("highly effective", "Highly effective"),
    ("Somewhat effective", "Somewhat effective"),
    ("Highly effective ", "Highly effective"),
    ("Ineffective", "Ineffective"),
    ("Not observed", "Not observed"),
    ("3", "Effective"),
    ("SOMEWHAT EFFECTIVE", "Somewhat effective"),
)
CHOICE_TYPINGS = {"fit": (("Good fit", "Good fit"), ("excellent fit", "Excellent fit"), ("Fair fit", "Fair fit"))}
CURRENCY_TYPINGS = (("1,200", 1200.0), ("1500", 1500.0), ("$750", 750.0))
HOURS_TYPINGS = (("6", 6.0), ("12.5", 12.5), ("0.5", 0.5))


@dataclass
class Filled:
    """A workbook filled through LibreOffice: what was typed where, and the files Calc saved."""

    template: Template
    source: Path
    typed: dict[str, str]  # field id -> text typed
    expected: dict[str, Any]  # field id -> normalised value it must read back as
    cells: dict[str, tuple[str, str]]  # field id -> (sheet, cell) in the generated workbook
    saved: dict[str, Path] = field(default_factory=dict)  # label -> saved file
    result: dict[str, Any] = field(default_factory=dict)  # the driver's report


# --- helpers ------------------------------------------------------------------------------------


def input_cells(path: Path) -> dict[str, tuple[str, str, bool]]:
    """Field id -> (sheet, "C5", prefilled) from the workbook's ``ps_`` defined names."""
    wb = openpyxl.load_workbook(path)
    found = {}
    for name, defined in wb.defined_names.items():
        if not name.startswith("ps_"):
            continue
        (sheet, ref), *rest = list(defined.destinations)
        assert not rest, f"{name} points at more than one range"
        cell = ref.replace("$", "")
        found[name.removeprefix("ps_")] = (sheet, cell, wb[sheet][cell].value not in (None, ""))
    return found


def answers_for(template: Template, prefilled: set[str], salt: str) -> tuple[dict[str, str], dict[str, Any]]:
    """A complete set of valid answers for every field not already filled in: (typed, expected)."""
    typed: dict[str, str] = {}
    expected: dict[str, Any] = {}
    counters: dict[str, int] = {}

    def pick(kind: str, options: tuple[tuple[str, Any], ...]) -> tuple[str, Any]:
        n = counters.get(kind, 0)
        counters[kind] = n + 1
        return options[n % len(options)]

    for f in template.fields:
        if f.id in prefilled:
            continue
        if f.type == "rating":
            text, value = pick("rating", RATING_TYPINGS)
        elif f.type == "choice":
            options = template.options(f)
            text, value = pick(f"choice:{f.choices}", CHOICE_TYPINGS.get(f.choices or "", ()) or _spelled(options))
        elif f.type == "date":
            text, value = "2026-03-15", date(2026, 3, 15)
        elif f.type == "currency":
            text, value = pick("currency", CURRENCY_TYPINGS)
        elif f.type == "hours":
            text, value = pick("hours", HOURS_TYPINGS)
        elif f.type == "integer":
            text, value = "42", 42.0
        else:
            text = _sentence(f, salt)
            value = text
        typed[f.id] = text
        expected[f.id] = value
    return typed, expected


def _spelled(options: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """A choice typed in lower case, as people do when they skip the dropdown."""
    pick = options[min(3, len(options) - 1)]
    return ((pick.lower(), pick),)


EVIDENCE = (
    'Monthly meetings since January; minutes on the shared drive. We didn\'t always agree on "priorities".',
    "Joint plan signed in March.\nRoles are clear for the café sessions (2 per month); 50% of people came back.",
    "Data: sign-in sheets and a short survey — 38 responses, mostly positive.",
)


def _sentence(f: Field, salt: str) -> str:
    """Believable text with what people type: apostrophes, quotes, dashes, accents, a line break."""
    base = f"{salt}, {f.label.rstrip('?:')} [{f.id}]"
    if f.type == "long_text":
        return f"{base}: {EVIDENCE[sum(map(ord, f.id)) % len(EVIDENCE)]}"
    return base[: f.max_length or 200]


def plain(value: Any) -> Any:
    """Comparable form of a read-back value: dates as dates, numbers as floats."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def validate_one(path: Path) -> tuple[Batch, Submission]:
    batch = validate_paths([path])
    assert not batch.unreadable, [u.problem.message for u in batch.unreadable]
    (sub,) = batch.submissions
    return batch, sub


def errors(batch: Batch) -> list[tuple[str, str, str]]:
    return [(p.code, p.field_id, p.cell) for p in batch.problems if p.severity == ERROR]


def assert_reads_back(sub: Submission, filled: Filled, moved: dict[str, tuple[str, str]] | None = None) -> None:
    """Every typed value reads back as expected, from the cell it now sits in."""
    wrong = {}
    for fid, value in filled.expected.items():
        v = sub.values.get(fid)
        if v is None:
            wrong[fid] = "not found"
            continue
        sheet, cell = (moved or filled.cells)[fid]
        got = (plain(v.value), v.sheet, v.cell, v.error)
        want = (plain(value), sheet, cell, None)
        if got != want:
            wrong[fid] = f"typed {filled.typed[fid]!r}: read {got}, expected {want} (raw {v.raw!r})"
    assert not wrong, "\n".join(f"{k}: {m}" for k, m in wrong.items())


def fill(
    lo: LibreOffice,
    template: Template,
    folder: Path,
    stem: str,
    who: Personalisation,
    salt: str,
    then: Callable[[dict[str, tuple[str, str]]], list[dict[str, Any]]] | None = None,
) -> Filled:
    """Generate a workbook, type a full set of answers into it in LibreOffice, save .xlsx and .ods.

    ``then(cells)`` gives more steps for the same session, after the clean copies are saved.
    """
    folder.mkdir(parents=True, exist_ok=True)
    source = generate(template, folder / f"{stem}-blank.xlsx", who)
    found = input_cells(source)
    assert set(found) == {f.id for f in template.fields}, "every field has its defined name"
    prefilled = {fid for fid, (_, _, pre) in found.items() if pre}
    typed, expected = answers_for(template, prefilled, salt)
    cells = {fid: (sheet, cell) for fid, (sheet, cell, _) in found.items()}
    steps = type_steps(cells, typed) + save_steps(folder, stem) + (then(cells) if then else [])
    result = lo.run({"open": str(source), "steps": steps})
    filled = Filled(template, source, typed, expected, cells, result=result)
    for saved in result["saved"]:
        path = Path(saved["path"])
        filled.saved[path.stem.removeprefix(stem).lstrip("-") + path.suffix] = path
    return filled


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("libreoffice")


@pytest.fixture(scope="module")
def effectiveness_returns(lo: LibreOffice, work: Path) -> dict[str, Filled]:
    """Two raters' effectiveness workbooks, filled in Calc. Rater B then types ``=1+1``."""
    template = load_template("effectiveness")
    a = fill(
        lo,
        template,
        work / "eff",
        "rivera",
        Personalisation(partner="County Health Department", rater="A. Rivera", side="Library"),
        "Rivera",
    )

    def then_a_formula(cells: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
        sheet, cell = cells[FORMULA_FIELD]
        formula = {"op": "type", "sheet": sheet, "cell": cell, "text": FORMULA_TEXT}
        sheet, cell = cells["overall_comments"]
        date_like = {"op": "type", "sheet": sheet, "cell": cell, "text": DATE_LIKE_TEXT}
        return [formula, date_like, *save_steps(work / "eff", "okafor-formula")]

    b = fill(
        lo,
        template,
        work / "eff",
        "okafor",
        Personalisation(partner="County Health Department", rater="B. Okafor", side="Partner", round="Spring 2026"),
        "Okafor",
        then_a_formula,
    )
    return {"a": a, "b": b}


@pytest.fixture(scope="module")
def table_return(lo: LibreOffice, work: Path) -> Filled:
    template = load_template("partnership-table")
    return fill(
        lo, template, work / "table", "riverside", Personalisation(library="Riverside Public Library"), "Riverside"
    )


# --- tests --------------------------------------------------------------------------------------


def test_effectiveness_typed_in_calc_reads_back(effectiveness_returns: dict[str, Filled]) -> None:
    a, b = effectiveness_returns["a"], effectiveness_returns["b"]
    for filled in (a, b):
        typed = {(t["sheet"], t["cell"]): t for t in filled.result["typed"]}
        # Calc understood the typing as a person's: a date and a score became numbers, text stayed text.
        date_cell = filled.cells["assessment_date"]
        assert typed[date_cell]["type"] == "value", typed[date_cell]
        assert len(typed) == len(filled.typed)
        for suffix in (".xlsx", ".ods"):
            batch, sub = validate_one(filled.saved[suffix])
            assert errors(batch) == [], f"{filled.saved[suffix].name}: {batch.problems}"
            assert_reads_back(sub, filled)
            assert sub.template_id == "effectiveness"
    assert "highly effective" in a.typed.values(), "a rating typed in lower case"
    assert "3" in a.typed.values(), "a rating typed as its score"


def test_formula_typed_in_calc_is_reported_for_exactly_that_cell(effectiveness_returns: dict[str, Filled]) -> None:
    b = effectiveness_returns["b"]
    sheet, cell = b.cells[FORMULA_FIELD]
    typed = next(t for t in b.result["typed"] if t["typed"] == FORMULA_TEXT)
    assert typed["type"] == "formula", "Calc made =1+1 a formula, as it does for a person"
    for suffix in (".xlsx", ".ods"):
        path = b.saved[f"formula{suffix}"]
        batch, sub = validate_one(path)
        assert errors(batch) == [("formula-in-cell", FORMULA_FIELD, cell)], path.name
        (problem,) = [p for p in batch.problems if p.severity == ERROR]
        assert problem.sheet == sheet
        assert problem.value.replace(" ", "") == FORMULA_TEXT
        assert sub.values[FORMULA_FIELD].formula is not None
        # Text typed into a text answer stays exactly as typed.
        assert sub.values["overall_comments"].value == DATE_LIKE_TEXT
        # Everything else still reads back.
        rest = {k: v for k, v in b.expected.items() if k not in (FORMULA_FIELD, "overall_comments")}
        assert_reads_back(sub, Filled(b.template, b.source, b.typed, rest, b.cells))


def test_partnership_table_typed_in_calc_reads_back(table_return: Filled) -> None:
    t = table_return
    typed_types = {t_["typed"]: t_["type"] for t_ in t.result["typed"]}
    assert typed_types["1,200"] == "value", "Calc read 1,200 as a number"
    assert {"1,200", "1500"} <= set(t.typed.values())
    amounts = {fid: v for fid, v in t.expected.items() if t.template.field(fid).type == "currency"}
    assert 1200.0 in amounts.values() and 1500.0 in amounts.values()
    for suffix in (".xlsx", ".ods"):
        batch, sub = validate_one(t.saved[suffix])
        assert errors(batch) == [], f"{t.saved[suffix].name}: {batch.problems}"
        assert_reads_back(sub, t)
        assert sub.values["library_name"].value == "Riverside Public Library"


def test_inserted_rows_and_renamed_sheet_still_read(lo: LibreOffice, table_return: Filled, work: Path) -> None:
    """Reopen the filled table in Calc, insert rows above it and inside it, rename its sheet."""
    t = table_return
    filled_file = t.saved[".xlsx"]
    (form_sheet,) = {sheet for sheet, _ in t.cells.values()}
    middle = t.template.fields[len(t.template.fields) // 2]
    middle_row = xl_cell_to_rowcol(t.cells[middle.id][1])[0] + 1  # 1-based, as a person sees it
    new_name = "Our partners 2026"
    out = work / "moved"
    out.mkdir()
    result = lo.run(
        {
            "open": str(filled_file),
            "steps": [
                {"op": "unprotect", "sheet": form_sheet},  # no password: Tools > Protect Sheet, off
                {"op": "insert_rows", "sheet": form_sheet, "row": middle_row, "count": 1},
                {"op": "insert_rows", "sheet": form_sheet, "row": 1, "count": 2},
                {"op": "rename_sheet", "sheet": form_sheet, "name": new_name},
                *save_steps(out, "moved"),
            ],
        }
    )
    assert new_name in result["sheets"] and form_sheet not in result["sheets"]
    moved = {}
    for fid, (_, cell) in t.cells.items():
        row, col = xl_cell_to_rowcol(cell)
        shift = 2 + (row + 1 >= middle_row)
        moved[fid] = (new_name, xl_rowcol_to_cell(row + shift, col))
    assert moved[middle.id][1] != t.cells[middle.id][1]
    for saved in result["saved"]:
        path = Path(saved["path"])
        batch, sub = validate_one(path)
        assert errors(batch) == [], f"{path.name}: {batch.problems}"
        assert not [p for p in batch.problems if p.code == "names-missing"]
        assert_reads_back(sub, t, moved)


def test_calc_survives_idle_time_after_typing(lo: LibreOffice, work: Path) -> None:
    """Guards the profile seed in libreoffice.py: idle time after typing used to abort the nogui Calc."""
    folder = work / "idle"
    folder.mkdir()
    source = generate(load_template("effectiveness"), folder / "blank.xlsx", Personalisation())
    cells = input_cells(source)
    restarts = lo.restarts
    steps: list[dict[str, Any]] = []
    for fid, text in (("rater_organization", "Riverside Public Library"), ("round", "Spring 2026")):
        sheet, cell, _ = cells[fid]
        steps += [{"op": "type", "sheet": sheet, "cell": cell, "text": text}, {"op": "pause", "seconds": 1.5}]
    result = lo.run({"open": str(source), "steps": [*steps, *save_steps(folder, "idle", (".xlsx",))]})
    assert lo.alive() and lo.restarts == restarts, "LibreOffice died while idle"
    _, sub = validate_one(Path(result["saved"][0]["path"]))
    assert (sub.value("rater_organization"), sub.value("round")) == ("Riverside Public Library", "Spring 2026")


@pytest.mark.parametrize("template_id", ["effectiveness", "partnership-table"])
def test_untouched_round_trip_keeps_structure(lo: LibreOffice, work: Path, template_id: str) -> None:
    """Open and save in Calc without typing: only the empty required answers are reported."""
    template = load_template(template_id)
    folder = work / f"untouched-{template_id}"
    folder.mkdir()
    who = Personalisation(partner="Harbor Food Bank", rater="C. Lindqvist")
    if template.identity_field("side") is not None:
        who = Personalisation(partner="Harbor Food Bank", rater="C. Lindqvist", side="Partner")
    source = generate(template, folder / "blank.xlsx", who)
    baseline, original = validate_one(source)
    result = lo.run({"open": str(source), "steps": save_steps(folder, "calc")})
    for saved in result["saved"]:
        path = Path(saved["path"])
        batch, sub = validate_one(path)
        codes = {p.code for p in batch.problems}
        assert codes <= {"required-missing"}, f"{path.name}: {batch.problems}"
        assert {(p.code, p.field_id, p.cell) for p in batch.problems} == {
            (p.code, p.field_id, p.cell) for p in baseline.problems
        }
        # _meta survived: the workbook still says what it is and who it is for.
        assert (sub.template_id, sub.template_version, sub.spec_hash) == (
            original.template_id,
            original.template_version,
            original.spec_hash,
        )
        assert sub.workbook_id == original.workbook_id
        assert sub.identity == original.identity
        assert {k: (v.sheet, v.cell) for k, v in sub.values.items()} == {
            k: (v.sheet, v.cell) for k, v in original.values.items()
        }
    xlsx = next(Path(s["path"]) for s in result["saved"] if s["path"].endswith(".xlsx"))
    sheets = openpyxl.load_workbook(xlsx, read_only=True).sheetnames
    assert "_meta" in sheets and sheets[-1].startswith("_"), sheets


def test_compiled_comparison_holds_every_typed_value(
    effectiveness_returns: dict[str, Filled], table_return: Filled, work: Path
) -> None:
    if importlib.util.find_spec("partnersheet.compile") is None:
        pytest.skip("partnersheet/compile.py is not written yet")
    a, b, t = effectiveness_returns["a"], effectiveness_returns["b"], table_return
    inputs = {a.saved[".xlsx"]: a, b.saved["formula.ods"]: b, t.saved[".ods"]: t}
    out = work / "comparison.xlsx"
    run = CliRunner().invoke(cli, ["compile", *map(str, inputs), "-o", str(out), "--attributed"])  # files named
    assert run.exit_code == 0 and out.exists(), f"exit {run.exit_code}: {run.output}\n{run.exc_info}"
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = wb["Data"].iter_rows(values_only=True)
    headers = list(next(rows))
    col = {name: headers.index(name) for name in ("File", "Field id", "Value as typed", "Normalised value", "Status")}
    data: dict[tuple[str, str], tuple[Any, ...]] = {}
    for row in rows:
        if row[col["File"]] is not None:
            data[(Path(str(row[col["File"]])).name, str(row[col["Field id"]]))] = row
    missing = []
    for path, filled in inputs.items():
        for fid, typed in filled.typed.items():
            row = data.get((path.name, fid))
            if row is None:
                missing.append(f"{path.name} {fid}: no row")
                continue
            if filled is b and fid == FORMULA_FIELD and "formula" in path.name:
                assert str(row[col["Value as typed"]]).replace(" ", "") == FORMULA_TEXT
                continue
            if filled is b and fid == "overall_comments" and "formula" in path.name:
                assert row[col["Value as typed"]] == DATE_LIKE_TEXT
                continue
            got = plain(row[col["Normalised value"]])
            if got != plain(filled.expected[fid]):
                missing.append(f"{path.name} {fid}: typed {typed!r}, Data has {got!r}")
    assert not missing, "\n".join(missing)
    statuses = {name: row[col["Status"]] for (name, _), row in data.items()}
    assert statuses[b.saved["formula.ods"].name] != statuses[a.saved[".xlsx"].name], "the formula file is excluded"
    assert statuses[a.saved[".xlsx"].name] == statuses[t.saved[".ods"].name]


# --- Spanish --------------------------------------------------------------------------------------

# Level index per criterion, in turn (0 = the best level), and the seed's scores of the levels.
SPANISH_PATTERN = (0, 1, 2, 3, 1, 4, 0)
LEVELS_BY_LANG = {
    "en": ("Highly effective", "Effective", "Somewhat effective", "Ineffective", "Not observed"),
    # Typed as people type: some in lower case, one with a stray space, "No observado" for Not observed.
    "es": ("Muy eficaz", "eficaz", "Algo eficaz ", "no eficaz", "No observado"),
}
LEVEL_SCORES = (4.0, 3.0, 2.0, 1.0, None)


def test_spanish_choices_typed_in_calc_validate_and_score_as_english(lo: LibreOffice, work: Path) -> None:
    """A partner rater types Spanish ratings into a Spanish workbook in Calc; another types the same
    ratings in English into an English one. Both validate, and every indicator scores the same."""
    base = load_template("effectiveness")
    criteria = [f for f in base.fields if f.kind.scored]
    scores: dict[str, dict[str, float | None]] = {}
    for lang, rater in (("es", "Ana Ruiz"), ("en", "Bo Li")):
        view = base.in_language(lang)
        who = Personalisation(partner="Centro Latino", rater=rater, side=view.options(view.field("side"))[1])
        source = generate(view, work / f"spanish-{lang}-blank.xlsx", who)
        cells = {fid: (sheet, cell) for fid, (sheet, cell, _) in input_cells(source).items()}
        typed = {"rater_organization": "Centro Latino", "assessment_date": "2026-03-15"}
        typed |= {f.id: LEVELS_BY_LANG[lang][SPANISH_PATTERN[i % len(SPANISH_PATTERN)]] for i, f in enumerate(criteria)}
        result = lo.run(
            {"open": str(source), "steps": type_steps(cells, typed) + save_steps(work, f"spanish-{lang}", (".xlsx",))}
        )
        (saved,) = [Path(s["path"]) for s in result["saved"]]
        batch, sub = validate_one(saved)
        assert errors(batch) == [] and batch.problems == [], [p.message for p in batch.problems]
        assert sub.lang == lang and sub.values["side"].value == "Partner"
        comparison = compile_paths([saved])
        ((partnership,),) = [r.partnerships for r in comparison.instruments]
        scores[lang] = {r.indicator.id: r.score for r in partnership.indicators}
    # Expected, from the pattern alone: the mean of each indicator's scored levels.
    expected: dict[str, float | None] = {}
    for group in {f.group for f in criteria}:
        mine = [
            LEVEL_SCORES[SPANISH_PATTERN[i % len(SPANISH_PATTERN)]] for i, f in enumerate(criteria) if f.group == group
        ]
        counted = [s for s in mine if s is not None]
        expected[str(group)] = sum(counted) / len(counted) if counted else None
    assert scores["es"] == scores["en"] == expected
