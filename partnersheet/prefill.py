"""A new workbook pre-filled from another template's return: the agreement from a partnership table.

The mapping is declared in the spec, not here: the template names its source (``prefill_from``) and
each field that is copied says from which answer (``from = "org{n}_library_financial_amount"``,
``{n}`` being the chosen candidate). A table with errors, or an empty candidate, is refused
with the file and cell named, so nothing half-checked reaches an agreement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import PartnersheetError, UsageError
from .files import display_name, inputs_apart_from_outputs
from .intake.problems import ERROR
from .intake.read import Submission, Unreadable, read_submission
from .intake.validate import check_submission
from .spec import IDENTITY_KEYS, Field, SpecError, Template, TemplateRegistry
from .workbook.generate import generate, personalise

MAX_CANDIDATE = 99


class PrefillRefused(PartnersheetError):
    """The return to pre-fill from cannot be used as it is: it names the file and the cell."""


@dataclass(frozen=True)
class Prefill:
    """What goes into the new workbook: identity values (locked) and answers, each with its source."""

    identity: dict[str, str]
    answers: dict[str, Any]
    sources: dict[str, str]  # field id -> "Sheet!C5" of the return it came from
    file: str


def _source_id(template: Template, f: Field, source: Template, candidate: int) -> str:
    wanted = (f.prefill or "").replace("{n}", str(candidate))
    if wanted not in source.fields_by_id:
        raise SpecError(
            f"{template.source}: field {f.id}: from = {f.prefill!r} names no field of {source.id!r}",
            "use the id of one of its fields, with {n} for the candidate's number",
        )
    return wanted


def _candidates(source: Template) -> int:
    """How many candidates the source offers: the blocks of its repeated section."""
    return max((len(s.groups) for _, s in source.sections() if s.layout == "blocks"), default=1)


def prefill_from_return(
    template: Template, path: str | Path, candidate: int, registry: TemplateRegistry | None = None
) -> Prefill:
    """Read and check ``path`` (a return of ``template.prefill_from``) and take candidate N's answers."""
    if template.prefill_from is None:
        raise UsageError(f"template {template.id!r} is not pre-filled from another workbook", "leave out --from")
    name = display_name(str(path))
    sub = read_submission(path, registry)
    if isinstance(sub, Unreadable):
        raise PrefillRefused(f"{name}: {sub.problem.message}", sub.problem.hint)
    if sub.template.id != template.prefill_from:
        raise PrefillRefused(
            f"{name}: a {sub.template.id} workbook, not a {template.prefill_from}",
            f"give a returned {template.prefill_from} workbook",
        )
    errors = [p for p in check_submission(sub) if p.severity == ERROR]
    if errors:
        first = errors[0]
        where = f"{first.sheet}!{first.cell}" if first.cell else first.sheet or "-"
        more = f" and {len(errors) - 1} more" if len(errors) > 1 else ""
        raise PrefillRefused(
            f"{name}: {where}: {first.message}{more}",
            f"fix the table first (partnersheet validate {name} lists every problem)",
        )
    count = _candidates(sub.template)
    if not 1 <= candidate <= min(count, MAX_CANDIDATE):
        raise UsageError(f"candidate {candidate}: the table has candidates 1 to {count}", f"choose 1 to {count}")
    mapped = {f.id: _source_id(template, f, sub.template, candidate) for f in template.fields if f.prefill}
    _refuse_empty_candidate(template, sub, mapped, candidate, name)
    identity: dict[str, str] = {}
    answers: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for fid, src in mapped.items():
        v = sub.values.get(src)
        if v is None or v.empty:
            continue
        f = template.field(fid)
        if f.identity:
            identity[f.identity] = v.text.strip()
        else:
            answers[fid] = _as_shown(template, f, v.value)
        sources[fid] = f"{v.sheet}!{v.cell}"
    return Prefill(identity, answers, sources, name)


def _as_shown(template: Template, f: Field, value: Any) -> Any:
    """An answer as typed in the new workbook: a list answer, kept as its English label, is shown
    as the option of the workbook's language (by position); any other answer as it was typed."""
    english = template.base.options(template.base.field(f.id))
    return template.options(f)[english.index(value)] if value in english else value


def _refuse_empty_candidate(
    template: Template, sub: Submission, mapped: Mapping[str, str], candidate: int, name: str
) -> None:
    """A candidate with none of its own answers (those under ``{n}``) cannot make an agreement."""
    own = [src for fid, src in mapped.items() if "{n}" in (template.field(fid).prefill or "")]
    if own and all(sub.values.get(src) is None or sub.values[src].empty for src in own):
        first = sub.values.get(own[0])
        cell = f"{first.sheet}!{first.cell}: " if first is not None else ""
        label = sub.template.field(own[0]).full_label
        raise PrefillRefused(
            f"{name}: {cell}candidate {candidate} is empty ({label} and its other answers are blank)",
            "choose a candidate the table describes",
        )


def identity_values(prefill: Prefill, given: Mapping[str, str]) -> dict[str, str]:
    """Identity for the new workbook: what the command line gives wins over the return's."""
    return {key: given.get(key) or prefill.identity.get(key, "") for key in IDENTITY_KEYS}


def write_prefilled(
    template: Template,
    source: str | Path,
    candidate: int,
    output: str | Path,
    given: Mapping[str, str] | None = None,
    *,
    force: bool = False,
    created: Any = None,
    registry: TemplateRegistry | None = None,
) -> Path:
    """``new agreement --from SOURCE --candidate N``: write ``output`` pre-filled from a returned table."""
    inputs_apart_from_outputs([Path(source)], [Path(output)])
    prefill = prefill_from_return(template, source, candidate, registry)
    who = personalise(template, identity_values(prefill, given or {}))
    return generate(template, output, who, force=force, created=created, answers=prefill.answers)
