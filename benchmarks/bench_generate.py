"""How fast `partnersheet new effectiveness --roster` is, beside XlsxWriter writing the same cells bare.

Builds a roster of N rows in a temporary folder, times ``write_roster`` for all N personalised
effectiveness workbooks, and in the same run times plain XlsxWriter writing the same sheets and the
same strings at the same positions (no formats, validations, names or protection) to files. Prints
both in milliseconds per workbook and their ratio; the goal is a ratio of at most 1.5.

    python benchmarks/bench_generate.py --count 1000
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
import xlsxwriter

from partnersheet.rounds.roster import RosterRow, read_roster, write_roster
from partnersheet.spec import Template, load_template
from partnersheet.workbook.generate import (
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    META_SHEET,
    WORKBOOK_OPTIONS,
    generate_bytes,
    meta_values,
    workbook_id_for,
)
from partnersheet.workbook.layout import layout_for

GOAL = 1.5
Cells = list[tuple[int, int, str]]


def make_roster(path: Path, count: int) -> Path:
    sides = ("library", "partner")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["partner", "rater", "side", "round", "library"])
        for i in range(count):
            writer.writerow(
                [f"Partner Organization {i}", f"Rater {i % 37}", sides[i % 2], "Spring 2026", "Riverside Library"]
            )
    return path


def sheet_cells(template: Template) -> dict[str, Cells]:
    """Every string the generator writes that does not depend on the row, by sheet, in sheet order.

    Form sheets come from the layout; the Instructions and _lists sheets are read once from a
    generated workbook, so the baseline writes exactly their strings at exactly their positions.
    """
    reference = openpyxl.load_workbook(io.BytesIO(generate_bytes(template)))

    def strings(name: str) -> Cells:
        return [(c.row - 1, c.column - 1, c.value) for row in reference[name].iter_rows() for c in row if c.value]

    sheets = {INSTRUCTIONS_SHEET: strings(INSTRUCTIONS_SHEET)}
    for sl in layout_for(template).sheets:
        sheets[sl.sheet.name] = [(c.row, c.col, c.text) for c in sl.cells if c.text]
    sheets[LISTS_SHEET] = strings(LISTS_SHEET)
    sheets[META_SHEET] = [(0, 0, "key"), (0, 1, "value")]
    return sheets


def bare_writer(template: Template, out: Path) -> Callable[[RosterRow], None]:
    """The baseline: the same cells, per-row identity and _meta included, and nothing else."""
    static = sheet_cells(template)
    identity_cells = {
        sl.sheet.name: [(i.row, i.col, i.field.identity or "") for i in sl.inputs if i.field.identity]
        for sl in layout_for(template).sheets
    }

    def write(row: RosterRow) -> None:
        who = row.who.as_dict()
        wb = xlsxwriter.Workbook(str(out / row.filename), WORKBOOK_OPTIONS)
        for name, cells in static.items():
            ws = wb.add_worksheet(name)
            for r, c, text in cells:
                ws.write_string(r, c, text)
            for r, c, key in identity_cells.get(name, ()):
                if who[key]:
                    ws.write_string(r, c, who[key])
            if name == META_SHEET:
                meta = meta_values(template, row.who, workbook_id_for(template, row.who, row.filename))
                for r, (key, value) in enumerate(meta.items(), start=1):
                    ws.write_string(r, 0, key)
                    ws.write_string(r, 1, value)
        wb.close()

    return write


def race(template: Template, rows: list[RosterRow], tmp: Path) -> tuple[float, float]:
    """Seconds spent by write_roster and by the bare baseline, making one workbook of each in turn.

    Interleaving keeps a change in machine load from favouring whichever side ran first. The time
    write_roster spends before its first file (checking every target) counts towards generate.
    """
    generated, bare = tmp / "generate", tmp / "bare"
    bare.mkdir(parents=True)
    write_bare = bare_writer(template, bare)
    files = write_roster(template, rows, generated)
    spent_generate = spent_bare = 0.0
    gc.collect()
    for row in rows:
        start = time.perf_counter()
        next(files)
        middle = time.perf_counter()
        write_bare(row)
        spent_generate += middle - start
        spent_bare += time.perf_counter() - middle
    assert next(files, None) is None
    assert len(list(generated.iterdir())) == len(list(bare.iterdir())) == len(rows)
    return spent_generate, spent_bare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="workbooks to make (default 1000)")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if the ratio is above {GOAL}")
    args = parser.parse_args(argv)

    template = load_template("effectiveness")
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
        tmp_path = Path(tmp)
        rows = read_roster(template, make_roster(tmp_path / "roster.csv", args.count))
        race(template, rows[:10], tmp_path / "warm-up")  # imports, the cached layout, first workbooks
        spent_generate, spent_bare = race(template, rows, tmp_path / "timed")

    ms_generate, ms_bare = (spent * 1000 / args.count for spent in (spent_generate, spent_bare))
    ratio = ms_generate / ms_bare
    print(f"generate: {ms_generate:.1f} ms/workbook  bare xlsxwriter: {ms_bare:.1f} ms/workbook  ratio: {ratio:.2f}")
    print(f"goal: ratio <= {GOAL} ({'met' if ratio <= GOAL else 'NOT met'})")
    return 1 if args.check and ratio > GOAL else 0


if __name__ == "__main__":
    sys.exit(main())
