"""`partnersheet new agreement --from TABLE.xlsx --candidate N`: an agreement pre-filled from a table.

Every pre-filled value is checked against the table's own named cells, read here with openpyxl,
following the `from` keys of agreement.toml read with tomllib (not partnersheet's loader).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import fill, make_workbook, name_cells, valid_table_values

from partnersheet.cli import cli
from partnersheet.intake.read import Submission, read_submission
from partnersheet.intake.validate import check_submission
from partnersheet.prefill import PrefillRefused, prefill_from_return
from partnersheet.spec import SpecError, load_template, parse_template
from partnersheet.spec.loader import TEMPLATES_DIR

SAMPLE_TABLE = Path(__file__).resolve().parent.parent / "samples" / "returns" / "partnership-table-riverbend.xlsx"
RAW = tomllib.loads((TEMPLATES_DIR / "agreement.toml").read_text(encoding="utf-8"))
FROM = {
    f["id"]: f["from"]
    for sheet in RAW["sheets"]
    for section in sheet["sections"]
    for f in section.get("fields", [])
    if "from" in f
}


def named_values(path: Path) -> dict[str, tuple[Any, bool]]:
    """Every ps_ name's value and whether its cell is locked, as openpyxl sees the workbook."""
    wb = openpyxl.load_workbook(path)
    found = {}
    for name, (sheet, ref) in name_cells(path).items():
        cell = wb[sheet][ref]
        found[name.removeprefix("ps_")] = (cell.value, cell.protection.locked is not False)
    return found


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["new", "agreement", *args])


def test_the_mapping_covers_what_the_issue_asks_for() -> None:
    sources = set(FROM.values())
    for wanted in (
        "library_name",
        "org{n}_name",
        "theme",
        "org{n}_brings_other",
        "org{n}_library_other",
        "org{n}_brings_financial_amount",
        "org{n}_library_financial_amount",
        "org{n}_brings_staff_hours",
        "org{n}_library_staff_hours",
        "org{n}_success_community_group",
        "org{n}_success_community_organization",
        "org{n}_success_your_library",
        "org{n}_success_roles",
    ):
        assert wanted in sources, wanted


@pytest.mark.parametrize("candidate", [1, 2, 3])
def test_every_prefilled_value_comes_from_the_named_cell_of_the_given_table(tmp_path: Path, candidate: int) -> None:
    out = tmp_path / "agreement.xlsx"
    result = run("--from", str(SAMPLE_TABLE), "--candidate", str(candidate), "-o", str(out))
    assert result.exit_code == 0, result.output
    table = named_values(SAMPLE_TABLE)
    agreement = named_values(out)
    filled = 0
    for fid, (value, _) in agreement.items():
        source = FROM.get(fid, "").replace("{n}", str(candidate))
        expected = table[source][0] if source else None
        if isinstance(expected, str):
            expected = expected.strip() or None
        assert value == expected, (fid, source, value, expected)
        filled += value is not None
    assert filled >= 12  # the sample candidates answer nearly everything the agreement takes
    assert agreement["partner_name"] == (table[f"org{candidate}_name"][0], True)  # identity: locked
    assert agreement["library_name"][1] and not agreement["library_dollars"][1]
    sub = read_submission(out)
    assert isinstance(sub, Submission)
    assert sub.identity["partner"] == table[f"org{candidate}_name"][0]
    missing = {p.field_id for p in check_submission(sub)}
    assert missing == {f for f, kind in REQUIRED_NOT_FROM.items() if kind}, missing


REQUIRED_NOT_FROM = {
    f["id"]: f.get("required", False) and "from" not in f
    for sheet in RAW["sheets"]
    for section in sheet["sections"]
    for f in section.get("fields", [])
}


def test_a_table_with_errors_is_refused_naming_the_file_and_cell(tmp_path: Path) -> None:
    blank = make_workbook(tmp_path, "partnership-table", "t.xlsx")
    table = fill(blank, valid_table_values() | {"org1_library_financial_amount": "lots"})
    sheet, cell = name_cells(table)["ps_org1_library_financial_amount"]
    out = tmp_path / "agreement.xlsx"
    result = run("--from", str(table), "--candidate", "1", "-o", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert str(table) in result.output and f"{sheet}!{cell}" in result.output and "'lots'" in result.output


def test_an_empty_candidate_is_refused_naming_its_cell(tmp_path: Path) -> None:
    blank = make_workbook(tmp_path, "partnership-table", "t.xlsx")
    table = fill(blank, valid_table_values())  # organization 1 only
    sheet, cell = name_cells(table)["ps_org2_name"]
    with pytest.raises(PrefillRefused) as caught:
        prefill_from_return(load_template("agreement"), table, 2)
    assert f"{sheet}!{cell}" in caught.value.message and "candidate 2 is empty" in caught.value.message
    result = run("--from", str(table), "--candidate", "2", "-o", str(tmp_path / "a.xlsx"))
    assert result.exit_code == 1 and str(table) in result.output and f"{sheet}!{cell}" in result.output
    assert run("--from", str(table), "--candidate", "4", "-o", str(tmp_path / "a.xlsx")).exit_code == 2


def test_other_workbooks_and_options_are_refused(tmp_path: Path) -> None:
    rubric = make_workbook(tmp_path, "effectiveness", "e.xlsx")
    result = run("--from", str(rubric), "--candidate", "1", "-o", str(tmp_path / "a.xlsx"))
    assert result.exit_code == 1 and "not a partnership-table" in result.output
    assert run("--from", str(SAMPLE_TABLE), "-o", str(tmp_path / "a.xlsx")).exit_code == 2
    copy = tmp_path / "table.xlsx"
    copy.write_bytes(SAMPLE_TABLE.read_bytes())
    same = run("--from", str(copy), "--candidate", "1", "-o", str(copy), "--force")
    assert same.exit_code == 2 and copy.read_bytes() == SAMPLE_TABLE.read_bytes()
    other = CliRunner().invoke(
        cli, ["new", "effectiveness", "--from", str(SAMPLE_TABLE), "--candidate", "1", "-o", str(tmp_path / "e2.xlsx")]
    )
    assert other.exit_code == 2 and "not pre-filled" in other.output


def test_a_from_key_needs_a_source_template_and_a_real_source_field(tmp_path: Path) -> None:
    raw = tomllib.loads((TEMPLATES_DIR / "agreement.toml").read_text(encoding="utf-8"))
    del raw["prefill_from"]
    with pytest.raises(SpecError) as caught:
        parse_template(raw, "agreement.toml")
    assert caught.value.key == "prefill_from"
    raw["prefill_from"] = "partnership-table"
    raw["sheets"][0]["sections"][0]["fields"][3]["from"] = "org{n}_nam"
    broken = parse_template(raw, "agreement.toml")
    with pytest.raises(SpecError, match="org\\{n\\}_nam"):
        prefill_from_return(broken, SAMPLE_TABLE, 1)
