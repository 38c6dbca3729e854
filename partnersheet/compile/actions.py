"""The action plan a comparison hands on: one row per weak indicator and per point of disagreement.

For each partnership's latest round, every indicator whose score falls in the scale's two lowest
bands, and every criterion flagged for discussion (raters ``discuss_levels`` or more apart), gets
a row of the built-in ``action-plan`` template with the partnership, round, indicator and what was
found (score, band, the gap between sides or raters). The agreed action, owner, side, due date,
status and measure are left for the partners to fill in; returned, the plan is an ordinary
workbook that validates and compiles.

Given back to a later compile (it is a return like any other), each filled row becomes an
``Action``: matched to the indicators it addresses by partnership and indicator (and round when
the row names one), never by position, and overdue when its due date is before the compile date
and its status is not Done or Dropped. A row naming nothing known is kept, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..files import atomic_write, check_writable
from ..i18n import BASE, tr
from ..intake.read import Submission
from ..spec import Field, Template, TemplateRegistry, as_registry
from ..types.parsing import one_line
from ..workbook.generate import Personalisation, document_date, generate_bytes
from .scores import Indicator, IndicatorResult, Instrument, InstrumentResult, PartnershipResult

if TYPE_CHECKING:  # core imports this module to follow returned plans up
    from .core import Comparison

ACTION_PLAN = "action-plan"
TABLE = "actions"
LOW_BANDS = 2
COLUMNS = ("partnership", "indicator", "round", "found", "action", "owner", "side", "due", "status", "measure")


@dataclass(frozen=True)
class ActionPlan:
    path: Path
    rows: int
    left_out: int  # findings beyond the plan's rows (the weakest scores come first)


class _Words:
    """An instrument's own words in one language: its indicators, criteria, bands and sides as its
    template's translation has them (the template's own words when it lacks that language)."""

    def __init__(self, instrument: Instrument, lang: str) -> None:
        template = instrument.template
        self.lang = lang
        self.view = template.in_language(lang) if lang in template.languages else template
        self.instrument = instrument
        self.groups = {g.id: g.label for _, s in self.view.sections() if s.layout == "rubric" for g in s.groups}

    def indicator(self, indicator: Indicator) -> str:
        return self.groups.get(indicator.id, indicator.label)

    def criterion(self, indicator: Indicator, criterion: Field) -> str:
        """A criterion as a plan row names it: "Indicator: criterion" (one an older version alone
        asked keeps the words it was asked in)."""
        translated = self.view.fields_by_id.get(criterion.id)
        return f"{self.indicator(indicator)}: {(translated or criterion).label}"

    def band(self, label: str) -> str:
        english = [b.label for b in self.instrument.scale.bands]
        bands = self.view.scales[self.instrument.scale.id].bands
        return bands[english.index(label)].label if label in english else label

    def side(self, label: str) -> str:
        return self.view.identity_shown("side", label)

    def levels(self, n: float, one: str, many: str) -> str:
        """A count of scale levels in a tool text (``one`` or ``many``, English, with {n})."""
        return tr(self.lang, one if n == 1 else many).format(n=f"{n:g}")


def plan_template(templates: TemplateRegistry | None, lang: str = BASE) -> Template:
    """The action plan's template in ``lang``; an unknown language is a ``UsageError`` before anything is read."""
    return as_registry(templates).latest(ACTION_PLAN).in_language(lang)


def _latest(result: InstrumentResult) -> list[PartnershipResult]:
    """Each partnership's last round (partnerships come ordered by partner, then round date)."""
    latest: dict[str, PartnershipResult] = {}
    for p in result.partnerships:
        latest[p.partner] = p
    return list(latest.values())


def _found(ind: IndicatorResult, sides: tuple[str, ...], words: _Words) -> str:
    """What the assessment found, in the plan's language (the tool's texts are in ``i18n``)."""
    score = ind.score if ind.score is not None else 0.0
    parts = [tr(words.lang, "Score {score} ({band})").format(score=f"{score:.2f}", band=words.band(ind.band))]
    gap = ind.gap(sides)
    if gap is not None and len(sides) >= 2:
        first, second = words.side(sides[0]), words.side(sides[1])
        minus = tr(words.lang, "{first} minus {second}: {gap}")
        parts.append(minus.format(first=first, second=second, gap=f"{gap:+.2f}"))
    if ind.rater_gap:
        parts.append(words.levels(ind.rater_gap, "raters up to {n} level apart", "raters up to {n} levels apart"))
    return "; ".join(parts)


