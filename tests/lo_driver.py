"""Drive a running headless LibreOffice through UNO, the way a person would use Calc.

Run with Debian's interpreter, the only one that can ``import uno``; pytest never imports this::

    /usr/bin/python3 tests/lo_driver.py --pipe NAME --job job.json [--timeout 120]
    /usr/bin/python3 tests/lo_driver.py --pipe NAME --ping [--timeout 60]
    /usr/bin/python3 tests/lo_driver.py --pipe NAME --terminate

A job is one document and a list of steps, done in order::

    {"open": "/abs/in.xlsx",
     "steps": [
       {"op": "type", "sheet": "Rubric", "cell": "C5", "text": "Effective"},
       {"op": "unprotect", "sheet": "Rubric"},
       {"op": "insert_rows", "sheet": "Rubric", "row": 1, "count": 3},
       {"op": "rename_sheet", "sheet": "Rubric", "name": "My rubric"},
       {"op": "sort", "sheet": "Rubric", "range": "C17:D19", "by": 1, "ascending": false},
       {"op": "pause", "seconds": 2},
       {"op": "save", "path": "/abs/out.xlsx"},
       {"op": "save", "path": "/abs/out.ods"}]}

Typing moves to the cell with ``.uno:GoToCell`` and enters the text with ``.uno:EnterString``, as
a person typing into the cell: Calc recognises numbers, dates and formulas itself. (Selecting cells
with ``controller.select()`` in a loop has crashed the nogui build, so it is not used.) ``save``
picks the filter from the suffix: .xlsx "Calc MS Excel 2007 XML", .ods "calc8".

The result is one JSON object on stdout: for each typed cell what Calc holds (its formula bar text
and cell type), the sheet names and where the ``ps_`` names point after the steps. Errors go to
stderr with exit code 1; a hang is cut off after ``--timeout`` seconds by a watchdog thread that
prints where it hung and exits with code 1.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import json
import sys
import time
from pathlib import Path
from typing import Any

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

FILTERS = {".xlsx": "Calc MS Excel 2007 XML", ".ods": "calc8"}
CELL_TYPES = {"EMPTY": "empty", "VALUE": "value", "TEXT": "text", "FORMULA": "formula"}


def prop(name: str, value: Any) -> PropertyValue:
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(pipe: str, timeout: float) -> Any:
    """The remote component context, retrying while soffice is still starting."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if time.monotonic() > deadline:
                raise SystemExit(f"lo_driver: no LibreOffice on pipe {pipe!r} after {timeout:.0f}s") from None
            time.sleep(0.25)


