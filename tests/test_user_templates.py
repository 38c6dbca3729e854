"""User templates end to end, without LibreOffice: made by `templates init`, edited as text, kept in
a folder outside the package, and used by `new`, `validate` and `compile` through `--templates`.

Expected figures come from the ratings typed here and the spec text read with tomllib (see
``user_templates.py``); workbooks are opened with openpyxl to see what a person would see.
"""

from __future__ import annotations

import json
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import fill, name_cells, run_cli
from user_templates import (
    ADDED_ID,
    ADDED_TEXT,
    CHOICE_FIELD,
    CHOICE_LIST,
    CHOICES,
    LABELS,
    REWORDED_ID,
    REWORDED_OLD,
    REWORDED_TEXT,
    USER_ID,
    Indicator,
    expected_indicators,
    indicator_scores,
    init_template,
    make_edited_template,
    replace_once,
    rubric_of,
    sheet_table,
)

from partnersheet.intake.validate import PARALLEL_FROM, validate_paths
from partnersheet.spec import TemplateRegistry
from partnersheet.spec.registry import ENV_VAR
from partnersheet.workbook.generate import Personalisation, generate

PARTNER = "Harbor Food Bank"
# (rater, side) of the returns that are compiled; each rater's ratings differ (see ratings_for).
RATERS = (("Ana Rivera", "Library"), ("Ben Okafor", "Library"), ("Cy Park", "Partner"))


@pytest.fixture(autouse=True)
def no_environment_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the folders a test names are searched: the person's environment must not leak in."""
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture(scope="module")
def user_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the package holding the edited template (and nothing else)."""
    folder = tmp_path_factory.mktemp("my-templates")
    make_edited_template(folder)
    return folder


@pytest.fixture(scope="module")
def rubric(user_folder: Path) -> list[Indicator]:
    return rubric_of(user_folder / f"{USER_ID}.toml")


def ratings_for(rubric: list[Indicator], seed: int) -> dict[str, str]:
    """A rater's ratings: every criterion answered, a spread of levels and some Not observed."""
    criteria = [fid for indicator in rubric for fid in indicator.criteria]
    return {fid: LABELS[(seed * 7 + k * 3) % len(LABELS)] for k, fid in enumerate(criteria)}


def answers(rubric: list[Indicator], seed: int, side: str) -> dict[str, Any]:
    return {
        **ratings_for(rubric, seed),
        "rater_organization": "Riverside Public Library" if side == "Library" else PARTNER,
        "assessment_date": date(2026, 3, 15),
        CHOICE_FIELD: CHOICES[seed % len(CHOICES)],
    }


# --- templates init, listing, the environment --------------------------------------------------


def test_init_writes_a_spec_that_loads_and_lists_with_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "my-templates"
    spec = init_template(folder, "library-rubric")
    text = spec.read_text(encoding="utf-8")
    assert re.search(r'(?m)^id = "library-rubric"$', text) and re.search(r'(?m)^version = "1\.0\.0"$', text)
    assert text.startswith("#"), "a commented starting point"

    checked = run_cli("templates", "check", str(spec))
    assert checked.exit_code == 0, checked.output
    assert "ok (library-rubric v1.0.0" in checked.output

    listed = run_cli("templates", "--templates", str(folder))
    assert listed.exit_code == 0, listed.output
    rows = {line.split()[0]: line.split() for line in listed.output.splitlines()}
    assert rows["library-rubric"][1:3] == ["v1.0.0", str(folder)]
    assert rows["effectiveness"][2] == "built-in"
    assert "library-rubric" not in run_cli("templates").output, "not known without the folder"


def test_environment_variable_is_a_templates_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "from-env"
    init_template(folder, "env-rubric")
    monkeypatch.setenv(ENV_VAR, str(folder))
    listed = run_cli("templates")
    line = next(line for line in listed.output.splitlines() if line.startswith("env-rubric"))
    assert line.split()[1:3] == ["v1.0.0", str(folder)]
    made = run_cli("new", "env-rubric", "-o", str(tmp_path / "blank.xlsx"), "--quiet")
    assert made.exit_code == 0, made.output
    assert (tmp_path / "blank.xlsx").exists()