def action_rows(comparison: Comparison, lang: str = BASE) -> list[dict[str, str]]:
    """The findings to act on, weakest score first, then the criteria flagged for discussion;
    every word in ``lang`` (partnerships and rounds are the returns' own names)."""
    weak: list[tuple[float, dict[str, str]]] = []
    flagged: list[dict[str, str]] = []
    for result in comparison.instruments:
        words = _Words(result.instrument, lang)
        low = {band.label for band in result.instrument.scale.bands[-LOW_BANDS:]}
        sides = result.instrument.sides
        for p in _latest(result):
            for ind in p.indicators:
                base = {"partnership": p.partner, "round": p.round}
                if ind.score is not None and ind.band in low:
                    found = _found(ind, sides, words)
                    weak.append((ind.score, base | {"indicator": words.indicator(ind.indicator), "found": found}))
                criteria = {f.label: f for f in ind.indicator.criteria}
                for criterion, apart in ind.flagged:
                    found = words.levels(
                        apart, "Raters {n} level apart on this criterion", "Raters {n} levels apart on this criterion"
                    )
                    flagged.append(
                        base | {"indicator": words.criterion(ind.indicator, criteria[criterion]), "found": found}
                    )
    return [row for _, row in sorted(weak, key=lambda item: item[0])] + flagged


def write_action_plan(
    comparison: Comparison,
    path: str | Path,
    force: bool = False,
    templates: TemplateRegistry | None = None,
    lang: str = BASE,
) -> ActionPlan:
    """Write the pre-filled action plan in ``lang`` (the template's words and what was found);
    the findings beyond its rows are counted, not written."""
    path = Path(path)
    check_writable(path, force)
    template = plan_template(templates, lang)
    table = next(s for s in template.tables() if s.id == TABLE)
    rows = action_rows(comparison, lang)
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


# --- a returned plan, given to a later compile ----------------------------------------------------

Target = tuple[str, str, str, str]
"""(template id, partnership key, round key, indicator id): one row of the Indicators sheet."""


def match_key(text: Any) -> str:
    """Case and spaces do not matter when an action names a partnership, an indicator or a round."""
    return "".join(str(text or "").split()).casefold()


@dataclass(frozen=True)
class Action:
    """One filled row of a returned action plan, where it was typed, and what it addresses."""

    partnership: str
    indicator: str
    round: str
    action: str
    owner: str
    side: str
    due: date | None
    status: str
    measure: str
    file: str
    cell: str  # "Sheet!B12": the row's partnership cell, as returned
    criterion: str = ""  # when the row names "indicator: criterion"
    beside: tuple[str, ...] = ()  # the Indicators rows it is shown beside, as "partnership: indicator"
    unmatched: str = ""  # why it is shown beside nothing ("" when matched)
    days_overdue: int | None = None
    closed: bool = False  # its status is one the plan's spec says ends an action (``ends``)

    @property
    def overdue(self) -> bool:
        return self.days_overdue is not None

    def line(self) -> str:
        """The action as one line beside its indicator: status, owner, due, then the action."""
        head = [self.status or "No status"]
        if self.owner:
            head.append(self.owner)
        if self.due is not None:
            late = self.days_overdue
            head.append(
                f"due {self.due.isoformat()}" + (f" (overdue by {late} day{'s' * (late != 1)})" if late else "")
            )
        where = f"[{self.criterion}] " if self.criterion else ""
        return f"{where}{', '.join(head)}: {self.action}"


@dataclass(frozen=True)
class FollowUp:
    """Every action of the returned plans, as of the compile date, and where each is shown."""

    as_of: date
    actions: tuple[Action, ...]
    targets: dict[Target, tuple[Action, ...]] = field(repr=False)
    ending: tuple[str, ...] = ()
    """The statuses that end an action (the plans' spec, ``ends``): such an action is never overdue."""

    def beside(self, template_id: str, partner: str, round_: str, indicator_id: str) -> tuple[Action, ...]:
        """The actions addressing one indicator of one partnership's round."""
        return self.targets.get((template_id, match_key(partner), match_key(round_), indicator_id), ())

    def text_beside(self, template_id: str, partner: str, round_: str, indicator_id: str) -> str:
        return "\n".join(a.line() for a in self.beside(template_id, partner, round_, indicator_id))

    @property
    def overdue(self) -> list[Action]:
        """Overdue actions, the longest overdue first."""
        return sorted((a for a in self.actions if a.overdue), key=lambda a: -(a.days_overdue or 0))

    @property
    def unmatched(self) -> list[Action]:
        return [a for a in self.actions if a.unmatched]

    def masked(self, scrub: Callable[[Any], Any]) -> FollowUp:
        """As a confidential comparison shows it: ``scrub`` turns file names into keys and takes
        raters' names out of every text (an owner who rated becomes ``[name]``)."""
        new = {
            id(a): replace(
                a,
                **{k: scrub(getattr(a, k)) for k in ("indicator", "action", "owner", "measure", "file", "unmatched")},
            )
            for a in self.actions
        }
        targets = {k: tuple(new[id(a)] for a in v) for k, v in self.targets.items()}
        return FollowUp(self.as_of, tuple(new[id(a)] for a in self.actions), targets, self.ending)


