"""Answers found by their meaning: the text beside an answer says which field it belongs to.

Sorting rows moves values and labels but not defined names (DESIGN fact 16), so a name alone may
point at another criterion's answer. Every answer cell found, by its name or (names lost) by
position, is checked against the label the layout put beside it:

- the label is its own: the answer is read;
- it is another field's label (of the same group, or a text that names one field in the section,
  as every criterion does): rows were reordered, the value follows its label, and a warning names
  the rows;
- it names no field (edited, deleted), or one field's text stands beside two answers: an error
  names the cells and the answer is not used.

A value is never given to the wrong field and never guessed. The layout (``workbook/layout.py``)
says where each label stands relative to its answer; this module only reads it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from ..i18n import phrase
from ..spec import Template
from ..types.parsing import as_text, collapse
from ..workbook.layout import NUMBER_COL, TITLE_COL, TITLE_ROW, InputCell, layout_for
from .problems import Problem, ProblemCode, make_problem

Where = tuple[str, int, int]
# (sheet, zero-based row, zero-based column) -> the cell's value as read.
CellAt = Callable[[str, int, int], Any]
# Empty cells (inserted columns or rows) looked past between an answer and its label.
LABEL_GAP = 3
# When names are lost and a repeated label ("Evidence or notes") cannot be matched by its order,
# how far below its place it is looked for (rows inserted).
LABEL_SEARCH_ROWS = 40


@dataclass(frozen=True)
class Meaning:
    """What the layout says about one field's label: its text, where it stands, its scope."""

    field_id: str
    text: str  # as written in the generated workbook
    key: str  # collapsed: spaces and case ignored
    d_row: int  # label row minus answer row
    d_col: int
    section: tuple[str, str]  # (sheet, section id)
    scope: tuple[str, str]  # (group, column): where a repeated label ("Pros") is unique


@dataclass(frozen=True)
class TableMeaning:
    """A table's meaning: each column's header above it, and in the first column a row number that
    says which record a row is (rows sorted as a whole keep their numbers). Read by ``tables.py``."""

    section: tuple[str, str]
    headers: tuple[str, ...]  # as written
    keys: tuple[str, ...]  # collapsed
    cells: tuple[tuple[str, ...], ...]  # field ids by [record - 1][column]
    number_offset: int  # the row number's column minus the first column's


@dataclass(frozen=True)
class Meanings:
    fields: dict[str, Meaning]
    by_key: dict[tuple[tuple[str, str], str], tuple[str, ...]]
    tables: tuple[TableMeaning, ...] = ()

    @cached_property
    def table_fields(self) -> frozenset[str]:
        """Table cells: checked by their header and row number, not by the text beside them."""
        return frozenset(fid for t in self.tables for row in t.cells for fid in row)

    def named_by(self, beside: Meaning, shown: str) -> str | None:
        """The field a label text names, seen beside the answer cell of ``beside``'s field.

        A text that one field of the section has (a criterion) names it wherever it stands; a
        text several fields share ("Evidence or notes") names the one of the same group.
        """
        if shown == beside.key:
            return beside.field_id
        ids = self.by_key.get((beside.section, shown), ())
        for part in (0, 1):  # the same group, then (blocks) the same column of it
            if len(ids) > 1:
                ids = tuple(i for i in ids if self.fields[i].scope[part] == beside.scope[part])
        return ids[0] if len(ids) == 1 else None


_MEANINGS: dict[str, Meanings] = {}