def test_init_refuses_to_overwrite_without_force_and_refuses_a_bad_id(tmp_path: Path) -> None:
    spec = init_template(tmp_path, "first-rubric")
    spec.write_text("# my edits\n" + spec.read_text(encoding="utf-8"), encoding="utf-8")
    before = spec.read_bytes()
    again = run_cli("templates", "init", "first-rubric", "--from", "effectiveness", "-o", str(spec))
    assert again.exit_code == 1, again.output
    assert "already exists" in again.output and "--force" in again.output
    assert spec.read_bytes() == before, "the person's edits are kept"

    forced = run_cli("templates", "init", "first-rubric", "--from", "effectiveness", "-o", str(spec), "--force")
    assert forced.exit_code == 0, forced.output
    assert not spec.read_text(encoding="utf-8").startswith("# my edits")

    for bad in ("Our_Rubric", "2rubric", "our rubric"):
        target = tmp_path / "bad.toml"
        refused = run_cli("templates", "init", bad, "--from", "effectiveness", "-o", str(target))
        assert refused.exit_code != 0, bad
        assert "not a usable template id" in refused.output and "lower-case" in refused.output
        assert not target.exists()


# --- templates check ----------------------------------------------------------------------------


def test_check_reports_three_mistakes_each_with_line_key_and_fix(tmp_path: Path) -> None:
    spec = init_template(tmp_path, "broken-rubric")
    text = spec.read_text(encoding="utf-8")
    # Three mistakes in three places: a choice list, a form field's type, a rubric criterion's key.
    text = replace_once(text, 'side = ["Library", "Partner"]\n', 'side = ["Library", "Partner"]\nfrequency = []\n')
    text = replace_once(text, 'type = "date"', 'type = "when"')
    text = replace_once(text, 'text = "Share decision-making"', 'txt = "Share decision-making"')
    spec.write_text(text, encoding="utf-8")
    lines = text.splitlines()

    def line_with(fragment: str) -> int:
        (found,) = [i + 1 for i, line in enumerate(lines) if fragment in line]
        return found

    expected = [
        (line_with("frequency = []"), "choices.frequency", "non-empty list of text"),
        (line_with('type = "when"'), "sheets[0].sections[0].fields[4].type", "use one of"),
        (line_with('txt = "Share'), "sheets[0].sections[1].groups[2].criteria[1].txt", "it may have: id, text"),
    ]
    result = run_cli("templates", "check", str(spec))
    assert result.exit_code == 1, result.output
    reported = result.output.splitlines()
    assert reported[0] == f"{spec}: 3 mistakes"
    assert len(reported) == 4, result.output
    for (line, key, fix), out in zip(expected, reported[1:], strict=True):
        assert out.strip().startswith(f"{spec.name}:{line}: {key}: "), (out, line, key)
        assert fix in out, out
    assert "'when'" in reported[2] and "short_text" in reported[2], "names the type and the ones to use"


def test_check_reports_the_line_of_a_toml_syntax_error(tmp_path: Path) -> None:
    spec = init_template(tmp_path, "quote-rubric")
    text = replace_once(
        spec.read_text(encoding="utf-8"), 'label = "Mission and beliefs"', 'label = "Mission and beliefs'
    )
    spec.write_text(text, encoding="utf-8")
    line = next(i + 1 for i, row in enumerate(text.splitlines()) if row.startswith('label = "Mission and beliefs'))
    good = init_template(tmp_path, "good-rubric")
    result = run_cli("templates", "check", str(spec), str(good))
    assert result.exit_code == 1, result.output
    assert f"{spec.name}:{line}: not valid TOML" in result.output
    assert f"{good}: ok" in result.output, "every file is checked"


# --- new, validate and compile with --templates -------------------------------------------------


@pytest.fixture(scope="module")
def returns(user_folder: Path, rubric: list[Indicator], tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Any]:
    """One workbook per rater, made by `new --templates`, filled as a person would."""
    folder = tmp_path_factory.mktemp("returned")
    typed = {}
    for seed, (rater, side) in enumerate(RATERS):
        path = folder / f"{rater.split()[0].lower()}.xlsx"
        made = run_cli(
            "new", USER_ID, "--templates", str(user_folder), "-o", str(path), "--partner", PARTNER,
            "--rater", rater, "--side", side, "--quiet",
        )  # fmt: skip
        assert made.exit_code == 0, made.output
        typed[path] = answers(rubric, seed, side)
        fill(path, typed[path])
    return typed


