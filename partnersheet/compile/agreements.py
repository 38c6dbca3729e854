"""Returned agreements, side by side with what the partnership table offered.

Each returned ``agreement`` becomes an ``AgreementSummary``: each side's committed resources
(dollars, staff hours per month, other) beside what the partnership tables among the returns
offered for that organization, the SMART goals with their due dates, the milestones due within
``SOON_DAYS`` of the compile date, and the review date. Which answer of a table matches which
commitment is the agreement spec's own ``from`` mapping (the one ``new agreement --from`` uses),
and a table's candidate is found by the organization's name (case and spaces do not matter),
never by its position.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from ..intake.read import Submission
from ..spec import Field, Template
from .actions import match_key

AGREEMENT = "agreement"
SIDES = ("library", "partner")
RESOURCES = ("dollars", "hours", "other")  # field ids are "<side>_<resource>"
GOALS = ("goals", ("goal", "measure", "target", "due", "owner"))
MILESTONES = ("milestones", ("milestone", "date", "owner", "status"))
REVIEW, START, END = "review_date", "start_date", "end_date"
SOON_DAYS = 60


@dataclass(frozen=True)
class Offer:
    """A partnership table's candidate that names the agreement's organization."""

    file: str
    candidate: int


@dataclass(frozen=True)
class Resource:
    """One commitment of one side: what the agreement says, and what each matching table offered."""

    label: str
    type: str  # the field type, for its number format
    committed: Any
    offered: tuple[Any, ...]


@dataclass(frozen=True)
class AgreementSummary:
    partnership: str
    library: str
    file: str
    offers: tuple[Offer, ...]
    resources: tuple[Resource, ...]
    goals: tuple[dict[str, Any], ...]  # by due date, undated last
    milestones_soon: tuple[dict[str, Any], ...]  # due from the compile date to SOON_DAYS after it
    milestones: int  # every milestone written down
    start: date | None
    end: date | None
    review: date | None


def summarised_fields(template: Template) -> set[str]:
    """The answers the Agreements sheet shows outside its tables (for the About sheet's accounting)."""
    if template.id != AGREEMENT:
        return set()
    wanted = {f"{side}_{kind}" for side in SIDES for kind in RESOURCES} | {REVIEW, START, END}
    return wanted & set(template.fields_by_id)


def _value(sub: Submission, fid: str) -> Any:
    v = sub.values.get(fid)
    if v is None or v.empty:
        return None
    f = sub.template.fields_by_id.get(fid)
    return f.kind.compile_value(v.value, v.text) if f is not None else v.value


def _date(sub: Submission, fid: str) -> date | None:
    value = sub.value(fid)
    return value if isinstance(value, date) else None


def _table_rows(sub: Submission, table: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    section = next((s for s in sub.template.tables() if s.id == table), None)
    rows = []
    for k in range(1, (section.rows if section is not None else 0) + 1):
        row = {c: _value(sub, f"{table}__r{k}__{c}") for c in columns}
        if any(v is not None for v in row.values()):
            rows.append(row)
    return rows


def _offers(
    template: Template, name_field: Field | None, partner: str, tables: list[Submission]
) -> list[tuple[Offer, Submission]]:
    """Each candidate of each table whose name is the agreement's organization."""
    if name_field is None or not name_field.prefill or not partner:
        return []
    found = []
    for sub in tables:
        candidates = max((len(s.groups) for _, s in sub.template.sections() if s.layout == "blocks"), default=1)
        for n in range(1, candidates + 1):
            if match_key(_value(sub, name_field.prefill.replace("{n}", str(n)))) == match_key(partner):
                found.append((Offer(sub.shown_file, n), sub))
    return found


def agreement_summaries(subs: Iterable[Submission], as_of: date) -> list[AgreementSummary]:
    """Every returned agreement among ``subs``, by partnership, with the tables' offers beside it."""
    subs = list(subs)
    agreements = [s for s in subs if s.template_id == AGREEMENT]
    summaries = []
    soon = as_of + timedelta(days=SOON_DAYS)
    for sub in agreements:
        template = sub.template
        tables = sorted((s for s in subs if s.template_id == template.prefill_from), key=lambda s: s.file)
        who = sub.who
        offers = _offers(template, template.identity_field("partner"), who.partner, tables)
        resources = []
        for side in SIDES:
            for kind in RESOURCES:
                f = template.fields_by_id.get(f"{side}_{kind}")
                if f is None:
                    continue
                offered = tuple(
                    _value(table, f.prefill.replace("{n}", str(offer.candidate))) if f.prefill else None
                    for offer, table in offers
                )
                resources.append(Resource(f.label, f.type, _value(sub, f.id), offered))
        goals = _table_rows(sub, *GOALS)
        goals.sort(key=lambda g: (g["due"] is None, g["due"] or date.min))
        milestones = _table_rows(sub, *MILESTONES)
        due_soon = sorted(
            (m for m in milestones if isinstance(m["date"], date) and as_of <= m["date"] <= soon),
            key=lambda m: m["date"],
        )
        library = template.identity_field("library")
        summaries.append(
            AgreementSummary(
                partnership=who.partner,
                library=str((_value(sub, library.id) if library else None) or sub.identity.get("library", "")),
                file=sub.shown_file,
                offers=tuple(offer for offer, _ in offers),
                resources=tuple(resources),
                goals=tuple(goals),
                milestones_soon=tuple(due_soon),
                milestones=len(milestones),
                start=_date(sub, START),
                end=_date(sub, END),
                review=_date(sub, REVIEW),
            )
        )
    return sorted(summaries, key=lambda a: (match_key(a.partnership), a.file))


def masked_agreement(a: AgreementSummary, scrub: Callable[[Any], Any]) -> AgreementSummary:
    """As a confidential comparison shows it: file names as keys, raters' names out of every text."""
    return replace(
        a,
        file=scrub(a.file),
        offers=tuple(replace(o, file=scrub(o.file)) for o in a.offers),
        resources=tuple(
            replace(r, committed=scrub(r.committed), offered=tuple(map(scrub, r.offered))) for r in a.resources
        ),
        goals=tuple({k: scrub(v) for k, v in g.items()} for g in a.goals),
        milestones_soon=tuple({k: scrub(v) for k, v in m.items()} for m in a.milestones_soon),
    )
