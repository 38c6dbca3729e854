"""Scores from rubric templates: indicators, partnerships, sides, disagreements and evidence.

A template with a ``rubric`` section is an instrument: each group of the rubric is an indicator,
its rating fields are the criteria, its long-text fields the evidence. Scores and bands come from
the section's rating scale, sides from the choices of the field marked ``identity = "side"``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from ..intake.read import Submission
from ..rounds.order import RoundOrder
from ..spec import Field, Scale, Template
from ..types.parsing import collapse, natural
from .tallies import ChoiceSummary, tallied_fields, tally_choices

INCLUDED = "ok"
EXCLUDED = "excluded"
NO_PARTNER = "(partner not named)"


@lru_cache(maxsize=1 << 16)
def key_of(text: str) -> str:
    return collapse(str(text or ""))


def mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


# --- the instrument: what a rubric template measures -------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One group of a rubric section: its rating criteria and its free-text notes."""

    id: str
    label: str
    criteria: tuple[Field, ...]
    notes: tuple[Field, ...]


@dataclass(frozen=True)
class Instrument:
    """A template with a rubric: its indicators, its scale, its sides and its other comments."""

    template: Template
    scale: Scale
    indicators: tuple[Indicator, ...]
    comments: tuple[Field, ...]
    sides: tuple[str, ...]
    title: str = ""  # the template's title, with the scale's when a template rates on several
    tallied: tuple[Field, ...] = ()
    """Choice fields counted by side (``summary = "by_side"``), shown in this instrument's block."""

    @property
    def name(self) -> str:
        return self.title or self.template.title

    @property
    def step(self) -> float:
        """The score distance of one level of the scale."""
        scores = sorted({level.score for level in self.scale.levels})
        gaps = [b - a for a, b in itertools.pairwise(scores)]
        return min(gaps) if gaps else 1.0

    def levels_apart(self, low: float, high: float) -> float:
        return (high - low) / self.step


def instruments_for(template: Template) -> list[Instrument]:
    """The rubric sections of a template as instruments: one per rating scale they use.

    A template may rate on several scales (the sustainability check rates contrasts, behaviours and
    benefits differently); each scale is its own instrument, scored and shown on its own. Comments
    outside every rubric, and choices counted by side, belong to the first.
    """
    rubrics = [section for _, section in template.sections() if section.layout == "rubric" and section.scale]
    scale_ids = list(dict.fromkeys(section.scale for section in rubrics if section.scale))
    side_field = template.identity_field("side")
    sides = template.options(side_field) if side_field is not None else ()
    in_indicators = {f.id for section in rubrics for f in section.fields}
    comments = tuple(f for f in template.fields if f.kind.note and f.id not in in_indicators)
    found = []
    for n, scale_id in enumerate(scale_ids):
        mine = [section for section in rubrics if section.scale == scale_id]
        indicators = tuple(
            Indicator(
                group.id,
                group.label,
                tuple(f for f in group.fields if f.kind.scored),
                tuple(f for f in group.fields if f.kind.note),
            )
            for section in mine
            for group in section.groups
        )
        title = template.title if len(scale_ids) == 1 else f"{template.title}: {template.scales[scale_id].title}"
        first = n == 0
        found.append(
            Instrument(
                template,
                template.scales[scale_id],
                indicators,
                comments if first else (),
                sides,
                title,
                tallied_fields(template) if first else (),
            )
        )
    return found


def instrument_for(template: Template) -> Instrument | None:
    """The first instrument of a template (its first rating scale), or None if it has no rubric."""
    found = instruments_for(template)
    return found[0] if found else None


# --- computed results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SideScore:
    score: float | None
    ratings: int
    raters: int
    withheld: str = ""
    """Why ``score`` is not shown (too few raters on a side, see ``confidential``); "" when it is."""


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator of one partnership, over all included raters."""

    indicator: Indicator
    score: float | None
    band: str
    ratings: int
    raters: int
    not_observed: int
    low: float | None
    high: float | None
    spread: float | None
    rater_gap: float
    """The largest distance, in scale levels, between two raters' ratings of one criterion."""
    flagged: tuple[tuple[str, float], ...]
    """Criteria (label, levels apart) where raters are the scale's ``discuss_levels`` or more apart."""
    by_side: dict[str, SideScore]
    rater_keys: frozenset[str] = frozenset()
    """Who rated this indicator (names compared ignoring case): trends compare them between rounds."""

    def gap(self, sides: tuple[str, ...]) -> float | None:
        """First side's score minus second side's score, when both rated this indicator."""
        if len(sides) < 2:
            return None
        a, b = self.by_side[sides[0]].score, self.by_side[sides[1]].score
        return None if a is None or b is None else a - b


