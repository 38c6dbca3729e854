"""The action plan a comparison hands on: one row per weak indicator and per point of disagreement.

For each partnership's latest round, every indicator whose score falls in the scale's two lowest
bands, and every criterion flagged for discussion (raters ``discuss_levels`` or more apart), gets
a row of the built-in ``action-plan`` template with the partnership, round, indicator and what was
found (score, band, the gap between sides or raters). The agreed action, owner, side, due date,
status and measure are left for the partners to fill in; returned, the plan is an ordinary
workbook that validates and compiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..files import atomic_write, check_writable
from ..spec import TemplateRegistry, as_registry
from ..workbook.generate import Personalisation, document_date, generate_bytes
from .core import Comparison
from .scores import IndicatorResult, InstrumentResult, PartnershipResult

ACTION_PLAN = "action-plan"
TABLE = "actions"
LOW_BANDS = 2


@dataclass(frozen=True)
class ActionPlan:
    path: Path
    rows: int
    left_out: int  # findings beyond the plan's rows (the weakest scores come first)


def _latest(result: InstrumentResult) -> list[PartnershipResult]:
    """Each partnership's last round (partnerships come ordered by partner, then round date)."""
    latest: dict[str, PartnershipResult] = {}
    for p in result.partnerships:
        latest[p.partner] = p
    return list(latest.values())


def _found(ind: IndicatorResult, sides: tuple[str, ...]) -> str:
    parts = [f"Score {ind.score:.2f} ({ind.band})"]
    gap = ind.gap(sides)
    if gap is not None and len(sides) >= 2:
        parts.append(f"{sides[0]} minus {sides[1]}: {gap:+.2f}")
    if ind.rater_gap:
        parts.append(f"raters up to {ind.rater_gap:g} level{'s' * (ind.rater_gap != 1)} apart")
    return "; ".join(parts)


def action_rows(comparison: Comparison) -> list[dict[str, str]]:
    """The findings to act on, weakest score first, then the criteria flagged for discussion."""
    weak: list[tuple[float, dict[str, str]]] = []
    flagged: list[dict[str, str]] = []
    for result in comparison.instruments:
        low = {band.label for band in result.instrument.scale.bands[-LOW_BANDS:]}
        sides = result.instrument.sides
        for p in _latest(result):
            for ind in p.indicators:
                base = {"partnership": p.partner, "round": p.round}
                if ind.score is not None and ind.band in low:
                    weak.append((ind.score, base | {"indicator": ind.indicator.label, "found": _found(ind, sides)}))
                for criterion, apart in ind.flagged:
                    found = f"Raters {apart:g} levels apart on this criterion"
                    flagged.append(base | {"indicator": f"{ind.indicator.label}: {criterion}", "found": found})
    return [row for _, row in sorted(weak, key=lambda item: item[0])] + flagged


def write_action_plan(
    comparison: Comparison, path: str | Path, force: bool = False, templates: TemplateRegistry | None = None
) -> ActionPlan:
    """Write the pre-filled action plan; the findings beyond its rows are counted, not written."""
    path = Path(path)
    check_writable(path, force)
    template = as_registry(templates).latest(ACTION_PLAN)
    table = next(s for s in template.tables() if s.id == TABLE)
    rows = action_rows(comparison)
    answers: dict[str, Any] = {}
    for k, row in enumerate(rows[: table.rows], start=1):
        for column, value in row.items():
            f = template.field(f"{TABLE}__r{k}__{column}")
            answers[f.id] = value[: f.max_length] if f.max_length else value
    libraries = {sub.identity.get("library", "") for sub in comparison.submissions} - {""}
    who = Personalisation(library=libraries.pop() if len(libraries) == 1 else "")
    data = generate_bytes(template, who, created=document_date(), answers=answers)
    atomic_write(path, data, force)
    return ActionPlan(path, min(len(rows), table.rows), max(0, len(rows) - table.rows))