def meanings_for(template: Template) -> Meanings:
    """Every field's label, from the layout (the text really written beside it), once per spec."""
    if template.view_key in _MEANINGS:
        return _MEANINGS[template.view_key]
    layout = layout_for(template)
    section_of = {f.id: (sheet.name, section.id) for sheet, section in template.sections() for f in section.fields}
    fields: dict[str, Meaning] = {}
    by_key: dict[tuple[tuple[str, str], str], list[str]] = defaultdict(list)
    for sl in layout.sheets:
        texts = {(c.row, c.col): c.text for c in sl.cells}
        for inp in sl.inputs:
            f = inp.field
            text = texts.get((inp.label_row, inp.label_col), f.label)
            m = Meaning(
                f.id,
                text,
                collapse(text),
                inp.label_row - inp.row,
                inp.label_col - inp.col,
                section_of.get(f.id, (sl.sheet.name, "")),
                (f.group or "", f.column or ""),
            )
            fields[f.id] = m
            by_key[(m.section, m.key)].append(f.id)
    tables = []
    for sheet, section in template.sections():
        if section.layout == "table":
            first = layout.inputs[section.groups[0].fields[0].id]
            tables.append(
                TableMeaning(
                    (sheet.name, section.id),
                    tuple(c.heading for c in section.columns),
                    tuple(collapse(c.heading) for c in section.columns),
                    tuple(tuple(f.id for f in g.fields) for g in section.groups),
                    NUMBER_COL - first.col,
                )
            )
    meanings = Meanings(fields, {k: tuple(v) for k, v in by_key.items()}, tuple(tables))
    _MEANINGS[template.view_key] = meanings
    return meanings


@dataclass(frozen=True)
class _Slot:
    """An answer cell found for a field, and the label text now beside it."""

    where: Where
    label_cell: tuple[int, int]
    shown: str  # as read
    key: str  # collapsed


def _beside(cell_at: CellAt, where: Where, m: Meaning) -> _Slot:
    """The label beside an answer cell.

    Where the label's cell is empty, a few more cells the same way (left, or up) are looked at,
    for columns or rows inserted between a label and its answer; one of those counts only if it
    is the field's own label, so an answer above is never taken for a label.
    """
    sheet, row, col = where
    r, c = row + m.d_row, col + m.d_col
    shown = as_text(cell_at(sheet, r, c)) if r >= 0 and c >= 0 else ""
    if not shown.strip():
        step_r, step_c = (m.d_row > 0) - (m.d_row < 0), (m.d_col > 0) - (m.d_col < 0)
        for k in range(1, LABEL_GAP + 1):
            rr, cc = r + k * step_r, c + k * step_c
            if rr < 0 or cc < 0:
                break
            further = as_text(cell_at(sheet, rr, cc))
            if further.strip():
                if collapse(further) == m.key:
                    return _Slot(where, (rr, cc), further, m.key)
                break
    return _Slot(where, (r, c), shown, collapse(shown))


def _cells(slots: list[_Slot]) -> str:
    return ", ".join(xl_rowcol_to_cell(*s.label_cell) for s in slots)


def _reordered(file: str, moved: dict[str, set[int]]) -> list[Problem]:
    """One warning per sheet naming the (1-based) rows whose answers were matched by their text."""
    return [
        make_problem(
            ProblemCode.ROWS_REORDERED,
            file,
            sheet=sheet,
            detail=", ".join(str(r + 1) for r in sorted(rows)),
            context={"rows": [r + 1 for r in sorted(rows)]},
        )
        for sheet, rows in moved.items()
        if rows
    ]


