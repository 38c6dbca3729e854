"""Workbooks in Spanish: translations in the spec, checked at load; Spanish workbooks hold no English;
Spanish and English answers read as one language-neutral value; problems told in the respondent's
language.

Expected scores are computed here from the seed's levels (4, 3, 2, 1), not by the code under test.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import covers, fill, set_meta, valid_effectiveness_values

from partnersheet.cli import cli
from partnersheet.compile.core import compile_paths
from partnersheet.i18n import catalogue, supported
from partnersheet.intake.problems import ProblemCode
from partnersheet.intake.report import write_problem_workbook
from partnersheet.intake.validate import validate_paths
from partnersheet.spec import SpecError, builtin_templates, load_template
from partnersheet.spec.loader import TEMPLATES_DIR, parse_template
from partnersheet.workbook.generate import generate, personalise

BUILT_INS = sorted(builtin_templates())
SPANISH = [tid for tid in BUILT_INS if "es" in builtin_templates()[tid].languages]
LEVELS_EN = ("Highly effective", "Effective", "Somewhat effective", "Ineffective")
LEVELS_ES = ("Muy eficaz", "Eficaz", "Algo eficaz", "No eficaz")
SCORES = (4, 3, 2, 1)


def raw_spec(template_id: str) -> dict[str, Any]:
    path = next(p for p in TEMPLATES_DIR.glob("*.toml") if tomllib.loads(p.read_text())["id"] == template_id)
    return tomllib.loads(path.read_text(encoding="utf-8"))


# --- the spec ----------------------------------------------------------------------------------


def test_every_builtin_declares_spanish() -> None:
    assert SPANISH == BUILT_INS


@pytest.mark.parametrize("template_id", BUILT_INS)
def test_every_builtin_loads_in_every_language_it_declares(template_id: str) -> None:
    base = builtin_templates()[template_id]
    assert base.languages[0] == "en" and set(base.languages) <= set(supported())
    for lang in base.languages:
        view = base.in_language(lang)
        assert (view.lang, view.id, view.version, view.spec_hash) == (lang, base.id, base.version, base.spec_hash)
        # Same fields, same ids, same lists and scales: only the words change.
        assert [f.id for f in view.fields] == [f.id for f in base.fields]
        assert set(view.choices) == set(base.choices) and set(view.scales) == set(base.scales)
        for f in view.fields:
            assert len(f.input_title) <= 32 and len(f.input_message) <= 255, (lang, f.id)
        assert view.base is base and view.in_language("en") is base


def test_a_missing_translation_fails_at_load_naming_the_key() -> None:
    raw = raw_spec("effectiveness")
    del raw["translations"]["es"]["Share decision-making"]
    with pytest.raises(SpecError) as caught:
        parse_template(raw, "effectiveness.toml")
    message = str(caught.value)
    assert "sheets[0].sections[1].groups[2].criteria[1].text" in message
    assert "'Share decision-making'" in message and "[translations.es]" in message


def test_every_missing_translation_is_reported_with_its_key_when_collecting() -> None:
    raw = raw_spec("partnership-table")
    for text in ("Pros", "Library name", "Health literacy"):
        del raw["translations"]["es"][text]
    with pytest.raises(SpecError) as caught:
        parse_template(raw, "partnership_table.toml", collect=True)
    keys = {e.key for e in caught.value.errors}  # type: ignore[attr-defined]
    assert keys == {
        "sheets[0].sections[1].columns.library.fields[0].label",
        "sheets[0].sections[0].fields[0].label",
        "choices.theme[0]",
    }


def test_a_translation_of_a_text_the_spec_no_longer_has_is_reported() -> None:
    raw = raw_spec("effectiveness")
    raw["translations"]["es"]["Share decisions"] = "Comparten decisiones"
    with pytest.raises(SpecError, match="not a text of this spec"):
        parse_template(raw, "effectiveness.toml")


def test_a_translation_must_keep_its_placeholders() -> None:
    raw = raw_spec("effectiveness")
    key = "Save the workbook in Excel format (.xlsx) and send it back to {return_to}."
    raw["translations"]["es"][key] = "Guarde el archivo y envíelo."
    with pytest.raises(SpecError, match=r"placeholders \(\{return_to\}\)"):
        parse_template(raw, "effectiveness.toml")


def test_a_language_the_tool_does_not_speak_or_an_undeclared_table_is_refused() -> None:
    raw = raw_spec("effectiveness")
    raw["languages"] = ["en", "es", "fr"]
    with pytest.raises(SpecError, match="no 'fr' texts"):
        parse_template(raw, "effectiveness.toml")
    raw = raw_spec("effectiveness")
    raw["languages"] = ["en"]
    with pytest.raises(SpecError, match="'es' is not in languages"):
        parse_template(raw, "effectiveness.toml")


def test_a_translated_sheet_name_must_stay_a_valid_excel_name() -> None:
    raw = raw_spec("effectiveness")
    raw["translations"]["es"]["Rubric"] = "Evaluación: alianza"
    with pytest.raises(SpecError, match=r"sheets\[0\]\.name: in es: .*not a usable Excel sheet name"):
        parse_template(raw, "effectiveness.toml")


def test_translations_do_not_change_the_spec_hash() -> None:
    """Adding Spanish must not make English workbooks already sent out look altered."""
    raw = raw_spec("effectiveness")
    english_only = {k: v for k, v in raw.items() if k not in ("languages", "translations")}
    assert parse_template(english_only, "x.toml").spec_hash == parse_template(raw, "x.toml").spec_hash


def test_every_tool_text_and_problem_has_spanish() -> None:
    texts, problems = catalogue("es")
    assert set(problems) == {c.value for c in ProblemCode}
    for code in ProblemCode:
        message, hint = problems[code.value]
        placeholders = set(re.findall(r"\{\w+", code.message + code.hint))
        assert set(re.findall(r"\{\w+", message + hint)) == placeholders, code
    assert all(v.strip() and v != k for k, v in texts.items())


# --- what a Spanish workbook shows ---------------------------------------------------------------


def visible_texts(path: Path, skip: set[str]) -> dict[str, set[str]]:
    """Every text a person can see, by where it is: cells and names of visible sheets, dropdown
    options, input and error messages, headers and footers, document title and subject."""
    wb = openpyxl.load_workbook(path)
    found: dict[str, set[str]] = {}

    def add(where: str, text: Any) -> None:
        if isinstance(text, str) and text.strip() and re.search(r"[A-Za-z]{2}", text) and text not in skip:
            found.setdefault(where, set()).add(text)

    add("document", wb.properties.title)
    add("document", wb.properties.subject)
    for ws in wb.worksheets:
        if ws.title == "_lists":
            for row in ws.iter_rows(min_row=2, values_only=True):
                for value in row:
                    add("dropdown", value)
            continue
        if ws.sheet_state != "visible":
            continue
        add("sheet name", ws.title)
        for row in ws.iter_rows(values_only=True):
            for value in row:
                add("cell", value)
        for dv in ws.data_validations.dataValidation:
            for text in (dv.promptTitle, dv.prompt, dv.errorTitle, dv.error):
                add("validation", text)
        for hf in (ws.oddHeader, ws.oddFooter):
            for part in (hf.left, hf.center, hf.right):
                add("header/footer", part.text)
    wb.close()
    return found


def assert_nothing_left_in_english(english_path: Path, spanish_path: Path, skip: set[str]) -> None:
    """The same workbook in English and in Spanish: no text a person sees in the English one, nor
    a phrase of it, is in the Spanish one (``skip``: what is not words to translate)."""
    english = visible_texts(english_path, skip)
    spanish = visible_texts(spanish_path, skip)
    assert set(spanish) == set(english)
    every_english = set().union(*english.values())
    every_spanish = set().union(*spanish.values())
    for where in english:
        assert len(spanish[where]) >= 0.9 * len(english[where]), where
    assert every_english & every_spanish == set()
    # Nor inside a longer text: an English phrase of two words or more never appears in Spanish.
    phrases = [t for t in every_english if len(t.split()) >= 2]
    leaks = {(t, s) for t in phrases for s in every_spanish if t in s}
    assert leaks == set()


@pytest.mark.parametrize("template_id", SPANISH)
def test_no_visible_text_of_a_spanish_workbook_is_left_in_english(tmp_path: Path, template_id: str) -> None:
    base = load_template(template_id)
    # The template's id and version stand in the footer as identity, not as words to translate.
    skip = {f"{base.id} v{base.version}"}
    english = generate(base, tmp_path / "en.xlsx")
    assert_nothing_left_in_english(english, generate(base.in_language("es"), tmp_path / "es.xlsx"), skip)


def test_spanish_workbook_keeps_names_lists_and_stamps_its_language(tmp_path: Path) -> None:
    base = load_template("effectiveness")
    en = openpyxl.load_workbook(generate(base, tmp_path / "en.xlsx"))
    es = openpyxl.load_workbook(generate(base.in_language("es"), tmp_path / "es.xlsx"))
    assert set(es.defined_names) == set(en.defined_names)
    assert {n for n in es.defined_names if n.startswith(("list_", "scale_"))} == {"list_side", "scale_effectiveness"}
    assert es.sheetnames == ["Instrucciones", "Evaluación", "_lists", "_meta"]
    meta = {row[0]: row[1] for row in es["_meta"].iter_rows(min_row=2, values_only=True)}
    assert meta["language"] == "es" and meta["translation_hash"] == base.in_language("es").translation_hash
    assert {p.name: p.value for p in es.custom_doc_props.props}["partnersheet.language"] == "es"
    en_meta = {row[0]: row[1] for row in en["_meta"].iter_rows(min_row=2, values_only=True)}
    assert en_meta["language"] == "en" and "translation_hash" not in en_meta
    assert [c for c in es["_lists"]["B"][1:6] if c.value] and [c.value for c in es["_lists"]["B"]][1:] == [
        *LEVELS_ES,
        "No observado",
    ]


def test_new_lang_and_the_roster_lang_column(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "one.xlsx"
    result = runner.invoke(cli, ["new", "effectiveness", "--lang", "es", "--side", "partner", "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    ((sheet, ref),) = wb.defined_names["ps_side"].destinations
    assert wb[sheet][ref.replace("$", "")].value == "Organización aliada"  # --side in English, shown in Spanish
    roster = tmp_path / "roster.csv"
    roster.write_text("partner,rater,side,lang\nCentro Latino,Ana Ruiz,partner,es\nCentro Latino,Bo Li,library,\n")
    result = runner.invoke(cli, ["new", "effectiveness", "--roster", str(roster), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    names = {p.name: openpyxl.load_workbook(p, read_only=True).sheetnames[0] for p in (tmp_path / "out").glob("*.xlsx")}
    assert names == {
        "effectiveness-Centro-Latino-Ana-Ruiz.xlsx": "Instrucciones",
        "effectiveness-Centro-Latino-Bo-Li.xlsx": "Instructions",
    }
    result = runner.invoke(cli, ["new", "effectiveness", "--lang", "fr", "-o", str(tmp_path / "fr.xlsx")])
    assert result.exit_code == 2 and "has no language 'fr'" in result.output
    roster.write_text("partner,rater,lang\nCentro Latino,Ana Ruiz,fr\n")
    result = runner.invoke(cli, ["new", "effectiveness", "--roster", str(roster), "-o", str(tmp_path / "o2")])
    assert result.exit_code == 1 and "line 2" in result.output and "'fr'" in result.output


# --- reading Spanish returns ------------------------------------------------------------------


def rated(tmp_path: Path, name: str, lang: str, levels: tuple[str, ...], rater: str) -> Path:
    """An effectiveness return whose criteria are rated ``levels`` in turn, in a ``lang`` workbook."""
    base = load_template("effectiveness")
    view = base.in_language(lang)
    who = {"partner": "Centro Latino", "rater": rater, "side": "partner"}
    person = personalise(view, who)
    blank = generate(view, tmp_path / f"blank-{name}", person)
    values = valid_effectiveness_values(view, **who) | {"side": person.side}
    criteria = [f for f in view.fields if f.kind.scored]
    values.update({f.id: levels[i % len(levels)] for i, f in enumerate(criteria)})
    return fill(blank, values, tmp_path / name)


def test_spanish_and_english_labels_are_read_as_one_english_value(tmp_path: Path) -> None:
    mixed = ("muy eficaz", "Effective", "  Algo   EFICAZ ", "Ineffective", "No observado", "Not observed", 2)
    path = rated(tmp_path, "es.xlsx", "es", mixed, "Ana Ruiz")
    batch = validate_paths([path])
    assert batch.problems == []
    sub = batch.submissions[0]
    criteria = [f for f in sub.template.fields if f.kind.scored]
    assert sub.lang == "es" and sub.template.lang == "en"
    expected = ["Highly effective", "Effective", "Somewhat effective", "Ineffective", "Not observed", "Not observed"]
    expected.append("Somewhat effective")  # a score typed for its level
    assert [sub.values[f.id].value for f in criteria[:7]] == expected
    assert sub.values["side"].value == "Partner" and sub.values["side"].text == "Organización aliada"


def test_spanish_and_english_returns_compile_together_and_score_the_same(tmp_path: Path) -> None:
    pattern = (0, 1, 1, 2, 3, 0, 0)  # level index per criterion, in turn
    es = rated(tmp_path, "es.xlsx", "es", tuple(LEVELS_ES[i] for i in pattern), "Ana Ruiz")
    en = rated(tmp_path, "en.xlsx", "en", tuple(LEVELS_EN[i] for i in pattern), "Bo Li")
    comparison = compile_paths([es, en])
    assert comparison.batch.problems == []
    (result,) = comparison.instruments
    (partnership,) = result.partnerships
    criteria = [f for f in load_template("effectiveness").fields if f.kind.scored]
    ratings = [SCORES[pattern[i % len(pattern)]] for i in range(len(criteria))]
    # Both raters gave the same ratings: every indicator's score is the mean of its criteria.
    for indicator in partnership.indicators:
        mine = [r for r, f in zip(ratings, criteria, strict=True) if f.group == indicator.indicator.id]
        assert indicator.score == pytest.approx(sum(mine) / len(mine))
        assert indicator.rater_gap == 0
    assert partnership.raters == 2 and partnership.raters_by_side == {"Library": 0, "Partner": 2}


def test_problems_are_told_in_the_workbook_language_and_in_english(tmp_path: Path) -> None:
    path = rated(tmp_path, "es.xlsx", "es", ("Muy bueno",), "Ana Ruiz")
    batch = validate_paths([path])
    problem = next(p for p in batch.problems if p.code == "not-a-rating")
    assert problem.lang == "es"
    assert problem.local_message.startswith("'Muy bueno' no es una calificación para Misión y valores: ")
    assert problem.local_hint.startswith("elija de la lista desplegable en la celda D14: Muy eficaz, Eficaz")
    assert problem.message.startswith("'Muy bueno' is not a rating for Misión y valores: ")
    data = json.loads(json.dumps(batch.to_dict()))
    first = data["files"][0]["problems"][0]
    assert first["lang"] == "es" and "no es una calificación" in first["local_message"]
    assert "params" not in first
    report = write_problem_workbook(batch, tmp_path / "problems.xlsx")
    rows = list(openpyxl.load_workbook(report)["Problems"].iter_rows(values_only=True))
    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    assert row["Language"] == "es" and row["What is wrong"] == problem.local_message
    assert row["How to fix it"] == problem.local_hint
    assert row["In English (for the coordinator)"] == f"{problem.message}. Fix: {problem.hint}"
    # The terminal is the coordinator's: English.
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert "is not a rating for" in result.output and "no es una calificación" not in result.output


def test_the_details_inside_a_spanish_problem_are_spanish_too(tmp_path: Path) -> None:
    """A detail the tool words (a length, a range, a copy) reads in the workbook's language in the
    message for the respondent, and in English in the coordinator's."""
    path = rated(tmp_path, "es.xlsx", "es", LEVELS_ES, "Ana Ruiz")
    fill(path, {"rater_organization": "Centro Latino " * 20, "assessment_date": date(2150, 1, 1)})
    copy = tmp_path / "copia.xlsx"
    copy.write_bytes(path.read_bytes())  # the same file sent twice
    batch = validate_paths([path, copy])
    by_code = {p.code: p for p in batch.problems}
    long = by_code[ProblemCode.TOO_LONG]
    n = len(("Centro Latino " * 20).strip())
    assert f"({n} caracteres; como máximo 120)" in long.local_message
    assert f"({n} characters; at most 120)" in long.message
    dated = by_code[ProblemCode.OUT_OF_RANGE]
    assert "(1990-01-01 a 2100-12-31)" in dated.local_message and "1990-01-01 to 2100-12-31" in dated.message
    copied = by_code[ProblemCode.SUPERSEDED]
    assert "(es una copia idéntica)" in copied.local_message and "(an identical copy)" in copied.message
    for p in batch.problems:  # no English tool words inside the Spanish
        assert not re.search(r"\b(characters|at most|identical copy|to \d)", p.local_message), p.local_message


