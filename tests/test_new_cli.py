"""The `templates` and `new` commands through Click's runner, and the workbooks in a real LibreOffice."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import click
import openpyxl
import pytest
from helpers import meta_of as identity
from helpers import one_line as error_line
from helpers import run_cli as run
from helpers import soffice_convert

from partnersheet.cli import cli
from partnersheet.spec import builtin_templates, load_template

PARTNER = "County Health Department"
RATER = "A. Rivera"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_templates_lists_ids_and_versions() -> None:
    result = run("templates")
    assert result.exit_code == 0
    for template in builtin_templates().values():
        line = next(line for line in result.output.splitlines() if line.startswith(template.id))
        assert f"v{template.version}" in line and template.description in line


def test_new_partnership_table(in_tmp: Path) -> None:
    result = run("new", "partnership-table", "-o", "t.xlsx")
    assert result.exit_code == 0, result.output
    assert "t.xlsx" in result.output
    meta = identity(in_tmp / "t.xlsx")
    assert meta["template_id"] == "partnership-table"
    assert meta["spec_hash"] == load_template("partnership-table").spec_hash


def test_new_effectiveness_with_identity(in_tmp: Path) -> None:
    result = run("new", "effectiveness", "--partner", PARTNER, "--rater", RATER, "-o", "e.xlsx")
    assert result.exit_code == 0, result.output
    meta = identity(in_tmp / "e.xlsx")
    assert (meta["template_id"], meta["partner"], meta["rater"]) == ("effectiveness", PARTNER, RATER)
    wb = openpyxl.load_workbook(in_tmp / "e.xlsx")
    template = load_template("effectiveness")
    for key, value in (("partner", PARTNER), ("rater", RATER)):
        f = template.identity_field(key)
        assert f is not None
        ((sheet, ref),) = wb.defined_names[f.name].destinations
        assert wb[sheet][ref.replace("$", "")].value == value


def test_unknown_template_exits_2(in_tmp: Path) -> None:
    result = run("new", "no-such-template", "-o", "x.xlsx")
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if "Error" in line]
    assert len(errors) == 1 and "no-such-template" in errors[0]
    assert "effectiveness" in errors[0]
    assert not list(in_tmp.iterdir())


def test_bad_side_exits_2() -> None:
    result = run("new", "effectiveness", "--side", "neither", "-o", "e.xlsx")
    assert result.exit_code == 2
    assert "neither" in result.output


def test_existing_output_needs_force(in_tmp: Path) -> None:
    assert run("new", "effectiveness", "--partner", "First", "-o", "e.xlsx").exit_code == 0
    before = (in_tmp / "e.xlsx").read_bytes()
    result = run("new", "effectiveness", "--partner", "Second", "-o", "e.xlsx")
    assert result.exit_code == 1
    line = error_line(result)
    assert "e.xlsx" in line and "--force" in line
    assert (in_tmp / "e.xlsx").read_bytes() == before
    result = run("new", "effectiveness", "--partner", "Second", "-o", "e.xlsx", "--force")
    assert result.exit_code == 0
    assert identity(in_tmp / "e.xlsx")["partner"] == "Second"


def test_missing_folder_exits_1(in_tmp: Path) -> None:
    result = run("new", "effectiveness", "-o", "missing/e.xlsx")
    assert result.exit_code == 1
    assert "missing" in error_line(result)
    assert not (in_tmp / "missing").exists()


def test_output_that_is_a_folder_exits_1(in_tmp: Path) -> None:
    (in_tmp / "taken.xlsx").mkdir()
    result = run("new", "effectiveness", "-o", "taken.xlsx", "--force")
    assert result.exit_code == 1
    assert "taken.xlsx" in error_line(result)


def test_unwritable_folder_exits_1(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = in_tmp / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: make the folder refuse anyway

            def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
                raise PermissionError(13, "Permission denied")

            monkeypatch.setattr("partnersheet.files.tempfile.mkstemp", refuse)
        result = run("new", "effectiveness", "-o", "locked/e.xlsx")
        assert result.exit_code == 1
        assert "locked" in error_line(result)
        assert not list(locked.iterdir())
    finally:
        locked.chmod(0o755)


def walk_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield prefix
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from walk_commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


@pytest.mark.parametrize("path", list(walk_commands(cli)), ids=lambda p: " ".join(p) or "partnersheet")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert command.help and command.help.strip(), f"{' '.join(path)} has no help text"


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0 and "partnersheet" in result.output


# --- a real client ----------------------------------------------------------------------------


def convert(soffice: str, profile: Path, files: list[Path], fmt: str, out: Path) -> None:
    """Convert with a throw-away profile; fail on a non-zero exit or a missing or empty output."""
    soffice_convert(soffice, files, fmt, out, profile)
    for f in files:
        converted = out / f"{f.stem}.{fmt}"
        assert converted.is_file() and converted.stat().st_size > 0, str(converted)


@pytest.mark.libreoffice
def test_libreoffice_opens_both_workbooks(soffice: str, in_tmp: Path) -> None:
    assert run("new", "partnership-table", "-o", "t.xlsx").exit_code == 0
    assert run("new", "effectiveness", "--partner", PARTNER, "--rater", RATER, "-o", "e.xlsx").exit_code == 0
    files = [in_tmp / "t.xlsx", in_tmp / "e.xlsx"]
    profile = in_tmp / "lo-profile"
    convert(soffice, profile, files, "pdf", in_tmp / "pdf")
    assert all((in_tmp / "pdf" / f"{f.stem}.pdf").read_bytes().startswith(b"%PDF") for f in files)
    convert(soffice, profile, files, "ods", in_tmp / "ods")
    # A LibreOffice round trip keeps every field's defined name and the identity.
    convert(soffice, profile, files, "xlsx", in_tmp / "xlsx")
    for f, template_id in zip(files, ("partnership-table", "effectiveness"), strict=True):
        back = openpyxl.load_workbook(in_tmp / "xlsx" / f.name)
        assert {t.name for t in load_template(template_id).fields} <= set(back.defined_names)
    assert identity(in_tmp / "xlsx" / "e.xlsx")["partner"] == PARTNER


# --- the CI rule for LibreOffice tests --------------------------------------------------------

INNER_TEST = """
import pytest

@pytest.mark.libreoffice
def test_needs_libreoffice():
    pytest.skip("LibreOffice not installed")

def test_plain_skip():
    pytest.skip("unrelated")
"""


@pytest.mark.parametrize(("ci", "failed"), [("true", 1), ("", 0)])
def test_libreoffice_skip_fails_under_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str, failed: int
) -> None:
    monkeypatch.setenv("CI", ci)
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"))
    pytester.makeini("[pytest]\nmarkers =\n    libreoffice: drives LibreOffice\n")
    pytester.makepyfile(INNER_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == failed
    assert outcomes.get("skipped", 0) == 2 - failed
    assert result.ret == (1 if failed else 0)
    if failed:
        result.stdout.fnmatch_lines(["*skipped under CI=true*"])