class Session:
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.smgr = ctx.ServiceManager
        self.desktop = self.smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        self.dispatcher = self.smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
        self.doc: Any = None

    def open(self, path: str) -> None:
        url = uno.systemPathToFileUrl(str(Path(path).resolve()))
        # Hidden: the nogui build crashes on visible documents. A hidden document still has a frame
        # and a controller, so the dispatcher works on it as on a window.
        args = (prop("Hidden", True), prop("ReadOnly", False))
        self.doc = self.desktop.loadComponentFromURL(url, "_blank", 0, args)
        if self.doc is None:
            raise RuntimeError(f"LibreOffice could not open {path}")

    @property
    def controller(self) -> Any:
        return self.doc.getCurrentController()

    def dispatch(self, command: str, **args: Any) -> None:
        frame = self.controller.getFrame()
        self.dispatcher.executeDispatch(frame, command, "", 0, tuple(prop(k, v) for k, v in args.items()))

    def sheet(self, name: str) -> Any:
        sheets = self.doc.getSheets()
        if not sheets.hasByName(name):
            raise RuntimeError(f"no sheet {name!r}; the workbook has {list(sheets.getElementNames())}")
        return sheets.getByName(name)

    def go_to(self, sheet_name: str, cell: str) -> None:
        """Activate the sheet and move the cursor to the cell, then check it landed there."""
        sheet = self.sheet(sheet_name)
        self.controller.setActiveSheet(sheet)
        self.dispatch(".uno:GoToCell", ToPoint=cell)
        here = self.controller.getSelection().getRangeAddress()
        target = sheet.getCellRangeByName(cell).getRangeAddress()
        got = (here.Sheet, here.StartRow, here.StartColumn, here.EndRow, here.EndColumn)
        want = (target.Sheet, target.StartRow, target.StartColumn, target.EndRow, target.EndColumn)
        if got != want:
            raise RuntimeError(f"GoToCell {sheet_name}!{cell} landed on {got}, not {want}")

    def type_text(self, step: dict[str, Any]) -> dict[str, Any]:
        self.go_to(step["sheet"], step["cell"])
        self.dispatch(".uno:EnterString", StringName=step["text"])
        cell = self.sheet(step["sheet"]).getCellRangeByName(step["cell"])
        return {
            "sheet": step["sheet"],
            "cell": step["cell"],
            "typed": step["text"],
            "formula_bar": cell.getFormula(),
            "type": CELL_TYPES.get(cell.getType().value, cell.getType().value),
        }

    def insert_rows(self, step: dict[str, Any]) -> dict[str, Any]:
        """Select whole rows from ``row`` (1-based), ``count`` of them, and Insert Rows Above."""
        first, count = int(step.get("row", 1)), int(step.get("count", 1))
        sheet = self.sheet(step["sheet"])
        before = self._used_rows(sheet)
        self.go_to(step["sheet"], f"A{first}:A{first + count - 1}")
        self.dispatch(".uno:InsertRows")
        after = self._used_rows(sheet)
        if after != before + count:
            raise RuntimeError(
                f"Insert Rows on {step['sheet']!r} did not add {count} rows (used rows {before} -> {after});"
                " is the sheet still protected?"
            )
        return {"sheet": step["sheet"], "inserted": count, "used_rows": [before, after]}

    @staticmethod
    def _used_rows(sheet: Any) -> int:
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        return cursor.getRangeAddress().EndRow + 1

    def unprotect(self, step: dict[str, Any]) -> dict[str, Any]:
        """Tools > Protect Sheet, off: our form sheets are protected without a password."""
        sheet = self.sheet(step["sheet"])
        sheet.unprotect(step.get("password", ""))
        return {"sheet": step["sheet"], "protected": sheet.isProtected()}

    def rename_sheet(self, step: dict[str, Any]) -> dict[str, Any]:
        sheet = self.sheet(step["sheet"])
        sheet.setName(step["name"])
        return {"sheet": step["sheet"], "name": sheet.getName()}

    def sort(self, step: dict[str, Any]) -> dict[str, Any]:
        """Data > Sort on a cell range (``range`` like "C17:D19") by one of its columns.

        ``by`` is the 0-based column within the range, ``ascending`` the order. Calc's own sort
        (``XSortable``): it moves the cells' contents and leaves named ranges where they were.
        The sheet must be unprotected first, as a person must.
        """
        cells = self.sheet(step["sheet"]).getCellRangeByName(step["range"])
        key = uno.createUnoStruct("com.sun.star.table.TableSortField")
        key.Field = int(step.get("by", 0))
        key.IsAscending = bool(step.get("ascending", True))
        key.IsCaseSensitive = False
        descriptor = cells.createSortDescriptor()
        for p in descriptor:
            if p.Name == "SortFields":
                p.Value = uno.Any("[]com.sun.star.table.TableSortField", (key,))
            elif p.Name in ("ContainsHeader", "IsSortColumns"):
                p.Value = False
        uno.invoke(cells, "sort", (descriptor,))
        return {"sheet": step["sheet"], "range": step["range"], "after": [list(r) for r in cells.getDataArray()]}

    def pause(self, step: dict[str, Any]) -> dict[str, Any]:
        """Leave LibreOffice idle for a while, as a person reading the next question does."""
        time.sleep(float(step.get("seconds", 1)))
        return {"paused": step.get("seconds", 1)}

    def save(self, step: dict[str, Any]) -> dict[str, Any]:
        path = Path(step["path"]).resolve()
        flt = step.get("filter") or FILTERS.get(path.suffix.lower())
        if flt is None:
            raise RuntimeError(f"no filter known for {path.suffix!r}; give one of {sorted(FILTERS)} or 'filter'")
        self.doc.storeToURL(uno.systemPathToFileUrl(str(path)), (prop("FilterName", flt), prop("Overwrite", True)))
        return {"path": str(path), "filter": flt, "bytes": path.stat().st_size}

    def names(self) -> dict[str, str]:
        ranges = self.doc.NamedRanges
        return {n: ranges.getByName(n).getContent() for n in ranges.getElementNames() if n.startswith("ps_")}

    def close(self) -> None:
        doc, self.doc = self.doc, None
        if doc is None:
            return
        try:
            doc.close(True)
        except Exception:  # closing already, or LibreOffice is gone: let the first error speak
            with contextlib.suppress(Exception):
                doc.dispose()

    def version(self) -> str:
        provider = self.smgr.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider", self.ctx)
        args = (prop("nodepath", "/org.openoffice.Setup/Product"),)
        node = provider.createInstanceWithArguments("com.sun.star.configuration.ConfigurationAccess", args)
        return f"{node.getByName('ooName')} {node.getByName('ooSetupVersionAboutBox')}"


