"""Candidate organizations side by side, from templates with a ``blocks`` section.

Each block (an organization) becomes a column; each column of the spec (the library's view, what
the library brings, collective success) a band of rows. Numeric fields get a total across the
organizations, and fields of the same kind in several columns (the dollars and staff hours each
side commits) a total per organization.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..intake.read import Submission
from ..spec import Field, Template

BOTH_SIDES = "Commitments, both sides"


@dataclass(frozen=True)
class CandidateRow:
    """One line of the candidates grid: a field across the organizations, with a total if numeric."""

    label: str
    kind: str
    values: tuple[Any, ...]
    total: float | None = None
    both_sides: bool = False


@dataclass(frozen=True)
class CandidateSection:
    heading: str
    rows: tuple[CandidateRow, ...]


@dataclass(frozen=True)
class CandidateTable:
    """One returned candidates table: its header answers, organizations side by side, its notes."""

    file: str
    title: str
    about: tuple[tuple[str, str], ...]
    organizations: tuple[str, ...]
    sections: tuple[CandidateSection, ...]
    notes: tuple[tuple[str, str], ...]


def candidate_tables(template: Template, subs: list[Submission]) -> list[CandidateTable]:
    sections = [section for _, section in template.sections()]
    blocks = next((i for i, s in enumerate(sections) if s.layout == "blocks"), None)
    if blocks is None:
        return []
    section = sections[blocks]
    before = [f for s in sections[:blocks] if s.layout == "form" for f in s.fields]
    after = [f for s in sections[blocks + 1 :] if s.layout == "form" for f in s.fields]
    tables = []
    for sub in subs:
        used = [g for g in section.groups if any(not sub.values[f.id].empty for f in g.fields if f.id in sub.values)]
        names = tuple(_answer(sub, next(f for f in g.fields if f.column == "name")) or g.label for g in used)
        grid: list[CandidateSection] = []
        numeric: dict[str, list[tuple[str, list[float | None]]]] = {}
        for column in section.columns:
            rows = []
            for k, f in enumerate(f for f in section.groups[0].fields if f.column == column.id):
                org_fields = [[x for x in g.fields if x.column == column.id][k] for g in used]
                values = tuple(_answer(sub, x) for x in org_fields)
                total = None
                if f.kind.summable:
                    nums = [v for v in values if isinstance(v, float)]
                    total = math.fsum(nums) if nums else None
                    base = f.id.split(f"_{column.id}_", 1)[-1]
                    numeric.setdefault(base, []).append(
                        (column.short, [v if isinstance(v, float) else None for v in values])
                    )
                rows.append(CandidateRow(f.label, f.type, values, total))
            grid.append(CandidateSection(column.short, tuple(rows)))
        totals = []
        for base, found in numeric.items():
            if len(found) < 2:
                continue
            first = next(f for f in section.groups[0].fields if f.id.endswith(f"_{base}"))
            per_org = tuple(
                math.fsum(v for _, vals in found if (v := vals[i]) is not None)
                if any(vals[i] is not None for _, vals in found)
                else None
                for i in range(len(used))
            )
            nums = [v for v in per_org if v is not None]
            sides = " + ".join(short for short, _ in found)
            total = math.fsum(nums) if nums else None
            totals.append(CandidateRow(f"{first.label}: {sides}", first.type, per_org, total, both_sides=True))
        if totals:
            grid.append(CandidateSection(BOTH_SIDES, tuple(totals)))
        about = tuple((f.label, _text(sub, f)) for f in before if _text(sub, f))
        notes = tuple((f.label, _text(sub, f)) for f in after if _text(sub, f))
        tables.append(CandidateTable(sub.shown_file, template.title, about, names, tuple(grid), notes))
    return tables


def _answer(sub: Submission, f: Field) -> Any:
    v = sub.values.get(f.id)
    if v is None or v.empty:
        return None
    return f.kind.compile_value(v.value, v.text)


def _text(sub: Submission, f: Field) -> str:
    value = _answer(sub, f)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
