"""Issue 8's "Done when", in a real LibreOffice: a user template goes the whole way with no code change.

The template is made by `templates init`, edited as text (a criterion reworded, one added, a new
choice list and a choice field using it) and kept in a folder outside the package. `new
--templates` makes each rater's workbook; LibreOffice Calc types every answer into its cell and
saves as .xlsx; `validate` and `compile` with `--templates` read them back. The compiled scores
are checked against the ratings typed here.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from helpers import name_cells, run_cli
from libreoffice import LibreOffice, save_steps, type_steps
from user_templates import (
    ADDED_ID,
    CHOICE_FIELD,
    CHOICES,
    LABELS,
    USER_ID,
    expected_indicators,
    indicator_scores,
    make_edited_template,
    rubric_of,
    sheet_table,
)

from partnersheet.spec.registry import ENV_VAR

pytestmark = pytest.mark.libreoffice

PARTNER = "Harbor Food Bank"
RATERS = (("Ana Rivera", "Library"), ("Cy Park", "Partner"))


def test_user_template_through_libreoffice(lo: LibreOffice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    templates = tmp_path / "my-templates"
    spec = make_edited_template(templates)
    assert run_cli("templates", "check", str(spec)).exit_code == 0
    rubric = rubric_of(spec)
    criteria = [fid for indicator in rubric for fid in indicator.criteria]
    assert ADDED_ID in criteria

    blanks, returned = tmp_path / "outbox", tmp_path / "inbox"
    blanks.mkdir()
    returned.mkdir()
    typed_by_rater = []
    for seed, (rater, side) in enumerate(RATERS):
        stem = rater.split()[0].lower()
        blank = blanks / f"{stem}.xlsx"
        made = run_cli(
            "new", USER_ID, "--templates", str(templates), "-o", str(blank),
            "--partner", PARTNER, "--rater", rater, "--side", side, "--quiet",
        )  # fmt: skip
        assert made.exit_code == 0, made.output
        cells = {name.removeprefix("ps_"): where for name, where in name_cells(blank).items()}
        typed = {fid: LABELS[(seed * 5 + k * 3) % len(LABELS)] for k, fid in enumerate(criteria)}
        typed.update(
            {
                "rater_organization": "Riverside Public Library" if side == "Library" else PARTNER,
                "assessment_date": "2026-03-15",
                CHOICE_FIELD: CHOICES[seed + 1],
            }
        )
        result = lo.run(
            {"open": str(blank), "steps": type_steps(cells, typed) + save_steps(returned, stem, (".xlsx",))}
        )
        assert [Path(s["path"]).name for s in result["saved"]] == [f"{stem}.xlsx"]
        typed_by_rater.append(typed)

    checked = run_cli("validate", str(returned), "--templates", str(templates), "--json")
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.output)
    assert report["stats"]["valid"] == len(RATERS)
    assert {f["template_id"] for f in report["files"]} == {USER_ID}

    out = tmp_path / "comparison.xlsx"
    compiled = run_cli("compile", str(returned), "--templates", str(templates), "-o", str(out), "--attributed")
    assert compiled.exit_code == 0, compiled.output
    want = expected_indicators([rubric] * len(RATERS), typed_by_rater)
    got = indicator_scores(out, PARTNER)
    assert set(got) == set(want)
    for label, (score, count) in want.items():
        assert got[label] == (pytest.approx(score), count), label
    data = sheet_table(openpyxl.load_workbook(out)["Data"], "File")
    chosen = sorted(r["Normalised value"] for r in data if r["Field id"] == CHOICE_FIELD)
    assert chosen == sorted(t[CHOICE_FIELD] for t in typed_by_rater)
