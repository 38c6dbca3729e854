"""File names: the ones the tool makes are readable in any script and safe on every file system; the
ones it is given may be in any encoding and are still read, shown and written without failing.

A name that is not valid UTF-8 (a Windows zip unpacked on Linux gives b"r\\xe9sum\\xe9.xlsx") is made
here with bytes paths; wherever a person sees it, each undecodable byte shows as U+FFFD.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from helpers import WHO, fill, fingerprint, make_workbook, meta_of, valid_effectiveness_values
from helpers import run_cli as run

from partnersheet.files import MAX_NAME_BYTES, unique_file_name
from partnersheet.intake.validate import validate_paths
from partnersheet.rounds.roster import read_roster, write_roster
from partnersheet.spec import Template

FFFD = "\ufffd"


def roster_of(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    path = tmp_path / "roster.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("partner", "rater"), *rows])
    return path


def names_made(eff: Template, tmp_path: Path, rows: list[tuple[str, str]]) -> list[str]:
    out = tmp_path / "out"
    paths = list(write_roster(eff, read_roster(eff, roster_of(tmp_path, rows)), out))
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # each is on disk as named
    assert [meta_of(p)["partner"] for p in paths] == [re.sub(r"\s+", " ", r[0]).strip() for r in rows]
    return [p.name for p in paths]


# --- names the tool makes ------------------------------------------------------------------------


def test_names_keep_every_script_and_drop_latin_accents(eff: Template, tmp_path: Path) -> None:
    rows = [
        ("Библиотека им. Пушкина", "Иван Петров"),
        ("日本語 図書館", "山田 太郎"),
        ("مكتبة المدينة", "مُنى"),
        ("Ελληνική Βιβλιοθήκη", "Νίκος"),
        ("हिन्दी पुस्तकालय", "राम"),
        ("Biblioteca José Núñez", "François Ærø"),
        ("Ｆｕｌｌ　Ｗｉｄｔｈ", "A. Rivera"),
    ]
    assert names_made(eff, tmp_path, rows) == [
        "effectiveness-Библиотека-им-Пушкина-Иван-Петров.xlsx",
        "effectiveness-日本語-図書館-山田-太郎.xlsx",
        "effectiveness-مكتبة-المدينة-مُنى.xlsx",
        "effectiveness-Ελληνική-Βιβλιοθήκη-Νίκος.xlsx",
        "effectiveness-हिन्दी-पुस्तकालय-राम.xlsx",
        "effectiveness-Biblioteca-Jose-Nunez-Francois-Ærø.xlsx",
        "effectiveness-Full-Width-A-Rivera.xlsx",
    ]


def test_names_are_safe_on_windows(eff: Template, tmp_path: Path) -> None:
    forbidden = '<>:"/\\|?*'
    rows = [(f"A{c}B", "Rater") for c in forbidden] + [("Tab\tand more", "Dots\x01and\x7fcontrol. . ")]
    names = names_made(eff, tmp_path, rows)
    for name in names:
        stem = name.removesuffix(".xlsx")
        assert not set(name) & set(forbidden) and name.isprintable(), name
        assert stem == stem.rstrip(". "), name
    assert names[-1] == "effectiveness-Tab-and-more-Dots-and-control.xlsx"
    assert len({n.casefold() for n in names}) == len(names)


@pytest.mark.parametrize("reserved", ["CON", "nul", "Com1", "LPT9", "aux"])
def test_reserved_windows_names_are_never_made(reserved: str) -> None:
    name = unique_file_name([reserved], ".xlsx", set())
    assert name.split(".")[0].upper() != reserved.upper() and name.startswith(reserved)


def test_long_names_are_cut_in_bytes_never_inside_a_character(eff: Template, tmp_path: Path) -> None:
    rows = [("図書館" * 40, "図書館" * 26), ("é" * 120, "Zoë" * 26), ("हि" * 60, "हि" * 40)]
    names = names_made(eff, tmp_path, rows)
    for name in names:
        assert len(name.encode("utf-8")) <= MAX_NAME_BYTES and name.endswith(".xlsx")
    assert names[0].startswith("effectiveness-図書館図書館") and names[1].startswith("effectiveness-eeee")
    assert not names[2].removesuffix(".xlsx").endswith("ह")  # a letter is not left without its vowel sign


def test_a_counter_only_on_a_real_clash_ignoring_case(eff: Template, tmp_path: Path) -> None:
    rows = [("Food-Bank", "A. Rivera"), ("food bank", "A. Rivera"), ("Food Bank East", "A. Rivera")]
    assert names_made(eff, tmp_path, rows) == [
        "effectiveness-Food-Bank-A-Rivera.xlsx",
        "effectiveness-food-bank-A-Rivera-2.xlsx",
        "effectiveness-Food-Bank-East-A-Rivera.xlsx",
    ]


# --- names in any encoding -----------------------------------------------------------------------


def undecodable(folder: Path, name: bytes) -> Path:
    """A path whose last part is raw bytes that are not UTF-8, as Python sees it (surrogate-escaped)."""
    return Path(os.fsdecode(os.path.join(os.fsencode(folder), name)))


@pytest.fixture
def inbox(eff: Template, tmp_path: Path) -> Path:
    """A folder of returns: r\\xe9sum\\xe9.xlsx (valid) and a copy of it under another undecodable name."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    made = fill(make_workbook(tmp_path, eff, "made.xlsx", **WHO), valid_effectiveness_values(eff, **WHO))
    shutil.copyfile(made, undecodable(folder, b"r\xe9sum\xe9.xlsx"))
    shutil.copyfile(made, undecodable(folder, b"copie-\xe0.xlsx"))
    return folder