@covers("language-unknown")
def test_a_workbook_in_a_language_the_template_lacks_is_read_in_english_with_a_warning(tmp_path: Path) -> None:
    path = rated(tmp_path, "en.xlsx", "en", LEVELS_EN, "Bo Li")
    odd = set_meta(path, "language", "fr", tmp_path / "fr.xlsx")
    batch = validate_paths([odd])
    (problem,) = batch.problems
    assert (problem.code, problem.severity, problem.lang) == (ProblemCode.LANGUAGE_UNKNOWN, "warning", "en")
    assert "'fr'" in problem.message and "English" in problem.message
    assert batch.submissions[0].values["mission__shared_mission"].value == "Highly effective"


def test_a_reworded_spanish_label_in_an_older_translation_reads_by_name(tmp_path: Path) -> None:
    """A workbook made before a translation was reworded shows the old wording: read by its names."""
    path = rated(tmp_path, "es.xlsx", "es", LEVELS_ES, "Ana Ruiz")
    wb = openpyxl.load_workbook(path)
    wb["Evaluación"]["C22"] = "Deciden juntos"  # the old wording of a criterion
    wb.save(path)
    assert any(p.code == "label-mismatch" for p in validate_paths([path]).problems)
    older = set_meta(path, "translation_hash", "an-older-wording", tmp_path / "older.xlsx")
    batch = validate_paths([older])
    assert batch.problems == []
    assert batch.submissions[0].values["leadership__decision_making"].value == "Somewhat effective"


def test_templates_init_leaves_the_translations_out(tmp_path: Path) -> None:
    """A copy to edit starts English-only: rewording it cannot leave a stale translation behind."""
    out = tmp_path / "ours.toml"
    result = CliRunner().invoke(cli, ["templates", "init", "ours", "--from", "effectiveness", "-o", str(out)])
    assert result.exit_code == 0, result.output
    raw = tomllib.loads(out.read_text(encoding="utf-8"))
    assert "translations" not in raw and "languages" not in raw
    assert parse_template(raw, "ours.toml").languages == ("en",)