def _text(sub: Submission, fid: str) -> str:
    v = sub.values.get(fid)
    if v is None or v.empty:
        return ""
    return one_line(v.value if isinstance(v.value, str) else v.text)


def _rows(sub: Submission) -> Iterable[tuple[dict[str, Any], str]]:
    """The plan's filled rows (by record: a sorted table reads back whole), with each row's first cell."""
    table = next(s for s in sub.template.tables() if s.id == TABLE)
    for k in range(1, table.rows + 1):
        ids = {c: f"{TABLE}__r{k}__{c}" for c in COLUMNS}
        if all(sub.values.get(fid) is None or sub.values[fid].empty for fid in ids.values()):
            continue
        first = sub.values.get(ids["partnership"])
        cell = f"{first.sheet}!{first.cell}" if first is not None else ""
        due = sub.value(ids["due"])
        row = {c: _text(sub, fid) for c, fid in ids.items()} | {"due": due if isinstance(due, date) else None}
        yield row, cell


def follow_up(instruments: list[InstrumentResult], subs: Iterable[Submission], as_of: date) -> FollowUp | None:
    """The actions of the returned plans among ``subs`` (None when there are none), matched to indicators."""
    plans = [s for s in subs if s.template_id == ACTION_PLAN]
    if not plans:
        return None
    # Where an indicator (or one of its criteria) of a partnership's round is: by its words, in
    # every language of its template (a Spanish plan names "Liderazgo compartido").
    known: dict[tuple[str, str], list[tuple[Target, str, str, str]]] = {}
    partners: set[str] = set()
    for result in instruments:
        tid = result.instrument.template.id
        languages = [_Words(result.instrument, lang) for lang in result.instrument.template.languages]
        for p in result.partnerships:
            if not p.partner:
                continue
            partners.add(match_key(p.partner))
            for ind in p.indicators:
                target = (tid, match_key(p.partner), match_key(p.round), ind.indicator.id)
                shown = f"{p.label}: {ind.indicator.label}"
                names = {
                    (match_key(name), criterion)
                    for words in languages
                    for name, criterion in [(words.indicator(ind.indicator), "")]
                    + [(words.criterion(ind.indicator, c), c.label) for c in ind.indicator.criteria]
                }
                for name, criterion in sorted(names):
                    known.setdefault((match_key(p.partner), name), []).append((target, shown, criterion, p.round))
    actions: list[Action] = []
    targets: dict[Target, list[Action]] = {}
    ending: dict[str, None] = {}
    for sub in sorted(plans, key=lambda s: s.file):
        ends = sub.template.field(f"{TABLE}__r1__status").ends
        ending |= dict.fromkeys(ends)
        for row, cell in _rows(sub):
            places = known.get((match_key(row["partnership"]), match_key(row["indicator"])), [])
            if row["round"]:
                places = [p for p in places if match_key(p[3]) == match_key(row["round"])]
            why = "" if places else _why_unmatched(row, partners, known)
            due = row["due"]
            closed = row["status"] in ends
            late = (as_of - due).days if due is not None and due < as_of and not closed else None
            action = Action(
                row["partnership"],
                row["indicator"],
                row["round"],
                row["action"],
                row["owner"],
                row["side"],
                due,
                row["status"],
                row["measure"],
                sub.shown_file,
                cell,
                criterion=places[0][2] if places else "",
                beside=tuple(shown for _, shown, _, _ in places),
                unmatched=why,
                days_overdue=late,
                closed=closed,
            )
            actions.append(action)
            for target, _, _, _ in places:
                targets.setdefault(target, []).append(action)
    return FollowUp(as_of, tuple(actions), {k: tuple(v) for k, v in targets.items()}, tuple(ending))


def _why_unmatched(row: dict[str, Any], partners: set[str], known: dict[tuple[str, str], Any]) -> str:
    partner, indicator = match_key(row["partnership"]), match_key(row["indicator"])
    if partner not in partners:
        return f"no assessment of {row['partnership']!r} among the inputs"
    if (partner, indicator) not in known:
        return f"{row['partnership']!r} has no indicator {row['indicator']!r}"
    return f"{row['partnership']!r} was not assessed in round {row['round']!r}"
