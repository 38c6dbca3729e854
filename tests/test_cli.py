"""The command line's promise: one clear line and an exit code, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import partnersheet.intake.validate
from partnersheet.cli import cli


def test_an_unexpected_failure_is_one_line_that_says_it_is_a_bug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(partnersheet.intake.validate, "validate_paths", broken)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "disk on fire" in lines[0] and "bug" in lines[0]
    assert "Traceback" not in result.output


def test_usage_errors_still_show_click_usage() -> None:
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 2
    assert "Missing argument" in result.output


def test_validate_json_with_nothing_to_check_still_prints_a_report(tmp_path: Path) -> None:
    import json

    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--json"])
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["files"] == [] and report["stats"]["files"] == 0