STEPS = {
    "type": "type_text",
    "insert_rows": "insert_rows",
    "unprotect": "unprotect",
    "rename_sheet": "rename_sheet",
    "sort": "sort",
    "pause": "pause",
}


def run_job(session: Session, job: dict[str, Any]) -> dict[str, Any]:
    session.open(job["open"])
    result: dict[str, Any] = {"typed": [], "steps": [], "saved": []}
    try:
        for number, step in enumerate(job.get("steps", []), start=1):
            op = step.get("op")
            if op != "save" and op not in STEPS:
                raise RuntimeError(f"step {number}: unknown op {op!r}; known: {[*STEPS, 'save']}")
            try:
                if op == "save":
                    result["saved"].append(session.save(step))
                else:
                    done = getattr(session, STEPS[op])(step)
                    result["typed" if op == "type" else "steps"].append(done)
            except Exception as exc:
                raise RuntimeError(f"step {number} of {job['open']}: {step}: {exc}") from exc
        result["sheets"] = list(session.doc.getSheets().getElementNames())
        result["names"] = session.names()
    finally:
        session.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipe", required=True, help="pipe name soffice was started with (--accept=pipe,name=...)")
    parser.add_argument("--job", type=Path, help="JSON job file: one document and its steps")
    parser.add_argument("--ping", action="store_true", help="only wait until LibreOffice answers")
    parser.add_argument("--terminate", action="store_true", help="ask LibreOffice to quit")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before giving up (default 120)")
    parser.add_argument(
        "--connect-timeout", type=float, help="seconds to keep trying to connect (default: most of --timeout)"
    )
    args = parser.parse_args(argv)
    # A watchdog thread: if anything below blocks (a dialog, a dead bridge), print where and exit.
    faulthandler.dump_traceback_later(args.timeout, exit=True)
    ctx = connect(args.pipe, args.connect_timeout or args.timeout * 0.8)
    session = Session(ctx)
    if args.ping:
        out: dict[str, Any] = {"ok": True, "version": session.version()}
    elif args.terminate:
        with contextlib.suppress(Exception):  # the bridge drops as LibreOffice quits: that is success
            session.desktop.terminate()
        out = {"ok": True}
    elif args.job is not None:
        out = {"ok": True, **run_job(session, json.loads(args.job.read_text(encoding="utf-8")))}
    else:
        parser.error("give --job, --ping or --terminate")
    json.dump(out, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    sys.stdout.flush()
    faulthandler.cancel_dump_traceback_later()
    return 0


if __name__ == "__main__":
    sys.exit(main())