@dataclass(frozen=True)
class PartnershipResult:
    partner: str
    round: str
    label: str
    raters_by_side: dict[str, int]
    raters: int
    indicators: tuple[IndicatorResult, ...]
    overall: float | None
    band: str
    side_overall: dict[str, float | None]
    rater_keys: frozenset[str] = frozenset()
    """Every rater of this partnership and round (names compared ignoring case)."""
    round_order: int = 0
    """The round's place among all rounds compiled (1 = first), 0 when rounds are not ordered."""
    withheld: dict[str, str] = field(default_factory=dict)
    """Sides whose own figures are not shown, with why (``confidential``); counts stay shown."""
    choices: tuple[ChoiceSummary, ...] = ()
    """The instrument's ``tallied`` fields counted by side, in the same order."""

    def _scored(self) -> list[IndicatorResult]:
        return [r for r in self.indicators if r.score is not None]

    @property
    def strongest(self) -> IndicatorResult | None:
        scored = self._scored()
        return max(scored, key=lambda r: r.score or 0.0) if scored else None

    @property
    def weakest(self) -> IndicatorResult | None:
        scored = self._scored()
        return min(scored, key=lambda r: r.score or 0.0) if scored else None

    @property
    def disagreement(self) -> IndicatorResult | None:
        """The indicator where raters are furthest apart on a criterion (None if nobody differs)."""
        best = max(self.indicators, key=lambda r: r.rater_gap, default=None)
        return best if best is not None and best.rater_gap > 0 else None

    def side_gap(self, sides: tuple[str, ...]) -> float | None:
        if len(sides) < 2:
            return None
        a, b = self.side_overall.get(sides[0]), self.side_overall.get(sides[1])
        return None if a is None or b is None else a - b


@dataclass(frozen=True)
class InstrumentResult:
    instrument: Instrument
    partnerships: tuple[PartnershipResult, ...]
    submissions: int


@dataclass(frozen=True)
class EvidenceRow:
    partnership: str
    indicator: str
    rater: str
    side: str
    text: str
    file: str
    status: str
    order: tuple[Any, ...] = field(compare=False, repr=False)


@dataclass
class _Rating:
    rater: str
    side: str
    criterion: str
    score: float


