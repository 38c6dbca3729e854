"""How fast `partnersheet validate` reads and checks returned workbooks, beside python-calamine's raw read.

Builds N filled, personalised effectiveness workbooks in a temporary folder: a handful are generated
and filled with openpyxl (standing in for people typing), and each of the N files is a copy of one of
them with its own rater and workbook id, so every file is a distinct, valid submission. Then, in the
same run, times:

  (a) validate_paths(folder)              the library, workers chosen automatically
  (b) validate_paths(folder, workers=1)   the library in one process
  (c) the raw floor                       python-calamine opening each file and to_python() on every sheet

and prints milliseconds per workbook (wall clock and CPU, the best of --repeat interleaved runs) and
the ratio (a)/(c); the goal is at most 3.

    python benchmarks/bench_validate.py --count 1000
    python benchmarks/bench_validate.py --count 300 --profile     # cProfile of (b), top 25 by own time
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from partnersheet.intake.validate import validate_paths
from partnersheet.spec import Template, load_template
from partnersheet.workbook.generate import Personalisation, generate_bytes

GOAL = 3.0
HANDFUL = 8
RATER_MARK = "Rater #000000"  # same length as the per-file rater that replaces it
ID_MARK = "00000000-0000-4000-8000-000000000000"
NAMESPACE = uuid.UUID("0b6a3e53-4c38-4f2e-9a52-0d2f0c1d9e77")


def answers(template: Template, k: int) -> dict[str, object]:
    """A complete, valid set of answers; ratings and wording vary with k."""
    values: dict[str, object] = {}
    for f in template.fields:
        if f.identity:
            continue
        if f.type == "rating":
            options = template.options(f)
            values[f.id] = options[(k + len(values)) % len(options)]
        elif f.type == "date":
            values[f.id] = f"2026-03-{10 + k:02d}"
        elif f.type in ("short_text", "long_text"):
            values[f.id] = f"{f.label} (respondent {k})"[: f.max_length or None]
    return values


def filled_base(template: Template, k: int) -> bytes:
    who = Personalisation(
        library="Riverside Library",
        partner=f"Partner Organization {k}",
        rater=RATER_MARK,
        side="Library",
        round="Spring 2026",
    )
    wb = openpyxl.load_workbook(io.BytesIO(generate_bytes(template, who, workbook_id=ID_MARK)))
    for field_id, value in answers(template, k).items():
        ((sheet, ref),) = wb.defined_names[f"ps_{field_id}"].destinations
        wb[sheet][ref.replace("$", "")] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def personalised_copy(base: bytes, i: int) -> bytes:
    """The base workbook with its own rater and workbook id in every part that carries them."""
    rater = f"Rater #{i:06d}".encode()
    workbook_id = str(uuid.uuid5(NAMESPACE, str(i))).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if b"#000000" in data or ID_MARK.encode() in data:
                data = data.replace(RATER_MARK.encode(), rater).replace(ID_MARK.encode(), workbook_id)
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def build(folder: Path, count: int) -> list[Path]:
    template = load_template("effectiveness")
    bases = [filled_base(template, k) for k in range(HANDFUL)]
    paths = []
    for i in range(count):
        path = folder / f"returned-{i:05d}.xlsx"
        path.write_bytes(personalised_copy(bases[i % HANDFUL], i))
        paths.append(path)
    return paths


def calamine_floor(paths: list[Path]) -> int:
    """Open each file with python-calamine and read every sheet's values: the least a reader must do."""
    cells = 0
    for path in paths:
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            cells += sum(len(row) for row in wb.get_sheet_by_name(name).to_python())
    return cells


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """Wall-clock seconds, CPU seconds (this process and any worker processes it waited for), result."""
    gc.collect()
    before, start = os.times(), time.perf_counter()
    result = fn()
    wall, after = time.perf_counter() - start, os.times()
    cpu = sum(getattr(after, k) - getattr(before, k) for k in ("user", "system", "children_user", "children_system"))
    return wall, cpu, result


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="workbooks to build and validate (default 1000)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="time each of (a), (b), (c) this many times, interleaved; keep the best"
    )
    parser.add_argument("--profile", action="store_true", help="also profile validate_paths(workers=1)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")

    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        folder = Path(tmp)
        built, _, paths = timed(lambda: build(folder, args.count))
        print(f"built {args.count} filled workbooks in {built:.1f} s ({os.cpu_count()} cores)", file=sys.stderr)

        warm = paths[: min(20, len(paths))]
        calamine_floor(warm)
        validate_paths(warm, workers=1)

        load_before = _load()
        best: dict[str, tuple[float, float]] = {}
        for _ in range(max(1, args.repeat)):  # interleaved, so a burst of load elsewhere hits all three alike
            for key, fn in (
                ("auto", lambda: validate_paths([folder])),
                ("one", lambda: validate_paths([folder], workers=1)),
                ("raw", lambda: calamine_floor(paths)),
            ):
                wall, cpu, result = timed(fn)
                if key == "auto":
                    batch_auto = result
                elif key == "one":
                    batch_one = result
                else:
                    cells = result
                best[key] = min(best.get(key, (wall, cpu)), (wall, cpu))
        (t_auto, cpu_auto), (t_one, cpu_one), (t_raw, cpu_raw) = best["auto"], best["one"], best["raw"]

        for batch in (batch_auto, batch_one):
            stats = batch.stats()  # type: ignore[attr-defined]
            if stats["files"] != args.count or stats["valid"] != args.count:
                print(f"unexpected result: {stats}", file=sys.stderr)
                return 1

        n = args.count
        print(f"workbooks: {n} ({int(cells) // n} cells each, all valid), best of {args.repeat} interleaved runs")
        print(f"machine load average (1 min) before/after timing: {load_before:.1f} / {_load():.1f}")
        print("                                     wall ms/workbook   CPU ms/workbook")
        for label, wall, cpu in (
            ("(a) validate_paths, auto workers", t_auto, cpu_auto),
            ("(b) validate_paths, workers=1   ", t_one, cpu_one),
            ("(c) python-calamine raw read    ", t_raw, cpu_raw),
        ):
            print(f"{label}     {1000 * wall / n:8.2f}          {1000 * cpu / n:8.2f}")
        ratio = t_auto / t_raw
        verdict = "meets" if ratio <= GOAL else "misses"
        print(f"ratio (a)/(c): {ratio:.2f} ({verdict} the goal of <= {GOAL:g});  (b)/(c): {t_one / t_raw:.2f}")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            validate_paths([folder], workers=1)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
