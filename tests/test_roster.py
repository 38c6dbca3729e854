"""Rosters: one personalised workbook per row, safe file names, and bad rosters refused whole."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import pytest
from helpers import meta_of, one_line
from helpers import run_cli as run

from partnersheet.errors import OutputExists, RosterError
from partnersheet.rounds.roster import read_roster, write_roster
from partnersheet.spec import Template

COLUMNS = ["partner", "rater", "side", "round", "library"]
ROWS = [
    ["County Health Department", "A. Rivera", "library", "Spring 2026", "Riverside Public Library"],
    ["County Health Department", "B. Chen", "partner", "Spring 2026", "Riverside Public Library"],
    ["Food Bank of the Valley", "A. Rivera", "Library", "Spring 2026", ""],
]
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*\.xlsx")


def write_csv(path: Path, rows: list[list[str]], header: list[str] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] = COLUMNS) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in [header, *rows]:
        ws.append(row)
    wb.save(path)
    return path


def named_values(template: Template, path: Path) -> dict[str, str]:
    """Identity key -> the value in that identity field's defined-name cell."""
    wb = openpyxl.load_workbook(path)
    values = {}
    for f in template.fields:
        if f.identity:
            ((sheet, ref),) = wb.defined_names[f.name].destinations
            values[f.identity] = wb[sheet][ref.replace("$", "")].value or ""
    return values


def generate_all(template: Template, roster: Path, out: Path, force: bool = False) -> list[Path]:
    return list(write_roster(template, read_roster(template, roster), out, force=force))


def expected_identity(row: list[str]) -> dict[str, str]:
    values = dict(zip(COLUMNS, row, strict=True))
    values["side"] = values["side"].capitalize()
    return values


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_one_workbook_per_row_with_its_identity(effectiveness: Template, tmp_path: Path, kind: str) -> None:
    roster = (write_csv if kind == "csv" else write_xlsx)(tmp_path / f"roster.{kind}", ROWS)
    out = tmp_path / "out"
    paths = generate_all(effectiveness, roster, out)
    assert len(paths) == len(ROWS) == len(list(out.iterdir()))
    for path, row in zip(paths, ROWS, strict=True):
        assert path.parent == out and SAFE_NAME.fullmatch(path.name)
        expected = expected_identity(row)
        meta = meta_of(path)
        assert {key: meta[key] for key in COLUMNS} == expected
        assert meta["template_id"] == effectiveness.id
        for key, value in named_values(effectiveness, path).items():
            assert value == expected[key], key
    assert len({meta_of(p)["workbook_id"] for p in paths}) == len(paths)


def test_numbers_in_an_xlsx_roster_stay_as_typed(effectiveness: Template, tmp_path: Path) -> None:
    roster = write_xlsx(tmp_path / "roster.xlsx", [["Food Bank", "A. Rivera", "partner", 2026, ""]])
    (path,) = generate_all(effectiveness, roster, tmp_path / "out")
    assert meta_of(path)["round"] == "2026"


def test_roster_through_the_cli(partnership_table: Template, tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "roster.csv", [[r[0], r[1], "", r[3], r[4]] for r in ROWS])
    out = tmp_path / "outbox"
    result = run("new", "partnership-table", "--roster", str(roster), "-o", str(out))
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert len(files) == len(ROWS)
    partners = sorted(named_values(partnership_table, f)["partner"] for f in files)
    assert partners == sorted(r[0] for r in ROWS)


def test_long_roster_shows_progress_and_writes_every_file(effectiveness: Template, tmp_path: Path) -> None:
    rows = [[f"Partner {i}", "A. Rivera", "", "", ""] for i in range(25)]
    roster = write_csv(tmp_path / "roster.csv", rows)
    result = run("new", "effectiveness", "--roster", str(roster), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert "25" in result.output.splitlines()[-1]
    assert len(list((tmp_path / "out").iterdir())) == 25


@pytest.mark.parametrize(
    ("header", "rows", "words"),
    [
        (["partner", "side"], [["Food Bank", "library"]], ["rater"]),
        (COLUMNS, [ROWS[0], ["", "", "", "", ""], ROWS[1]], ["row 3", "blank"]),
        (COLUMNS, [ROWS[0], ROWS[1], ROWS[0]], ["row 4", "row 2"]),
        (COLUMNS, [ROWS[0], [ROWS[0][0].upper(), *ROWS[0][1:]]], ["row 3", "row 2"]),
        (COLUMNS, [["Food Bank", "", "", "", ""]], ["row 2", "rater"]),
        (COLUMNS, [["Food Bank", "A. Rivera", "neither", "", ""]], ["row 2", "neither"]),
        (COLUMNS, [], ["no rows"]),
    ],
    ids=["missing-column", "blank-row", "duplicate", "duplicate-ignoring-case", "empty-rater", "bad-side", "empty"],
)
def test_bad_rosters_are_refused(
    effectiveness: Template, tmp_path: Path, header: list[str], rows: list[list[str]], words: list[str]
) -> None:
    roster = write_csv(tmp_path / "roster.csv", rows, header)
    with pytest.raises(RosterError) as info:
        read_roster(effectiveness, roster)
    message = str(info.value)
    assert str(roster) in message
    for word in words:
        assert word in message
    result = run("new", "effectiveness", "--roster", str(roster), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    line = one_line(result)
    assert str(roster) in line and words[0] in line
    assert not (tmp_path / "out").exists()


def test_blank_row_in_an_xlsx_roster(effectiveness: Template, tmp_path: Path) -> None:
    roster = write_xlsx(tmp_path / "roster.xlsx", [ROWS[0], [None] * 5, ROWS[1]])
    with pytest.raises(RosterError, match="row 3"):
        read_roster(effectiveness, roster)


def test_file_names_are_safe_and_readable(effectiveness: Template, tmp_path: Path) -> None:
    rows = [
        ["../../etc/passwd", "A. Rivera", "", "", ""],
        ["Café/Ünïcode", "Zoë ..\\", "", "", ""],
        ["日本語", "C:\\Windows", "", "", ""],
    ]
    out = tmp_path / "out"
    paths = generate_all(effectiveness, write_csv(tmp_path / "roster.csv", rows), out)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)
    for path in paths:
        assert path.resolve().parent == out.resolve()
        assert SAFE_NAME.fullmatch(path.name), path.name
        assert path.name.isascii()
    assert "etc-passwd" in paths[0].name and "Cafe-Unicode" in paths[1].name
    assert [meta_of(p)["partner"] for p in paths] == [r[0] for r in rows]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "roster.csv"]