SHOWN = f"r{FFFD}sum{FFFD}.xlsx"
COPY_SHOWN = f"copie-{FFFD}.xlsx"


def test_validate_shows_the_names_and_reads_the_real_files(inbox: Path) -> None:
    before = {p: fingerprint(p) for p in inbox.iterdir()}
    result = run("validate", str(inbox))
    assert result.exit_code == 0, result.output  # an identical copy: the first by name counts, with a warning
    assert f"{inbox}/{SHOWN}: 1 warning" in result.output
    assert f"newer copy from the same rater: {inbox}/{COPY_SHOWN}" in result.output
    assert "\udce9" not in result.output
    assert {p: fingerprint(p) for p in inbox.iterdir()} == before


def test_validate_json_is_valid_utf8(inbox: Path) -> None:
    result = run("validate", str(inbox), "--json")
    report = json.loads(result.output.encode("utf-8"))
    assert sorted(f["file"] for f in report["files"]) == [f"{inbox}/{COPY_SHOWN}", f"{inbox}/{SHOWN}"]
    (dup,) = [p for f in report["files"] for p in f["problems"]]
    assert dup["code"] == "superseded" and dup["context"]["other"] == f"{inbox}/{COPY_SHOWN}"
    assert COPY_SHOWN in dup["message"]
    assert json.loads(json.dumps(validate_paths([inbox]).to_dict(), ensure_ascii=False).encode()) == report


def test_validate_report_names_the_files(inbox: Path, tmp_path: Path) -> None:
    report = tmp_path / "problems.xlsx"
    result = run("validate", str(inbox), "--report", str(report))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(report)
    files = [row[0] for row in wb["Files"].iter_rows(min_row=2, values_only=True)]
    assert sorted(files) == [COPY_SHOWN, SHOWN]
    (problem,) = wb["Problems"].iter_rows(min_row=2, values_only=True)
    assert problem[0] == SHOWN and COPY_SHOWN in problem[6]


@pytest.mark.parametrize("data", ["tidy.csv", "tidy.json"])
def test_compile_writes_the_names_readably(eff: Template, tmp_path: Path, data: str) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    made = fill(make_workbook(tmp_path, eff, "made.xlsx", **WHO), valid_effectiveness_values(eff, **WHO))
    shutil.copyfile(made, undecodable(folder, b"r\xe9sum\xe9.xlsx"))
    out = undecodable(tmp_path, b"comparaison-\xe9.xlsx")
    result = run("compile", str(folder), "-o", str(out), "--data", str(tmp_path / data), "--attributed")
    assert result.exit_code == 0, result.output  # attributed: file names are shown (else keys stand for them)
    assert f"into {tmp_path}/comparaison-{FFFD}.xlsx" in result.output
    wb = openpyxl.load_workbook(out)
    about = [c for row in wb["About"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert f"{folder}/{SHOWN}" in about
    data_files = {row[0] for row in wb["Data"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert f"{folder}/{SHOWN}" in data_files
    text = (tmp_path / data).read_bytes().decode("utf-8-sig")
    if data.endswith(".csv"):
        files = {row[0] for row in csv.reader(io.StringIO(text, newline=""))}
    else:
        files = {row["file"] for row in json.loads(text)}
    assert files >= {f"{folder}/{SHOWN}"}


def test_new_writes_into_a_folder_whose_name_is_not_utf8(eff: Template, tmp_path: Path) -> None:
    roster = roster_of(tmp_path, [("Food Bank", "A. Rivera"), ("Café Amigo", "B. Chen")])
    out = undecodable(tmp_path, b"bo\xeete")
    result = run("new", "effectiveness", "--roster", str(roster), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote 2 workbooks to {tmp_path}/bo{FFFD}te"
    assert sorted(os.listdir(os.fsencode(out))) == [
        b"effectiveness-Cafe-Amigo-B-Chen.xlsx",
        b"effectiveness-Food-Bank-A-Rivera.xlsx",
    ]
    one = undecodable(tmp_path, b"\xe9valuation.xlsx")
    result = run("new", "effectiveness", "--partner", "Food Bank", "-o", str(one))
    assert result.exit_code == 0, result.output
    assert meta_of(one)["partner"] == "Food Bank"
    assert result.output.strip() == f"Wrote {tmp_path}/{FFFD}valuation.xlsx"