def follow_labels(
    template: Template,
    where_now: dict[str, Where | None],
    cell_at: CellAt,
    sheets: Collection[str],
    file: str,
    same_wording: bool = True,
) -> tuple[dict[str, Where | None], set[str], list[Problem]]:
    """Check each answer found by name against the label beside it; let each value follow its label.

    Returns where each field's answer is now, the fields already reported (an error: no value is
    taken for them), and the problems: a ``rows-reordered`` warning per sheet, a
    ``label-mismatch`` or ``label-duplicated`` error per field that cannot be told apart.
    ``same_wording`` is False for a workbook made from another version of the template, whose
    labels may be worded differently: a label that names no field then leaves its answer to the
    name (as the version warning says), while labels that name another field still decide.
    """
    meanings = meanings_for(template)
    slots: dict[str, _Slot] = {}
    in_tables = meanings.table_fields
    for fid, where in where_now.items():
        m = meanings.fields.get(fid)
        if where is not None and m is not None and where[0] in sheets and fid not in in_tables:
            slots[fid] = _beside(cell_at, where, m)
    if all(s.key == meanings.fields[fid].key for fid, s in slots.items()):
        return where_now, set(), []  # the usual case: every answer has its own label beside it
    claims: dict[str, list[str]] = defaultdict(list)
    for fid, slot in slots.items():
        target = meanings.named_by(meanings.fields[fid], slot.key)
        if target is not None:
            claims[target].append(fid)
    unclaimed = [fid for fid in slots if not any(fid in holders for holders in claims.values())]
    found = dict(where_now)
    reported: set[str] = set()
    problems: list[Problem] = []
    moved: dict[str, set[int]] = defaultdict(set)
    for fid in where_now:
        m = meanings.fields.get(fid)
        holders = claims.get(fid, [])
        if m is None or holders == [fid]:
            continue
        f = template.field(fid)
        if len(holders) == 1:
            slot = slots[holders[0]]
            found[fid] = slot.where
            moved[slot.where[0]].add(slot.label_cell[0])
            if fid in slots:
                moved[slot.where[0]].add(slots[fid].label_cell[0])
            continue
        if not holders and fid not in slots:
            continue  # its name was lost and its label is nowhere: field-not-found, as before
        if not holders and not same_wording and fid in unclaimed:
            continue  # perhaps reworded in another version: read by its name
        found[fid] = None
        reported.add(fid)
        if holders:
            beside = [slots[h] for h in holders]
            problems.append(
                make_problem(
                    ProblemCode.LABEL_DUPLICATED,
                    file,
                    sheet=beside[0].where[0],
                    cell=xl_rowcol_to_cell(*beside[0].label_cell),
                    field_id=fid,
                    label=f.full_label,
                    detail=_cells(beside),
                    context={"answer_cells": [xl_rowcol_to_cell(*s.where[1:]) for s in beside]},
                )
            )
        else:
            # The text to put back is where its answer stands now: its own place, or the one
            # place of its group whose text names nobody (the row was sorted, then edited).
            strays = [u for u in unclaimed if meanings.fields[u].scope[0] == m.scope[0]]
            own = fid if fid in unclaimed or len(strays) != 1 else strays[0]
            problems.append(_mismatch(file, f.full_label, fid, m, slots[own], cell_at))
    return found, reported, _reordered(file, moved) + problems


def _mismatch(file: str, label: str, fid: str, m: Meaning, slot: _Slot, cell_at: CellAt) -> Problem:
    sheet, row, col = slot.where
    answer_cell = xl_rowcol_to_cell(row, col)
    answer = as_text(cell_at(sheet, row, col))
    return make_problem(
        ProblemCode.LABEL_MISMATCH,
        file,
        sheet=sheet,
        cell=xl_rowcol_to_cell(*slot.label_cell),
        field_id=fid,
        label=label,
        value=slot.shown,
        other=m.text,
        detail=f"{answer_cell}: {answer!r}" if answer.strip() else phrase("{cell}, empty", cell=answer_cell),
        context={"answer_cell": answer_cell, "answer": answer},
    )