def test_names_that_slug_alike_get_distinct_files(effectiveness: Template, tmp_path: Path) -> None:
    rows = [
        ["Café Amigo", "A. Rivera", "", "", ""],
        ["Cafe Amigo", "A. Rivera", "", "", ""],
        ["Cafe/Amigo", "A. Rivera", "", "", ""],
    ]
    out = tmp_path / "out"
    paths = generate_all(effectiveness, write_csv(tmp_path / "roster.csv", rows), out)
    assert len({p.name.casefold() for p in paths}) == 3
    assert len(list(out.iterdir())) == 3
    assert [meta_of(p)["partner"] for p in paths] == [r[0] for r in rows]


def test_existing_file_refuses_before_writing_anything(effectiveness: Template, tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "roster.csv", ROWS)
    out = tmp_path / "out"
    out.mkdir()
    last = out / read_roster(effectiveness, roster)[-1].filename
    last.write_bytes(b"someone's work")
    with pytest.raises(OutputExists, match=re.escape(str(last))):
        generate_all(effectiveness, roster, out)
    assert list(out.iterdir()) == [last]
    result = run("new", "effectiveness", "--roster", str(roster), "-o", str(out))
    assert result.exit_code == 1
    line = one_line(result)
    assert last.name in line and "--force" in line
    assert list(out.iterdir()) == [last] and last.read_bytes() == b"someone's work"
    assert run("new", "effectiveness", "--roster", str(roster), "-o", str(out), "--force").exit_code == 0
    assert len(list(out.iterdir())) == len(ROWS)
    assert meta_of(last)["partner"] == ROWS[-1][0]


def test_roster_and_identity_options_conflict(tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "roster.csv", ROWS)
    result = run("new", "effectiveness", "--roster", str(roster), "--partner", "X", "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "--roster" in one_line(result)


def test_roster_output_must_be_a_folder(tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "roster.csv", ROWS)
    (tmp_path / "file.xlsx").write_bytes(b"x")
    result = run("new", "effectiveness", "--roster", str(roster), "-o", str(tmp_path / "file.xlsx"))
    assert result.exit_code == 2
    assert "file.xlsx" in one_line(result)


def test_a_roster_that_does_not_exist_yet_is_not_made_a_folder(tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "roster.csv", ROWS)
    result = run("new", "effectiveness", "--roster", str(roster), "-o", str(tmp_path / "new.xlsx"))
    assert result.exit_code == 2
    assert not (tmp_path / "new.xlsx").exists()


def test_semicolon_csv_as_excel_saves_it_in_many_locales(effectiveness: Template, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    with roster.open("w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle, delimiter=";").writerows([COLUMNS, *ROWS])
    rows = read_roster(effectiveness, roster)
    assert [(r.who.partner, r.who.rater) for r in rows] == [(row[0], row[1]) for row in ROWS]


def test_side_is_refused_for_a_template_without_one(tmp_path: Path) -> None:
    result = run("new", "partnership-table", "--side", "partner", "-o", str(tmp_path / "t.xlsx"))
    assert result.exit_code == 2
    assert "side" in one_line(result)
    assert not (tmp_path / "t.xlsx").exists()


def test_library_api_takes_a_template_id_and_a_mapping(tmp_path: Path) -> None:
    from partnersheet import generate

    path = generate("effectiveness", tmp_path / "e.xlsx", {"partner": "Food Bank", "side": "PARTNER"})
    assert meta_of(path)["partner"] == "Food Bank"
    assert meta_of(path)["side"] == "Partner"