def score_instrument(
    instrument: Instrument, subs: list[Submission], rounds: RoundOrder | None = None
) -> InstrumentResult:
    """Score every partnership and round; ``rounds`` orders a partner's rounds (default: by earliest date)."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    not_observed = instrument.scale.not_observed
    dated = [f.id for f in instrument.template.fields if f.kind.dated]
    for sub in subs:
        who = sub.who
        key = (key_of(who.partner), key_of(who.round))
        group = groups.setdefault(
            key, {"who": who, "raters": {}, "ratings": {}, "not_observed": {}, "dates": [], "returns": {}}
        )
        group["dates"] += [v for f in dated if isinstance(v := sub.value(f), date)]
        rater = key_of(who.rater) or f"file:{sub.file}"
        group["raters"].setdefault(rater, who.side)
        group["returns"].setdefault(rater, sub)
        for indicator in instrument.indicators:
            found = group["ratings"].setdefault(indicator.id, [])
            for f in indicator.criteria:
                v = sub.values.get(f.id)
                if v is None:
                    continue
                if v.score is not None and v.error is None:
                    found.append(_Rating(rater, who.side, f.id, v.score))
                elif not_observed is not None and v.value == not_observed:
                    group["not_observed"][indicator.id] = group["not_observed"].get(indicator.id, 0) + 1
    round_keys = {key[1] for key in groups}

    def order(key: tuple[str, str]) -> tuple[Any, ...]:
        """Partners alphabetically (numbers in names by value); a partner's rounds in the round order."""
        place = rounds.position(groups[key]["who"].round) if rounds is not None else 0
        return natural(key[0]), place, min(groups[key]["dates"], default=date.max), natural(key[1])

    results = []
    for key in sorted(groups, key=order):
        g = groups[key]
        who = g["who"]
        label = who.partner or NO_PARTNER
        if len(round_keys) > 1 and who.round:
            label = f"{label} ({who.round})"
        indicators = tuple(
            _indicator_result(instrument, ind, g["ratings"][ind.id], g["not_observed"].get(ind.id, 0))
            for ind in instrument.indicators
        )
        overall = mean([r.score for r in indicators if r.score is not None])
        side_overall = {
            side: mean([s for r in indicators if (s := r.by_side[side].score) is not None]) for side in instrument.sides
        }
        by_side = {side: sum(1 for s in g["raters"].values() if s == side) for side in instrument.sides}
        results.append(
            PartnershipResult(
                partner=who.partner,
                round=who.round,
                label=label,
                raters_by_side=by_side,
                raters=len(g["raters"]),
                indicators=indicators,
                overall=overall,
                band=instrument.scale.band_for(overall) if overall is not None else "",
                side_overall=side_overall,
                rater_keys=frozenset(g["raters"]),
                round_order=rounds.position(who.round) if rounds is not None else 0,
                choices=tally_choices(
                    instrument.template,
                    instrument.tallied,
                    instrument.sides,
                    ((g["raters"][rater], sub) for rater, sub in g["returns"].items()),
                )
                if instrument.tallied
                else (),
            )
        )
    return InstrumentResult(instrument, tuple(results), len(subs))


def _indicator_result(
    instrument: Instrument, indicator: Indicator, ratings: list[_Rating], not_observed: int
) -> IndicatorResult:
    scores = [r.score for r in ratings]
    score = mean(scores)
    by_criterion: dict[str, list[float]] = {}
    for r in ratings:
        by_criterion.setdefault(r.criterion, []).append(r.score)
    labels = {f.id: f.label for f in indicator.criteria}
    gaps = [(labels[c], instrument.levels_apart(min(s), max(s))) for c, s in by_criterion.items() if len(s) > 1]
    flagged = tuple((label, gap) for label, gap in gaps if gap >= instrument.scale.discuss_levels - 1e-9)
    by_side = {}
    for side in instrument.sides:
        mine = [r for r in ratings if r.side == side]
        by_side[side] = SideScore(mean([r.score for r in mine]), len(mine), len({r.rater for r in mine}))
    return IndicatorResult(
        indicator=indicator,
        score=score,
        band=instrument.scale.band_for(score) if score is not None else "",
        ratings=len(ratings),
        raters=len({r.rater for r in ratings}),
        not_observed=not_observed,
        low=min(scores) if scores else None,
        high=max(scores) if scores else None,
        spread=max(scores) - min(scores) if scores else None,
        rater_gap=max((gap for _, gap in gaps), default=0.0),
        flagged=flagged,
        by_side=by_side,
        rater_keys=frozenset(r.rater for r in ratings),
    )


def evidence_rows(
    instrument: Instrument, subs: list[Submission], labels: dict[tuple[str, str], str], excluded: set[str]
) -> Iterator[EvidenceRow]:
    """Every note and comment, by partnership and indicator, attributed to its rater and side."""
    sides = {side: i for i, side in enumerate(instrument.sides)}
    places = [(i, ind.label, f) for i, ind in enumerate(instrument.indicators) for f in ind.notes]
    places += [(len(instrument.indicators) + i, f.label, f) for i, f in enumerate(instrument.comments)]
    for sub in subs:
        who = sub.who
        partnership = labels.get((key_of(who.partner), key_of(who.round))) or who.partner or NO_PARTNER
        status = EXCLUDED if sub.file in excluded else INCLUDED
        for order, label, f in places:
            v = sub.values.get(f.id)
            if v is None or v.empty:
                continue
            text = v.formula if v.formula is not None else v.text.strip()
            yield EvidenceRow(
                partnership,
                label,
                who.rater,
                who.side,
                text,
                sub.shown_file,
                status,
                order=(key_of(partnership), order, sides.get(who.side, len(sides)), key_of(who.rater), sub.file),
            )
