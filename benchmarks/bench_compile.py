"""Benchmark `partnersheet compile` against the floor, in the same run.

Builds a corpus of returned effectiveness workbooks (generated, then filled by writing answers
into the sheet XML the way a spreadsheet app stores typed text), then measures, each in its own
subprocess so peak memory is its own:

  floor    resolve each workbook's defined names from xl/workbook.xml, read its cells with
           python-calamine, and write one bare tidy sheet (file, field, value, sheet, cell) with
           XlsxWriter; one process.
  compile  partnersheet.compile.compile_paths (read, validate, compute) + write_comparison (the
           full eight-sheet comparison workbook), as the command runs it.

Prints ms per workbook, the ratio compile / floor and peak memory (ru_maxrss).

    /tmp/venv/bin/python benchmarks/bench_compile.py            # 1,000 workbooks
    /tmp/venv/bin/python benchmarks/bench_compile.py -n 200 --corpus /tmp/corpus --repeat 3
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from xml.sax.saxutils import escape

PARTNERS = 40
NOTES = (
    "Monthly meetings with minutes shared on the drive.",
    "We set the goals together at the spring retreat; =SUM(A1) was typed as text.",
    "+ Joint budget line for the reading program",
    "Not discussed yet.",
)


def _fill_xml(xml: str, answers: dict[str, str | float]) -> str:
    """Put answers into blank input cells: text as inline strings, numbers as values."""
    for ref, value in answers.items():
        pattern = re.compile(rf'<c r="{ref}"( s="\d+")?/>')
        if isinstance(value, str):
            body = f' t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
        else:
            body = f"><v>{value}</v></c>"
        xml, n = pattern.subn(lambda m, body=body, ref=ref: f'<c r="{ref}"{m[1] or ""}{body}', xml, count=1)
        if n != 1:
            raise RuntimeError(f"input cell {ref} not found blank")
    return xml


def make_one(args: tuple[int, str]) -> None:
    index, folder = args
    from xlsxwriter.utility import xl_rowcol_to_cell

    from partnersheet.spec import load_template
    from partnersheet.workbook.generate import Personalisation, generate_bytes
    from partnersheet.workbook.layout import layout_for

    t = load_template("effectiveness")
    rng = random.Random(index)
    side = ("Library", "Partner")[index % 2]
    who = Personalisation(
        partner=f"Community Partner {index % PARTNERS:02d}", rater=f"Rater {index:04d}", side=side, round="Spring 2026"
    )
    data = generate_bytes(t, who)
    positions = layout_for(t).positions
    levels = t.scales["effectiveness"].options
    sheet_parts: dict[str, dict[str, str | float]] = {}
    for f in t.fields:
        if f.identity:
            continue
        sheet, row, col = positions[f.id]
        value: str | float
        if f.type == "rating":
            value = rng.choices(levels, weights=(3, 4, 2, 1, 1))[0]
        elif f.type == "date":
            value = 46096 + rng.randrange(30)  # an Excel date serial in March 2026
        elif f.type == "long_text":
            value = rng.choice(NOTES)
        else:
            value = f"Organization {index % 7}"
        sheet_parts.setdefault(sheet, {})[xl_rowcol_to_cell(row, col)] = value
    names = [s.name for s in t.sheets]
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            for sheet, answers in sheet_parts.items():
                if info.filename == f"xl/worksheets/sheet{names.index(sheet) + 2}.xml":
                    body = _fill_xml(body.decode("utf-8"), answers).encode("utf-8")
            dst.writestr(info, body)
    Path(folder, f"returned_{index:04d}.xlsx").write_bytes(out.getvalue())


def build_corpus(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    have = len(list(folder.glob("returned_*.xlsx")))
    if have == n:
        return
    for old in folder.glob("returned_*.xlsx"):
        old.unlink()
    with ProcessPoolExecutor(min(2, os.cpu_count() or 1)) as pool:
        list(pool.map(make_one, [(i, str(folder)) for i in range(n)], chunksize=25))


# --- the measured runs, each in its own process ------------------------------------------------


def run_floor(corpus: Path, out: Path) -> int:
    import xml.etree.ElementTree as ET

    import xlsxwriter
    from python_calamine import CalamineWorkbook
    from xlsxwriter.utility import xl_cell_to_rowcol

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ref_re = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]+)\$?(\d+)$")
    rows: list[tuple[str, str, object, str, str]] = []
    for path in sorted(corpus.glob("*.xlsx")):
        with zipfile.ZipFile(path) as z:
            root = ET.fromstring(z.read("xl/workbook.xml"))
        names = {}
        for d in root.iter(f"{ns}definedName"):
            m = ref_re.match(d.text or "")
            if m and d.get("name", "").startswith("ps_"):
                sheet = m[1].replace("''", "'") if m[1] is not None else m[2]
                names[d.get("name")] = (sheet, *xl_cell_to_rowcol(m[3] + m[4]), m[3] + m[4])
        book = CalamineWorkbook.from_path(str(path))
        grids: dict[str, list[list[object]]] = {}
        for name, (sheet, r, c, ref) in names.items():
            if sheet not in grids:
                grids[sheet] = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            grid = grids[sheet]
            value = grid[r][c] if r < len(grid) and c < len(grid[r]) else ""
            rows.append((path.name, name[3:], value, sheet, ref))
    wb = xlsxwriter.Workbook(str(out), {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("Data")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                ws.write_string(r, c, value)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value)
            elif value is not None:
                ws.write_string(r, c, str(value))
    wb.close()
    return len(rows)


def run_compile(corpus: Path, out: Path) -> int:
    from partnersheet.compile.core import compile_paths
    from partnersheet.compile.sheets import write_comparison

    comparison = compile_paths([corpus])
    write_comparison(comparison, out, force=True)
    return comparison.tidy_count


def measure(kind: str, corpus: Path) -> dict[str, float]:
    import partnersheet.compile.core
    import partnersheet.compile.sheets  # noqa: F401

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp, f"{kind}.xlsx")
        start = time.perf_counter()
        rows = (run_floor if kind == "floor" else run_compile)(corpus, out)
        seconds = time.perf_counter() - start
        size = out.stat().st_size
    # VmHWM is this process's own peak; ru_maxrss would also carry the parent's peak across exec.
    own = int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text())[1]) / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "rows": rows, "maxrss_mb": own, "children_maxrss_mb": children, "bytes": size}


def in_subprocess(kind: str, corpus: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", kind, "--corpus", str(corpus)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="returned workbooks in the corpus (default 1000)")
    parser.add_argument("--corpus", type=Path, help="folder for the corpus (kept; reused if it has n workbooks)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the fastest counts (default 2)")
    parser.add_argument("--measure", choices=("floor", "compile"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.corpus)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus or Path(tmp, "corpus")
        start = time.perf_counter()
        build_corpus(corpus, args.n)
        n = len(list(corpus.glob("*.xlsx")))
        print(f"corpus: {n} returned effectiveness workbooks in {corpus} ({time.perf_counter() - start:.1f} s)")
        results: dict[str, list[dict[str, float]]] = {"floor": [], "compile": []}
        for _ in range(args.repeat):
            for kind in results:
                results[kind].append(in_subprocess(kind, corpus))
        best = {kind: min(runs, key=lambda r: r["seconds"]) for kind, runs in results.items()}
        for kind, r in best.items():
            memory = f"peak memory {r['maxrss_mb']:.0f} MB"
            if r["children_maxrss_mb"]:
                total = r["maxrss_mb"] + 2 * r["children_maxrss_mb"]
                memory += f" main + 2 x {r['children_maxrss_mb']:.0f} MB workers = {total:.0f} MB"
            print(
                f"{kind:<8} {r['seconds']:6.2f} s  {1000 * r['seconds'] / n:6.2f} ms/workbook  "
                f"{int(r['rows']):>6} tidy rows  {memory}"
            )
        ratio = best["compile"]["seconds"] / best["floor"]["seconds"]
        print(f"ratio compile / floor: {ratio:.2f} (goal: at most 2.0)")


if __name__ == "__main__":
    main()
