"""Rosters: one personalised workbook per row, safe file names, and bad rosters refused whole."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from helpers import meta_of, one_line, soffice_convert
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
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*\.xlsx")  # what ASCII names give


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
        (COLUMNS, [ROWS[0], ["", "", "", "", ""], ROWS[1]], ["line 3", "blank"]),
        (COLUMNS, [ROWS[0], ROWS[1], ROWS[0]], ["line 4", "line 2"]),
        (COLUMNS, [ROWS[0], [ROWS[0][0].upper(), *ROWS[0][1:]]], ["line 3", "line 2"]),
        (COLUMNS, [["Food Bank", "", "", "", ""]], ["line 2", "rater"]),
        (COLUMNS, [["Food Bank", "A. Rivera", "neither", "", ""]], ["line 2", "neither"]),
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
        assert not set(path.name) & set('<>:"/\\|?*'), path.name
    assert [p.name for p in paths] == [
        "effectiveness-etc-passwd-A-Rivera.xlsx",
        "effectiveness-Cafe-Unicode-Zoe.xlsx",
        "effectiveness-日本語-C-Windows.xlsx",
    ]
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


# --- rosters as Excel, LibreOffice, Gnumeric and Python's csv module write them ------------------

# What people type into a roster: quotes and commas in names, line breaks inside a cell (Alt+Enter,
# and the Unicode line and paragraph separators pasted from web pages and Word), a semicolon.
TYPED = [
    ['Friends of the "Old Mill", Inc.', "Ana\nMaría López", "partner", "Spring 2026", "Riverside; Main Branch"],
    ["Food Bank, Valley\nWest", "B.\u2028Chen", "library", "Spring\u20292026", ""],
    ["Bibliothèque «Le Phare»", "Zoë  O'Neil\x85Jr", "", "Fall 2026", ""],
]


def as_one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


EXPECTED = [tuple(as_one_line(v) for v in (row[0], row[1], row[3])) for row in TYPED]


def read_back(template: Template, roster: Path) -> list[tuple[str, str, str]]:
    return [(r.who.partner, r.who.rater, r.who.round) for r in read_roster(template, roster)]


def write_text(path: Path, rows: list[list[str]], encoding: str, **fmt: str) -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle, **fmt).writerows([COLUMNS, *rows])
    return path


@pytest.mark.parametrize(
    ("name", "encoding", "fmt"),
    [
        ("roster.csv", "utf-8", {"dialect": "excel"}),  # Google Sheets, Python
        ("roster.csv", "utf-8-sig", {"dialect": "excel"}),  # Excel's "CSV UTF-8": with a BOM
        ("roster.csv", "utf-8-sig", {"dialect": "excel", "delimiter": ";"}),  # Excel where "," is a decimal mark
        ("roster.txt", "utf-16", {"dialect": "excel-tab"}),  # Excel's "Unicode Text": UTF-16 with a BOM, tabs
        ("roster.tsv", "utf-8", {"dialect": "excel-tab"}),
    ],
    ids=["csv", "csv-bom", "semicolon", "unicode-text", "tsv"],
)
def test_quotes_and_line_breaks_inside_cells(
    effectiveness: Template, tmp_path: Path, name: str, encoding: str, fmt: dict[str, str]
) -> None:
    roster = write_text(tmp_path / name, TYPED, encoding, **fmt)
    assert read_back(effectiveness, roster) == EXPECTED
    paths = generate_all(effectiveness, roster, tmp_path / "out")
    assert [(meta_of(p)["partner"], meta_of(p)["rater"]) for p in paths] == [e[:2] for e in EXPECTED]
    for path, expected in zip(paths, EXPECTED, strict=True):
        assert named_values(effectiveness, path)["partner"] == expected[0]


def test_line_breaks_inside_an_xlsx_cell(effectiveness: Template, tmp_path: Path) -> None:
    roster = write_xlsx(tmp_path / "roster.xlsx", [list(r) for r in TYPED])
    assert read_back(effectiveness, roster) == EXPECTED


def test_a_bad_row_is_named_by_its_line_in_the_file(effectiveness: Template, tmp_path: Path) -> None:
    rows = [["Friends of the\nOld Mill", "A. Rivera", "", "", ""], ["Food Bank", "", "", "", ""]]
    roster = write_text(tmp_path / "roster.csv", rows, "utf-8", dialect="excel")
    lines = roster.read_bytes().split(b"\n")
    assert lines[3].startswith(b"Food Bank")  # the header, a row on two lines, then this one
    with pytest.raises(RosterError) as info:
        read_roster(effectiveness, roster)
    assert "line 4 (row 3 in a spreadsheet): rater is empty" in str(info.value)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b'partner,rater\nA,B\n"Friends of the "Old Mill"",C\n', ["line 3", '""']),
        (b'partner,rater\nA,B\nC,D\n"Friends of the Old Mill,E\nF,G\n', ["line 4", '""']),
        (b"partner,rater\nA,B\nCaf\xe9 Amigo,C\n", ["line 3", "UTF-8"]),
    ],
    ids=["stray-quote", "unclosed-quote", "not-utf8"],
)
def test_broken_text_is_refused_with_its_line(
    effectiveness: Template, tmp_path: Path, data: bytes, words: list[str]
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_bytes(data)
    result = run("new", "effectiveness", "--roster", str(roster), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    line = one_line(result)
    assert all(word in line for word in words), line
    assert not (tmp_path / "out").exists()


def test_the_header_alone_decides_the_delimiter(effectiveness: Template, tmp_path: Path) -> None:
    """Data lines full of commas (or semicolons) do not fool it, and a quoted header is fine."""
    roster = tmp_path / "roster.csv"
    roster.write_text('"partner";"rater"\nSmith, Jones, and Lee, LLP;A. Rivera\n"A;B";C, D\n', encoding="utf-8")
    assert [(r.who.partner, r.who.rater) for r in read_roster(effectiveness, roster)] == [
        ("Smith, Jones, and Lee, LLP", "A. Rivera"),
        ("A;B", "C, D"),
    ]


LIBREOFFICE_CSV = "csv:Text - txt - csv (StarCalc):{sep},34,{charset},1"


@pytest.mark.libreoffice
@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [
        (LIBREOFFICE_CSV.format(sep=44, charset=76), "csv"),  # comma, UTF-8
        (LIBREOFFICE_CSV.format(sep=59, charset=76), "csv"),  # semicolon, UTF-8
        ("txt:Text - txt - csv (StarCalc):9,34,65535,1", "txt"),  # tab, UTF-16 with a BOM
    ],
    ids=["comma", "semicolon", "utf16-tab"],
)
def test_roster_saved_as_text_by_libreoffice(
    effectiveness: Template, tmp_path: Path, soffice: str, fmt: str, suffix: str
) -> None:
    source = write_xlsx(tmp_path / "roster.xlsx", [list(r) for r in TYPED])
    out = soffice_convert(soffice, [source], fmt, tmp_path / "saved", tmp_path / "profile") / f"roster.{suffix}"
    assert b"Old Mill" in out.read_bytes().decode("utf-16" if suffix == "txt" else "utf-8").encode()
    assert read_back(effectiveness, out) == EXPECTED


@pytest.mark.libreoffice
def test_a_roster_libreoffice_saved_in_latin_1_is_refused_with_its_line(
    effectiveness: Template, tmp_path: Path, soffice: str
) -> None:
    source = write_xlsx(tmp_path / "roster.xlsx", [list(r) for r in TYPED])
    out = soffice_convert(soffice, [source], LIBREOFFICE_CSV.format(sep=44, charset=12), tmp_path / "s", tmp_path / "p")
    with pytest.raises(RosterError) as info:
        read_roster(effectiveness, out / "roster.csv")
    assert "line 3" in str(info.value) and "UTF-8" in str(info.value)  # "María" on the second line of row 2


@pytest.mark.skipif(shutil.which("ssconvert") is None, reason="Gnumeric's ssconvert is not installed")
def test_roster_saved_as_csv_by_gnumeric(effectiveness: Template, tmp_path: Path) -> None:
    source = write_xlsx(tmp_path / "roster.xlsx", [list(r) for r in TYPED])
    out = tmp_path / "gnumeric.csv"
    done = subprocess.run(["ssconvert", str(source), str(out)], capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "\u2028".encode() in out.read_bytes()  # Gnumeric leaves U+2028 unquoted: it must not end the row
    assert read_back(effectiveness, out) == EXPECTED
