"""Reading that one file cannot knock over: far stray cells, text outside the form, dying workers.

A stray value far out on a sheet (XFD1048576, or in the hidden ``_meta`` sheet) made
python-calamine allocate the whole used range: hundreds of GB, and the process aborted. These
tests read such files in a child process under a memory limit, so the old behaviour fails the
test instead of killing pytest, and they check what a person would see: the same answers as the
clean file, and one warning naming the sheet and the cell that was not read.
"""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import WHO, covers, fill, make_workbook, rewrite_parts, sheet_part, valid_effectiveness_values

from partnersheet.compile.core import compile_batch, tidy_json
from partnersheet.compile.sheets import write_comparison
from partnersheet.intake import pool as pool_module
from partnersheet.intake.read import Submission, read_submission
from partnersheet.intake.validate import read_many, validate_paths
from partnersheet.spec import Template, load_template
from partnersheet.workbook.generate import generate_bytes, personalise

MEMORY_LIMIT = 1_500_000_000  # bytes of address space for the child that reads a hostile file
CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from partnersheet.intake.read import read_submission
r = read_submission(sys.argv[1])
out = {{"kind": type(r).__name__, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}
if hasattr(r, "values"):
    out["values"] = {{k: [str(v.value), v.sheet, v.cell] for k, v in r.values.items()}}
    out["problems"] = [[p.code, p.severity, p.sheet, p.cell, p.message] for p in r.problems]
else:
    out["problems"] = [[r.problem.code, r.problem.severity, "", "", r.problem.message]]
print(json.dumps(out))
"""


def read_in_child(path: Path) -> dict[str, Any]:
    """Read ``path`` in a fresh interpreter limited to MEMORY_LIMIT; its result as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(limit=MEMORY_LIMIT), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"the reader died (exit {done.returncode}): {done.stderr[-800:]}"
    return json.loads(done.stdout)


def filled(tmp_path: Path, eff: Template, name: str = "filled.xlsx", **who: str) -> Path:
    who = who or WHO
    return fill(make_workbook(tmp_path, eff, name, **who), valid_effectiveness_values(eff, **who))


def add_cell(path: Path, sheet: str, ref: str, xml: str, out: Path) -> Path:
    """Add one cell at ``ref`` in its own row at the end of a sheet's XML (zip surgery, nothing else)."""
    row = "".join(ch for ch in ref if ch.isdigit())

    def put(data: bytes) -> bytes:
        cell = f'<row r="{row}"><c r="{ref}" {xml}</c></row>'.encode()
        return data.replace(b"</sheetData>", cell + b"</sheetData>")

    return rewrite_parts(path, {sheet_part(path, sheet): put}, out)


EMPTY_STRING = 't="inlineStr"><is><t></t></is>'
SOME_TEXT = 't="inlineStr"><is><t>oops</t></is>'


@covers("far-value")
@pytest.mark.parametrize(
    ("sheet", "ref", "xml"),
    [
        ("Rubric", "XFD1048576", SOME_TEXT),
        ("Rubric", "XFD1048576", EMPTY_STRING),
        ("_meta", "XFD1048576", EMPTY_STRING),
        ("Rubric", "Z1048576", SOME_TEXT),
        ("Instructions", "XFD1", SOME_TEXT),
    ],
    ids=["text-XFD", "empty-string-XFD", "meta-XFD", "column-Z-last-row", "instructions-far-right"],
)
def test_a_value_far_outside_the_form_is_one_warning_and_never_loaded(
    tmp_path: Path, eff: Template, sheet: str, ref: str, xml: str
) -> None:
    clean = filled(tmp_path, eff)
    hostile = add_cell(clean, sheet, ref, xml, tmp_path / "hostile.xlsx")
    assert hostile.stat().st_size < 40_000  # a small file...

    result = read_in_child(hostile)  # ...that must not cost gigabytes
    assert result["kind"] == "Submission", result
    assert result["rss_kb"] < 400_000
    expected = read_in_child(clean)["values"]
    assert result["values"] == expected  # every answer as in the clean file
    ((code, severity, where, cell, message),) = result["problems"]
    assert (code, severity, where, cell) == ("far-value", "warning", sheet, ref)
    assert message.startswith(f"a value far outside the form at {ref} was not read (1 cell beyond ")


def test_far_cells_that_are_only_formatted_are_not_reported(tmp_path: Path, eff: Template) -> None:
    """A formatted but empty cell far away (a whole row styled) holds nothing: no warning, no cost."""
    clean = filled(tmp_path, eff)
    styled = add_cell(clean, "Rubric", "XFD1048576", 's="1">', tmp_path / "styled.xlsx")
    result = read_in_child(styled)
    assert result["kind"] == "Submission" and result["problems"] == []


def test_far_cells_without_references_are_found_by_counting(tmp_path: Path, eff: Template) -> None:
    """Cells may omit ``r``: they follow the previous one. A row far down is still far."""
    clean = filled(tmp_path, eff)

    def put(data: bytes) -> bytes:
        row = b'<row r="900000"><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c></row>'
        return data.replace(b"</sheetData>", row + b"</sheetData>")

    hostile = rewrite_parts(clean, {sheet_part(clean, "Rubric"): put}, tmp_path / "norefs.xlsx")
    result = read_in_child(hostile)
    assert result["kind"] == "Submission"
    far = [p for p in result["problems"] if p[0] == "far-value"]
    assert [(p[2], p[3]) for p in far] == [("Rubric", "A900000")]
    assert "2 cells" in far[0][4]


@covers("stray-value")
def test_text_typed_outside_the_answer_cells_is_a_warning_and_reaches_the_data_sheet(
    tmp_path: Path, eff: Template
) -> None:
    path = filled(tmp_path, eff)
    wb = openpyxl.load_workbook(path)
    ws = wb["Rubric"]
    ws["F20"] = "Call Maria about the budget"  # a note typed in the margin, right of the form
    ws["C11"] = "We met twice this term"  # and one on the empty row that separates two parts of it
    wb.save(path)
    wb.close()

    sub = read_submission(path)
    assert isinstance(sub, Submission)
    strays = [(p.code, p.severity, p.sheet, p.cell, p.value) for p in sub.problems]
    assert strays == [
        ("stray-value", "warning", "Rubric", "C11", "We met twice this term"),
        ("stray-value", "warning", "Rubric", "F20", "Call Maria about the budget"),
    ]
    assert "C11" in sub.problems[0].message and "Data sheet" in sub.problems[0].hint

    batch = validate_paths([path])
    assert batch.valid  # warnings only
    comparison = compile_batch(batch)
    rows = json.loads(tidy_json(comparison))
    outside = [(r["field_id"], r["field_label"], r["cell"], r["value_as_typed"]) for r in rows if not r["field_id"]]
    assert outside == [
        ("", "(outside the form)", "C11", "We met twice this term"),
        ("", "(outside the form)", "F20", "Call Maria about the budget"),
    ]
    out = tmp_path / "comparison.xlsx"
    write_comparison(comparison, out)
    data = openpyxl.load_workbook(out, read_only=True)["Data"]
    seen = [tuple(r) for r in data.iter_rows(values_only=True)]
    header = seen[0]
    cell_col, label_col, typed_col = header.index("Cell"), header.index("Field"), header.index("Value as typed")
    assert ("F20", "(outside the form)", "Call Maria about the budget") in {
        (r[cell_col], r[label_col], r[typed_col]) for r in seen[1:]
    }


# --- a batch survives one file -------------------------------------------------------------------


def good_returns(folder: Path, n: int) -> list[Path]:
    """``n`` complete, valid returns from different raters.

    Drawn once by the real generator with placeholder tokens for the rater and workbook id, then
    stamped per rater the way ``workbook/stamp.py`` personalises blank workbooks (a full draw per
    workbook would take most of a minute for a thousand).
    """
    eff = load_template("effectiveness")
    folder.mkdir(parents=True, exist_ok=True)
    tokens = WHO | {"rater": "RATERTOKEN"}
    master = generate_bytes(
        eff, personalise(eff, tokens), workbook_id="IDTOKEN", answers=valid_effectiveness_values(eff, **tokens)
    )
    with zipfile.ZipFile(io.BytesIO(master)) as zf:
        parts = [(info, zf.read(info.filename)) for info in zf.infolist()]
    made = []
    for i in range(n):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for info, body in parts:
                body = body.replace(b"RATERTOKEN", f"Rater {i:04d}".encode())
                zf.writestr(info, body.replace(b"IDTOKEN", f"id-{i:04d}".encode()))
        path = folder / f"return-{i:04d}.xlsx"
        path.write_bytes(out.getvalue())
        made.append(path)
    return made


def hostile_return(folder: Path) -> Path:
    """A valid return with a stray value at XFD1048576 on its form and an empty string far out in _meta."""
    eff = load_template("effectiveness")
    who = WHO | {"rater": "Hostile Harry"}
    base = folder / "base.tmp"
    base.write_bytes(generate_bytes(eff, personalise(eff, who), answers=valid_effectiveness_values(eff, **who)))
    step = add_cell(base, "Rubric", "XFD1048576", SOME_TEXT, folder / "step.tmp")
    out = add_cell(step, "_meta", "XFD1048576", EMPTY_STRING, folder / "zz-hostile.xlsx")
    base.unlink()
    step.unlink()
    return out


def _batch_in_numbers(folder: Path, n_good: int) -> tuple[float, int]:
    start = time.perf_counter()
    batch = validate_paths([folder])
    comparison = compile_batch(batch)
    write_comparison(comparison, folder.parent / "comparison.xlsx")
    seconds = time.perf_counter() - start
    rss = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    hostile = str(folder / "zz-hostile.xlsx")
    assert batch.stats()["files"] == n_good + 1
    report = next(f for f in batch.files if f.file == hostile)
    assert report.status == "valid"  # its answers are fine; the far values are warnings naming it
    assert {(p.code, p.sheet, p.cell) for p in report.problems} == {
        ("far-value", "Rubric", "XFD1048576"),
        ("far-value", "_meta", "XFD1048576"),
    }
    assert all(f.problems == [] for f in batch.files if f.file != hostile)
    assert comparison.compiled == n_good + 1 and not comparison.excluded
    (instrument,) = comparison.instruments
    assert sum(p.raters for p in instrument.partnerships) == n_good + 1
    return seconds, rss


def test_two_hundred_returns_and_one_hostile_file_validate_and_compile(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    good_returns(folder, 200)
    hostile_return(folder)
    seconds, rss_kb = _batch_in_numbers(folder, 200)
    print(f"\n201 returns (1 hostile): validate + compile + write in {seconds:.1f} s, peak RSS {rss_kb // 1024} MB")
    assert seconds < 60 and rss_kb < 1_000_000


@pytest.mark.slow
def test_a_thousand_returns_and_one_hostile_file_validate_and_compile(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    good_returns(folder, 1000)
    hostile_return(folder)
    seconds, rss_kb = _batch_in_numbers(folder, 1000)
    print(f"\n1001 returns (1 hostile): validate + compile + write in {seconds:.1f} s, peak RSS {rss_kb // 1024} MB")
    assert seconds < 60 and rss_kb < 1_500_000


def _dies_on_poison(path: Path, templates: Any = None) -> Any:
    """read_submission, except that a file named poison kills the process reading it (as the OOM killer would)."""
    if Path(path).name.startswith("poison"):
        os.kill(os.getpid(), signal.SIGKILL)
    return read_submission(path, templates)


@covers("reader-crashed")
def test_a_file_that_kills_its_reader_costs_only_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers are forked, so they read through the patched function; the parent never calls it for poison."""
    folder = tmp_path / "inbox"
    good = good_returns(folder, 60)
    poison = folder / "poison.xlsx"
    poison.write_bytes(good[0].read_bytes())
    monkeypatch.setattr(pool_module, "read_submission", _dies_on_poison)
    files = [*good[:30], poison, *good[30:]]

    results = {r.file: r for r in read_many(files, workers=2)}
    assert set(results) == set(map(str, files))  # every file has its result, none lost
    crashed = results[str(poison)]
    assert not isinstance(crashed, Submission)
    assert (crashed.problem.code, crashed.problem.severity, crashed.problem.file) == (
        "reader-crashed",
        "error",
        str(poison),
    )
    assert crashed.sha256  # named and fingerprinted like any other file
    assert all(isinstance(results[str(p)], Submission) for p in good)
