"""Trends: what changed for each partnership from one round to the next, and whether it counts.

Computed from the scored partnerships (``scores.py``), never inside the sheets. For every
partnership x indicator (and its overall score) x round: the score and band, the change since the
partnership's previous round, which raters rated both rounds, left or joined, and a verdict.
A change is called only when the band moves or the score moves by the scale's ``change_levels``
levels or more, and at least ``change_raters`` raters rated both rounds: otherwise a new set of
raters, not the partnership, may be what moved. Both thresholds come from the template spec.
"""

from __future__ import annotations

from dataclasses import dataclass

from .scores import NO_PARTNER, Instrument, InstrumentResult, PartnershipResult, key_of

OVERALL = "Overall"
IMPROVED = "Improved"
DECLINED = "Declined"
NO_CLEAR_CHANGE = "No clear change"
TOO_FEW = "Too few comparable raters"
FIRST_ROUND = "First round"
NOT_BOTH = "Not scored in both rounds"
CALLED = (IMPROVED, DECLINED)


@dataclass(frozen=True)
class TrendRow:
    """One partnership x indicator (or ``OVERALL``) x round."""

    partner: str
    indicator: str
    indicator_id: str
    """The indicator's id; empty for the overall score."""
    round: str
    round_order: int
    score: float | None
    band: str
    raters: int
    previous_round: str
    """The partnership's previous round; empty in its first round."""
    previous_score: float | None
    previous_band: str
    change: float | None
    stayed: int
    """Raters who rated this in both rounds (names compared ignoring case)."""
    left: int
    joined: int
    verdict: str

    @property
    def called(self) -> bool:
        """True when the change counts (band moved or large enough, with enough raters in both rounds)."""
        return self.verdict in CALLED


@dataclass(frozen=True)
class PartnershipTrend:
    """A partnership over its rounds: the latest, and its overall change since the one before."""

    partner: str
    rounds: tuple[PartnershipResult, ...]
    overall: TrendRow
    """The latest round's overall row (its change is against the previous round, if any)."""
    rows: tuple[TrendRow, ...]
    """By indicator (overall first), then round."""

    @property
    def name(self) -> str:
        return self.partner or NO_PARTNER

    @property
    def latest(self) -> PartnershipResult:
        return self.rounds[-1]

    @property
    def previous(self) -> PartnershipResult | None:
        return self.rounds[-2] if len(self.rounds) > 1 else None


@dataclass(frozen=True)
class InstrumentTrends:
    instrument: Instrument
    rounds: tuple[str, ...]
    """The rounds of this instrument's returns, first to last."""
    partnerships: tuple[PartnershipTrend, ...]

    @property
    def rows(self) -> tuple[TrendRow, ...]:
        """By partnership, then indicator (overall first), then round."""
        return tuple(r for p in self.partnerships for r in p.rows)

    @property
    def over_time(self) -> bool:
        """True when some partnership was assessed in two rounds or more."""
        return any(len(p.rounds) > 1 for p in self.partnerships)


def verdict(
    instrument: Instrument, before: float | None, after: float | None, bands: tuple[str, str], stayed: int
) -> str:
    """The verdict on one change, by the thresholds of the instrument's scale."""
    if before is None or after is None:
        return NOT_BOTH
    scale = instrument.scale
    if stayed < scale.change_raters:
        return TOO_FEW
    change = after - before
    moved = bands[0] != bands[1] or abs(change) >= scale.change_levels * instrument.step - 1e-9
    if not moved or change == 0:
        return NO_CLEAR_CHANGE
    return IMPROVED if change > 0 else DECLINED


def _rows(
    instrument: Instrument,
    indicator: str,
    indicator_id: str,
    points: list[tuple[PartnershipResult, float | None, str, frozenset[str]]],
) -> list[TrendRow]:
    rows = []
    for i, (p, score, band, raters) in enumerate(points):
        if i == 0:
            rows.append(
                TrendRow(
                    *(p.partner, indicator, indicator_id, p.round, p.round_order, score, band, len(raters)),
                    *("", None, "", None, 0, 0, 0, FIRST_ROUND),
                )
            )
            continue
        before, before_score, before_band, before_raters = points[i - 1]
        stayed = len(raters & before_raters)
        change = score - before_score if score is not None and before_score is not None else None
        rows.append(
            TrendRow(
                *(p.partner, indicator, indicator_id, p.round, p.round_order, score, band, len(raters)),
                *(before.round, before_score, before_band, change, stayed),
                len(before_raters - raters),
                len(raters - before_raters),
                verdict(instrument, before_score, score, (before_band, band), stayed),
            )
        )
    return rows


def trends_of(result: InstrumentResult, rounds: tuple[str, ...]) -> InstrumentTrends:
    """Every partnership's rounds in order (``result.partnerships`` is sorted by partner, then round)."""
    by_partner: dict[str, list[PartnershipResult]] = {}
    for p in result.partnerships:
        by_partner.setdefault(key_of(p.partner), []).append(p)
    instrument = result.instrument
    partnerships: list[PartnershipTrend] = []
    for mine in by_partner.values():
        overall = _rows(instrument, OVERALL, "", [(p, p.overall, p.band, p.rater_keys) for p in mine])
        rows = list(overall)
        for j, indicator in enumerate(instrument.indicators):
            points = [(p, p.indicators[j].score, p.indicators[j].band, p.indicators[j].rater_keys) for p in mine]
            rows += _rows(instrument, indicator.label, indicator.id, points)
        partnerships.append(PartnershipTrend(mine[0].partner, tuple(mine), overall[-1], tuple(rows)))
    present = {key_of(p.round) for p in result.partnerships}
    return InstrumentTrends(instrument, tuple(r for r in rounds if key_of(r) in present), tuple(partnerships))