def test_new_workbook_has_the_edits_and_the_new_dropdown(user_folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    made = run_cli("new", USER_ID, "--templates", str(user_folder), "-o", str(path))
    assert made.exit_code == 0, made.output
    cells = name_cells(path)
    wb = openpyxl.load_workbook(path)

    def row_texts(field_id: str) -> list[Any]:
        sheet, cell = cells[f"ps_{field_id}"]
        return [c.value for c in wb[sheet][int(re.sub(r"\D", "", cell))]]

    assert ADDED_TEXT in row_texts(ADDED_ID), "the added criterion is on its row, beside its answer cell"
    assert REWORDED_TEXT in row_texts(REWORDED_ID)
    everything = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert REWORDED_OLD not in everything

    sheet, cell = cells[f"ps_{CHOICE_FIELD}"]
    (validation,) = [dv for dv in wb[sheet].data_validations.dataValidation if cell in dv.sqref]
    assert validation.type == "list"
    list_name = validation.formula1.lstrip("=")
    assert CHOICE_LIST in list_name, "the dropdown draws from the new list, by a name"
    ((list_sheet, ref),) = wb.defined_names[list_name].destinations
    assert wb[list_sheet].sheet_state != "visible", "the list sits on a hidden sheet"
    shown = [c.value for row in wb[list_sheet][ref.replace("$", "")] for c in row]
    assert shown == list(CHOICES)
    label_row = row_texts(CHOICE_FIELD)
    assert "How often do the partners meet?" in label_row


def test_validate_and_compile_with_templates_folder(
    user_folder: Path, rubric: list[Indicator], returns: dict[Path, Any], tmp_path: Path
) -> None:
    folder = next(iter(returns)).parent
    checked = run_cli("validate", str(folder), "--templates", str(user_folder), "--json")
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.output)
    assert report["valid"] and report["stats"]["valid"] == len(RATERS)
    assert {f["template_id"] for f in report["files"]} == {USER_ID}

    out = tmp_path / "comparison.xlsx"
    compiled = run_cli("compile", str(folder), "--templates", str(user_folder), "-o", str(out), "--attributed")
    assert compiled.exit_code == 0, compiled.output
    want = expected_indicators([rubric] * len(returns), returns.values())
    got = indicator_scores(out, PARTNER)
    assert set(got) == set(want)
    for label, (score, count) in want.items():
        assert got[label][0] == pytest.approx(score), label
        assert got[label][1] == count, label
    # The added criterion counts: without it the leadership score would differ.
    leadership = next(i for i in rubric if ADDED_ID in i.criteria)
    without = expected_indicators(
        [[Indicator(i.id, i.label, tuple(c for c in i.criteria if c != ADDED_ID)) for i in rubric]] * len(returns),
        returns.values(),
    )
    assert without[leadership.label] != want[leadership.label], "the test's ratings make the added one matter"

    data = sheet_table(openpyxl.load_workbook(out)["Data"], "File")
    chosen = {Path(r["File"]).name: r["Normalised value"] for r in data if r["Field id"] == CHOICE_FIELD}
    assert chosen == {path.name: typed[CHOICE_FIELD] for path, typed in returns.items()}


def test_without_templates_a_user_return_is_one_unknown_template_problem(returns: dict[Path, Any]) -> None:
    path = next(iter(returns))
    result = run_cli("validate", str(path))
    assert result.exit_code == 2, result.output
    assert "[unknown-template]" in result.output
    assert f"'{USER_ID}' version 1.0.0" in result.output
    assert "built-in templates" in result.output, "says where templates were looked for"
    report = json.loads(run_cli("validate", str(path), "--json").output)
    (only,) = report["files"]
    assert only["status"] == "unreadable"
    assert [p["code"] for p in only["problems"]] == ["unknown-template"]


