"""Benchmark `partnersheet compile` against the floor, in the same run, and its memory at scale.

Builds corpora of returned effectiveness workbooks over four rounds (generated, then filled by
writing answers into the sheet XML the way a spreadsheet app stores typed text; each rater rates
one partnership in every round), then measures, each in its own subprocess:

  floor    resolve each workbook's defined names from xl/workbook.xml, read its cells with
           python-calamine, and write one bare tidy sheet (file, field, value, sheet, cell) with
           XlsxWriter; one process.
  compile  partnersheet.compile.compile_to (read, validate, compute, trends, and the full
           comparison workbook written to disk), as the command runs it, with its worker processes.

Floor and compile take turns (each first in every other turn), ``--repeat`` runs each, and the
fastest of each counts: a shared machine's speed drifts by a fifth or more between runs, and
unevenly for one process (the floor) and two (compile's readers). Prints ms per workbook and the
ratio compile / floor for ``-n`` workbooks (goal: at most 1.5), then the peak memory of the whole
process tree (the compile and its workers, their resident memory summed, sampled every 20 ms)
compiling ``--memory-n`` workbooks (goal: at most 300 MB).

    .venv/bin/python benchmarks/bench_compile.py                      # 1,000, then 10,000 for memory
    .venv/bin/python benchmarks/bench_compile.py -n 200 --memory-n 0 --corpus /tmp/corpus --repeat 3
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from xml.sax.saxutils import escape

PARTNERS = 40
ROUNDS = (("Spring 2026", 46122), ("Fall 2026", 46310), ("Spring 2027", 46487), ("Fall 2027", 46675))
"""Four rounds with an Excel date serial each (mid-April and mid-October)."""
RATIO_GOAL, MEMORY_GOAL_MB = 1.5, 300
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
    rater, (round_, serial) = index // len(ROUNDS), ROUNDS[index % len(ROUNDS)]
    side = ("Library", "Partner")[rater % 2]
    who = Personalisation(
        partner=f"Community Partner {rater % PARTNERS:02d}", rater=f"Rater {rater:05d}", side=side, round=round_
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
            value = serial + rng.randrange(21)  # an Excel date serial in the round's weeks
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
    Path(folder, f"returned_{index:05d}.xlsx").write_bytes(out.getvalue())


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
    from partnersheet.compile.run import compile_to

    result = compile_to([corpus], out, force=True)
    return result.comparison.tidy_count


def measure(kind: str, corpus: Path) -> dict[str, float]:
    import partnersheet.compile.run  # noqa: F401

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


def _tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and every process below it, summed (kB), from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        ppid = re.search(r"PPid:\s+(\d+)", status)
        found = re.search(r"VmRSS:\s+(\d+)", status)
        parents[pid] = int(ppid[1]) if ppid else 0
        rss[pid] = int(found[1]) if found else 0
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    return sum(rss.get(pid, 0) for pid in tree)


def in_subprocess(kind: str, corpus: Path) -> dict[str, float]:
    """Run one measurement in its own process, sampling the memory of its whole process tree."""
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--measure", kind, "--corpus", str(corpus)], stdout=out, text=True
        )
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.02)
        if proc.returncode:
            raise SystemExit(f"{kind} failed with exit code {proc.returncode}")
        out.seek(0)
        result = json.loads(out.read().strip().splitlines()[-1])
    result["tree_peak_mb"] = max(peak / 1024, result["maxrss_mb"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="workbooks for the ratio to the floor (default 1000)")
    parser.add_argument(
        "--memory-n", type=int, default=10_000, help="workbooks for the peak memory of compile (default 10000; 0: skip)"
    )
    parser.add_argument("--corpus", type=Path, help="folder for the corpora (kept; reused when the count matches)")
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of each, taking turns; the fastest of each counts (default 5)"
    )
    parser.add_argument("--measure", choices=("floor", "compile"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.corpus)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = args.corpus or Path(tmp, "corpus")
        corpus = base / str(args.n)
        start = time.perf_counter()
        build_corpus(corpus, args.n)
        n = len(list(corpus.glob("*.xlsx")))
        print(
            f"corpus: {n} returned effectiveness workbooks over {len(ROUNDS)} rounds in {corpus} "
            f"({time.perf_counter() - start:.1f} s)"
        )
        results: dict[str, list[dict[str, float]]] = {"floor": [], "compile": []}
        for turn in range(args.repeat):
            for kind in ("floor", "compile") if turn % 2 == 0 else ("compile", "floor"):  # neither always first
                results[kind].append(in_subprocess(kind, corpus))
        best = {kind: min(runs, key=lambda r: r["seconds"]) for kind, runs in results.items()}
        for kind, r in best.items():
            print(
                f"{kind:<8} {r['seconds']:6.2f} s  {1000 * r['seconds'] / n:6.2f} ms/workbook  "
                f"{int(r['rows']):>7} tidy rows  peak memory of the process tree {r['tree_peak_mb']:.0f} MB"
            )
        pairs = list(zip(*results.values(), strict=True))
        turns = ", ".join(f"{f['seconds']:.2f}/{c['seconds']:.2f}" for f, c in pairs)
        paired = statistics.median(c["seconds"] / f["seconds"] for f, c in pairs)
        print(f"every turn, floor/compile seconds: {turns} (median of the turns' own ratios: {paired:.2f})")
        ratio = best["compile"]["seconds"] / best["floor"]["seconds"]
        print(f"ratio compile / floor for {n} workbooks, fastest to fastest: {ratio:.2f} (goal: at most {RATIO_GOAL})")
        if args.memory_n:
            big = base / str(args.memory_n)
            start = time.perf_counter()
            build_corpus(big, args.memory_n)
            print(f"corpus: {args.memory_n} workbooks in {big} ({time.perf_counter() - start:.1f} s)")
            r = in_subprocess("compile", big)
            print(
                f"compile  {r['seconds']:6.2f} s  {1000 * r['seconds'] / args.memory_n:6.2f} ms/workbook  "
                f"{int(r['rows']):>7} tidy rows  {r['bytes'] / 1e6:.0f} MB written"
            )
            print(
                f"peak memory of the whole process tree for {args.memory_n} workbooks: {r['tree_peak_mb']:.0f} MB "
                f"(goal: at most {MEMORY_GOAL_MB} MB; main process alone {r['maxrss_mb']:.0f} MB)"
            )


if __name__ == "__main__":
    main()