def find_by_labels(
    template: Template, grid_of: Callable[[str], list[list[Any]]], sheets: list[str], file: str
) -> tuple[dict[str, Where], set[str], list[Problem]]:
    """Where each answer is, found without names: by the form's title and each answer's own label.

    Rows or columns inserted above the form move everything: the sheet's title locates the form.
    A label only one field has (a criterion, a form label) is looked for in its column: found
    once, its answer is beside it wherever the row went (inserted, sorted, moved); found twice,
    it is an error. A label several fields share ("Evidence or notes", "Pros") is matched by its
    order among its copies, or, when copies were added or removed, looked for a little below its
    place. A field whose label cannot be found is not guessed at.
    """
    found: dict[str, Where] = {}
    reported: set[str] = set()
    problems: list[Problem] = []
    moved: dict[str, set[int]] = defaultdict(set)
    meanings = meanings_for(template)
    visible = [s for s in sheets if not s.startswith("_")]
    for index, sl in enumerate(layout_for(template).sheets):
        sheet = sl.sheet.name if sl.sheet.name in sheets else None
        if sheet is None and index + 1 < len(visible):  # renamed: take the form sheet in its place
            sheet = visible[index + 1]
        if sheet is None:
            continue
        grid = grid_of(sheet)
        title = collapse(sl.sheet.title)
        cells = ((r, c, v) for r, row in enumerate(grid) for c, v in enumerate(row))
        at = ((r, c) for r, c, v in cells if isinstance(v, str) and collapse(v) == title)
        top, left = next(at, (TITLE_ROW, TITLE_COL))
        inputs = sorted(sl.inputs, key=lambda i: (i.label_row, i.label_col))
        wanted = {(inp.label_col, meanings.fields[inp.field.id].key) for inp in inputs}
        drift_rows = top - TITLE_ROW
        # Workbooks made before the title moved to A1 have it in B1: a title one column right is
        # either that or an inserted column. The labels decide: take the shift where more are found.
        shifts = (left - TITLE_COL, left - TITLE_COL - 1) if left > TITLE_COL else (left - TITLE_COL,)
        drift_cols = max(shifts, key=lambda shift: _label_hits(grid, top, wanted, shift))
        # Every row of the generated sheet holding a label's text in its column (a section title
        # may repeat a label), and every row of the returned sheet holding it now.
        copies: dict[tuple[int, str], list[int]] = defaultdict(list)
        for cell in sorted(sl.cells, key=lambda c: c.row):
            if (key := (cell.col, collapse(cell.text))) in wanted:
                copies[key].append(cell.row)
        rows_of: dict[tuple[int, str], list[int]] = defaultdict(list)
        label_cols = {col for col, _ in wanted}
        for r in range(top, len(grid)):
            for col in label_cols:
                c = col + drift_cols
                if c < len(grid[r]) and (key := (col, collapse(as_text(grid[r][c])))) in wanted:
                    rows_of[key].append(r)
        taken: set[tuple[int, int]] = set()
        label_rows: dict[str, int] = {}
        for inp in inputs:
            m = meanings.fields[inp.field.id]
            made = copies[(inp.label_col, m.key)] or [inp.label_row]
            rows = rows_of[(inp.label_col, m.key)]
            row: int | None
            if len(made) == 1 and len(rows) > 1:  # a text written once now stands twice
                reported.add(m.field_id)
                col = inp.label_col + drift_cols
                problems.append(
                    make_problem(
                        ProblemCode.LABEL_DUPLICATED,
                        file,
                        sheet=sheet,
                        cell=xl_rowcol_to_cell(rows[0], col),
                        field_id=m.field_id,
                        label=inp.field.full_label,
                        detail=", ".join(xl_rowcol_to_cell(r, col) for r in rows),
                    )
                )
                continue
            if len(rows) == len(made):  # as many copies as written: the k-th is still the k-th
                row = rows[made.index(inp.label_row)]
            else:  # copies added or removed: the nearest one at or a little below its place
                start = inp.label_row + drift_rows
                row = next(
                    (r for r in rows if start <= r < start + LABEL_SEARCH_ROWS and (inp.label_col, r) not in taken),
                    None,
                )
            if row is None:
                continue
            taken.add((inp.label_col, row))
            drift_rows = row - inp.label_row
            label_rows[m.field_id] = row
            found[m.field_id] = (sheet, row - m.d_row, inp.col + drift_cols)
        moved[sheet] |= _out_of_order(meanings, inputs, label_rows)
    return found, reported, _reordered(file, moved) + problems


def _out_of_order(meanings: Meanings, inputs: list[InputCell], label_rows: dict[str, int]) -> set[int]:
    """Rows whose labels stand in another order than the layout's, within each group."""
    by_scope: dict[tuple[tuple[str, str], tuple[str, str]], list[int]] = defaultdict(list)
    for inp in inputs:  # layout order
        m = meanings.fields[inp.field.id]
        if m.field_id in label_rows:
            by_scope[(m.section, m.scope)].append(label_rows[m.field_id])
    rows: set[int] = set()
    for found in by_scope.values():
        rows |= {r for r, s in zip(found, sorted(found), strict=True) if r != s}
    return rows


def _label_hits(grid: list[list[Any]], top: int, wanted: set[tuple[int, str]], shift: int) -> int:
    """How many of the form's label texts stand in their columns moved by ``shift``."""
    hits = 0
    for r in range(top, len(grid)):
        for col, key in wanted:
            c = col + shift
            if 0 <= c < len(grid[r]) and collapse(as_text(grid[r][c])) == key:
                hits += 1
    return hits