def test_worker_processes_know_user_templates(
    user_folder: Path, rubric: list[Indicator], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading in two processes gives exactly the report one process gives.

    The workers are spawned, not forked (as on macOS and Windows), so they inherit nothing: they
    know the user template only because the registry travels to them as its folders.
    """
    registry = TemplateRegistry([user_folder])
    template = registry.latest(USER_ID)
    count = 32
    for n in range(count):
        path = generate(
            template, tmp_path / f"r{n:02}.xlsx", Personalisation(partner=PARTNER, rater=f"Rater {n}", side="Library")
        )
        typed = answers(rubric, n, "Library")
        if n % 5 == 0:
            typed[ADDED_ID] = "Superb"  # some returns have an error, so the report is not all alike
        fill(path, typed)
    assert count < PARALLEL_FROM, "workers=2 asks for two processes where the default would use one"
    one = validate_paths([tmp_path], workers=1, templates=registry)
    spawned: list[int] = []

    def spawning_pool(workers: int) -> ProcessPoolExecutor:
        spawned.append(workers)
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))

    monkeypatch.setattr("partnersheet.intake.pool.ProcessPoolExecutor", spawning_pool)
    two = validate_paths([tmp_path], workers=2, templates=registry)
    assert spawned == [2], "two worker processes read the returns"
    assert two.to_dict() == one.to_dict()
    assert len(one.files) == count
    assert {f.template_id for f in one.files} == {USER_ID}
    assert one.stats()["invalid"] == len(range(0, count, 5))
    assert {p.code for p in one.problems if p.severity == "error"} == {"not-a-rating"}


def test_altered_spec_is_reported_and_left_out_of_the_scores(
    user_folder: Path, rubric: list[Indicator], returns: dict[Path, Any], tmp_path: Path
) -> None:
    """Same id and version, different spec: the return is listed, never merged into the scores."""
    altered_folder = tmp_path / "edited-in-place"
    altered_folder.mkdir()
    spec = (user_folder / f"{USER_ID}.toml").read_text(encoding="utf-8")
    (altered_folder / f"{USER_ID}.toml").write_text(
        replace_once(spec, 'label = "Mission and beliefs"', 'label = "Our mission"'), encoding="utf-8"
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = next(iter(returns))
    (inbox / good.name).write_bytes(good.read_bytes())
    odd = inbox / "altered.xlsx"
    made = run_cli(
        "new", USER_ID, "--templates", str(altered_folder), "-o", str(odd), "--partner", PARTNER,
        "--rater", "Dee Altered", "--side", "Partner", "--quiet",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    fill(odd, {**{fid: "Ineffective" for i in rubric for fid in i.criteria}, **answers(rubric, 9, "Partner")})

    checked = run_cli("validate", str(odd), "--templates", str(user_folder))
    assert checked.exit_code == 1, checked.output
    assert "[template-altered]" in checked.output

    out = tmp_path / "comparison.xlsx"
    compiled = run_cli("compile", str(inbox), "--templates", str(user_folder), "-o", str(out), "--attributed")
    assert compiled.exit_code == 0, compiled.output
    assert "1 with problems, excluded from scores" in compiled.output
    problems = sheet_table(openpyxl.load_workbook(out)["Problems"], "File")
    altered = [p for p in problems if p["Code"] == "template-altered"]
    assert [(p["File"], p["Effect"]) for p in altered] == [(odd.name, "excluded from scores")]
    want = expected_indicators([rubric], [returns[good]])
    got = indicator_scores(out, PARTNER)
    for label, (score, count) in want.items():
        assert got[label] == (pytest.approx(score), count), label


def test_a_registry_sent_to_a_reading_process_is_the_one_already_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registry travels to the reading processes as its folders; there it must be found in the
    process's cache (inherited when the process was forked), never loaded again: loading the
    templates cost each reader a tenth of a second before its first file."""
    import pickle

    from partnersheet.spec.registry import cached_registry

    monkeypatch.delenv(ENV_VAR, raising=False)
    folder = tmp_path / "mine"
    folder.mkdir()
    for registry in (TemplateRegistry.from_environment(), TemplateRegistry.from_environment([folder])):
        assert pickle.loads(pickle.dumps(registry)) is registry
    assert cached_registry(()) is cached_registry((), True) is TemplateRegistry.from_environment()
