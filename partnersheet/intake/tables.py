"""Table rows read as records: each column by the header above it, each row by its number.

A table section (``layout = "table"``) writes a header row and, in its first column, the number of
each row. Sorting a table's rows as a whole moves the numbers with the values, while the cells'
defined names stay put (DESIGN fact 16). A table row is a record, so sorting is fine: each record
is read from the row that carries its number, all its cells together, and nothing is reported.
A column is read under its own header wherever it went. A header edited away, a row number that
is not one of the table's or stands twice in a row that holds answers, is an error naming the
cell, and those values are not used: never guessed, never mixed between records.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from ..i18n import phrase
from ..spec import Template
from ..types.parsing import as_text, collapse
from .labels import LABEL_GAP, CellAt, TableMeaning, Where, meanings_for
from .problems import Problem, ProblemCode, make_problem

_NUMBER = re.compile(r"^\s*(\d{1,4})(?:\.0*)?\s*$")


def _look(cell_at: CellAt, sheet: str, row: int, col: int, d_row: int, d_col: int) -> tuple[int, int, str]:
    """The first non-empty cell from (row, col) on in one direction, a few cells at most."""
    for _ in range(LABEL_GAP + 1):
        if row < 0 or col < 0:
            break
        text = as_text(cell_at(sheet, row, col))
        if text.strip():
            return row, col, text
        row, col = row + d_row, col + d_col
    return row - d_row, col - d_col, ""


def _problem(
    code: ProblemCode, file: str, sheet: str, at: tuple[int, int], template: Template, fid: str, **kw: Any
) -> Problem:
    f = template.field(fid)
    return make_problem(code, file, sheet=sheet, cell=xl_rowcol_to_cell(*at), field_id=fid, label=f.full_label, **kw)


def _unread(cells: list[Where | None], cell_at: CellAt) -> tuple[str, list[str]]:
    """The cells of a column or row whose values are not used: those holding something (named in the
    problem, so they are not reported again one by one as stray values), or the whole range when none
    does. Cell references only, so the problem reads the same in every language."""
    placed = [w for w in cells if w is not None]
    filled = [xl_rowcol_to_cell(*w[1:]) for w in placed if as_text(cell_at(*w)).strip()]
    if filled:
        return ", ".join(filled), filled
    if not placed:
        return "", []
    first, last = xl_rowcol_to_cell(*placed[0][1:]), xl_rowcol_to_cell(*placed[-1][1:])
    return (first if first == last else f"{first}:{last}"), []


def _columns(
    t: TableMeaning,
    where_now: dict[str, Where | None],
    cell_at: CellAt,
    sheets: Collection[str],
    file: str,
    template: Template,
    same_wording: bool = True,
) -> tuple[dict[int, int], set[int], list[Problem]]:
    """Which column of cells (by their names) holds each column, by the header above its first cell.

    In a workbook of another version or wording (``same_wording`` False) a header that names no
    column may be the old wording of its own: its column is read by its names, as labels are.
    """
    claims: dict[int, list[int]] = defaultdict(list)
    shown: dict[int, tuple[str, tuple[int, int], str]] = {}
    for j, fid in enumerate(t.cells[0]):
        w = where_now.get(fid)
        if w is None or w[0] not in sheets:
            continue
        r, c, text = _look(cell_at, w[0], w[1] - 1, w[2], -1, 0)
        shown[j] = (w[0], (r, c), text)
        key = collapse(text)
        if key in t.keys:
            claims[t.keys.index(key)].append(j)
    col_from: dict[int, int] = {}
    lost: set[int] = set()
    problems: list[Problem] = []
    for j in range(len(t.keys)):
        holders = claims.get(j, [])
        if len(holders) == 1:
            col_from[j] = holders[0]
        elif holders:
            sheet, at, _ = shown[holders[0]]
            cells = ", ".join(xl_rowcol_to_cell(*shown[h][1]) for h in holders)
            problems.append(
                _problem(ProblemCode.LABEL_DUPLICATED, file, sheet, at, template, t.cells[0][j], detail=cells)
            )
            lost.add(j)
        elif j in shown and not same_wording and collapse(shown[j][2]) not in t.keys:
            col_from[j] = j
        elif j in shown:
            sheet, at, text = shown[j]
            detail, unread = _unread([where_now.get(record[j]) for record in t.cells], cell_at)
            problems.append(
                _problem(
                    ProblemCode.LABEL_MISMATCH,
                    file,
                    sheet,
                    at,
                    template,
                    t.cells[0][j],
                    value=text,
                    other=t.headers[j],
                    detail=detail,
                    context={"unread_cells": unread},
                )
            )
            lost.add(j)
    return col_from, lost, problems


def _records(
    t: TableMeaning,
    where_now: dict[str, Where | None],
    cell_at: CellAt,
    col_from: dict[int, int],
    file: str,
    template: Template,
) -> tuple[dict[int, int | None], list[Problem]]:
    """Which row of cells (by their names) holds each record, by the row number in the first column."""
    rows = len(t.cells)
    firsts = [where_now.get(t.cells[p][0]) for p in range(rows)]
    at_number: dict[int, tuple[str, tuple[int, int], str]] = {}
    positions: dict[int, list[int]] = defaultdict(list)
    for p, w in enumerate(firsts):
        if w is None:
            continue
        r, c, text = _look(cell_at, w[0], w[1], w[2] + t.number_offset, 0, -1)
        at_number[p] = (w[0], (r, c), text)
        match = _NUMBER.match(text)
        if match and 1 <= int(match[1]) <= rows:
            positions[int(match[1]) - 1].append(p)

    def blank(p: int) -> bool:
        cells = (where_now.get(t.cells[p][slot]) for slot in col_from.values())
        return all(not as_text(cell_at(*w)).strip() for w in cells if w is not None)

    pos_of: dict[int, int | None] = {k: ps[0] for k, ps in positions.items() if len(ps) == 1}
    problems: list[Problem] = []
    unusable: set[int] = set()
    for p in range(rows):
        if p not in at_number or p in pos_of.values() or blank(p):
            continue
        unusable.add(p)
        sheet, at, text = at_number[p]
        detail, unread = _unread([where_now.get(t.cells[p][slot]) for slot in sorted(col_from.values())], cell_at)
        twice = [q for ps in positions.values() if p in ps and len(ps) > 1 for q in ps]
        if twice:
            cells = ", ".join(xl_rowcol_to_cell(*at_number[q][1]) for q in twice)
            problems.append(
                _problem(
                    ProblemCode.LABEL_DUPLICATED,
                    file,
                    sheet,
                    at,
                    template,
                    t.cells[p][0],
                    detail=cells,
                    context={"unread_cells": unread},
                )
            )
        else:
            problems.append(
                _problem(
                    ProblemCode.LABEL_MISMATCH,
                    file,
                    sheet,
                    at,
                    template,
                    t.cells[p][0],
                    value=text,
                    other=phrase("a row number from 1 to {n}", n=rows),
                    detail=detail,
                    context={"unread_cells": unread},
                )
            )
    free = [p for p in range(rows) if p not in pos_of.values() and p not in unusable]
    for k in range(rows):
        if k not in pos_of:
            pos_of[k] = free.pop(0) if free else None
    return pos_of, problems


def follow_tables(
    template: Template,
    where_now: dict[str, Where | None],
    cell_at: CellAt,
    sheets: Collection[str],
    file: str,
    same_wording: bool = True,
) -> tuple[dict[str, Where | None], set[str], list[Problem]]:
    """Where each table cell's answer is now: its record's row, its column's header.

    Returns the places, the fields already reported (no value is taken for them) and the problems.
    ``same_wording`` is False for a workbook of another version or translation (see ``_columns``).
    """
    found = dict(where_now)
    reported: set[str] = set()
    problems: list[Problem] = []
    for t in meanings_for(template).tables:
        col_from, lost, noticed = _columns(t, where_now, cell_at, sheets, file, template, same_wording)
        pos_of, more = _records(t, where_now, cell_at, col_from, file, template)
        problems += noticed + more
        for k, record in enumerate(t.cells):
            for j, fid in enumerate(record):
                slot, p = col_from.get(j), pos_of.get(k)
                if j in lost or (slot is not None and p is None):
                    found[fid] = None
                    reported.add(fid)
                elif slot is not None and p is not None:
                    found[fid] = where_now.get(t.cells[p][slot])
    return found, reported, problems
