"""Confidentiality: a computed comparison turned into what may be shown, before any sheet sees it.

Each template's spec says whether its results are confidential (the default) and the fewest raters
a side needs before its own figures are shown; ``compile --confidential`` / ``--attributed``
decide for one run. In confidential mode:

* a side with fewer raters than the minimum in a partnership and round has its scores, its gap and
  its notes' side withheld, with the reason in place of the figure. Its ratings still count in the
  overall figures, so when showing the other sides would let the small side's figures be worked out
  from the overall (two sides: overall and one side give the other), those are withheld too;
* names, workbook ids and file names become keys (``Pseudonyms``); notes lose their writer, and a
  rater's name typed in any text becomes ``[name]``;
* the Data sheet and the tidy export (``RowMask``): where a side is withheld, that partnership and
  round's rows carry no key, file, cell or side, and are sorted by field and value, so no row can
  be tied to another row of the same person, and filtering cannot single anyone out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import UsageError
from ..files import display_basename, display_name
from ..intake.validate import FileReport
from ..spec import Template
from ..workbook.layout import layout_for
from .agreements import masked_agreement
from .core import TIDY_KEYS, Comparison
from .pseudonyms import FILE, RATER, WORKBOOK, Pseudonyms
from .scores import (
    EXCLUDED,
    EvidenceRow,
    IndicatorResult,
    InstrumentResult,
    PartnershipResult,
    key_of,
)
from .tallies import ChoiceSummary
from .trends import trends_of

CONFIDENTIAL, ATTRIBUTED = "confidential", "attributed"
_TAIL = 4  # file names are found in texts by their last this many characters
MODES = (CONFIDENTIAL, ATTRIBUTED)
NAME_REMOVED = "[name]"


def fewer_than(n: int, side: str) -> str:
    """The mark in place of a withheld side's figure, distinct from an empty "no data" cell."""
    return f"fewer than {n} {side.lower()} raters"


def would_reveal(side: str) -> str:
    return f"not shown: would reveal the {side.lower()} side"


@dataclass(frozen=True)
class Applied:
    """The confidentiality one template's results were shown under, and who decided it."""

    template_id: str
    title: str
    attributed: bool
    min_raters: int
    source: str

    def words(self) -> str:
        if self.attributed:
            return f"Attributed ({self.source}): names, sides and every figure are shown."
        return (
            f"Confidential ({self.source}): a side's own scores are shown only when at least {self.min_raters} of "
            "its raters took part in the partnership and round; names, workbook ids and file names are replaced "
            "by keys, and notes are shown without their writer."
        )


def applied_for(template: Template, override: str | None) -> Applied:
    if override is not None and override not in MODES:
        raise UsageError(f"confidentiality {override!r} is not one of: {', '.join(MODES)}")
    conf = template.confidentiality
    attributed = conf.attributed if override is None else override == ATTRIBUTED
    source = "as its template spec says" if override is None else f"--{override} for this run"
    return Applied(template.id, template.title, attributed, conf.min_raters, source)


def withheld_sides(raters: dict[str, int], min_raters: int) -> dict[str, str]:
    """Sides whose figures may not be shown, with why: each side with 1 to ``min_raters - 1`` raters,
    then, smallest first, sides that would let them be worked out from the overall figures."""
    small = [side for side, n in raters.items() if 0 < n < min_raters]
    if not small:
        return {}
    reasons = {side: fewer_than(min_raters, side) for side in small}
    hidden = sum(raters[side] for side in small)
    for side in sorted((s for s, n in raters.items() if n >= min_raters), key=lambda s: raters[s]):
        if hidden >= min_raters:
            break
        reasons[side] = would_reveal(small[0])
        hidden += raters[side]
    return reasons


def _mask_partnership(p: PartnershipResult, min_raters: int) -> PartnershipResult:
    withheld = withheld_sides(p.raters_by_side, min_raters)
    indicators = tuple(_mask_indicator(r, min_raters, withheld) for r in p.indicators)
    choices = tuple(_mask_choices(s, min_raters, withheld) for s in p.choices)
    for r in indicators:  # a side's overall would give away an indicator score withheld for it
        for side, score in r.by_side.items():
            if score.withheld and side not in withheld:
                withheld[side] = f"not shown: {score.withheld} on {r.indicator.label}"
    for s in choices:  # and a side's rows on the Data sheet, the answers withheld for it
        for side, tally in s.by_side.items():
            if tally.withheld and side not in withheld:
                withheld[side] = f"not shown: {tally.withheld} on {s.field.label}"
    side_overall = {side: None if side in withheld else v for side, v in p.side_overall.items()}
    return replace(p, indicators=indicators, side_overall=side_overall, withheld=withheld, choices=choices)


def _mask_choices(s: ChoiceSummary, min_raters: int, withheld: dict[str, str]) -> ChoiceSummary:
    """A side's counts withheld as its scores are: too few raters answered, or they would give a small
    side's counts away (everyone's counts minus the other side's)."""
    reasons = dict(withheld)
    for side, why in withheld_sides({side: t.raters for side, t in s.by_side.items()}, min_raters).items():
        reasons.setdefault(side, why)
    return replace(
        s, by_side={side: t.hidden(reasons[side]) if side in reasons else t for side, t in s.by_side.items()}
    )


def _mask_indicator(r: IndicatorResult, min_raters: int, withheld: dict[str, str]) -> IndicatorResult:
    reasons = dict(withheld)  # the partnership's reasons first: they hold for every indicator
    for side, why in withheld_sides({s: v.raters for s, v in r.by_side.items()}, min_raters).items():
        reasons.setdefault(side, why)
    by_side = {s: replace(v, score=None, withheld=reasons[s]) if s in reasons else v for s, v in r.by_side.items()}
    return replace(r, by_side=by_side)


HONORIFICS = frozenset({"Mrs", "Miss", "Sir", "Madam", "Sra", "Srta", "Don", "Doña", "Dra", "Prof"})


def _name_part(part: str) -> bool:
    """A part of a name that names someone on its own: capitalised, three letters or more, no
    abbreviation ("Dr.", "J.") or title."""
    return len(part) >= 3 and part[0].isupper() and "." not in part and part not in HONORIFICS


class Scrubber:
    """Replaces raters' names typed anywhere in a text with ``[name]`` (whole, or any capitalised part
    of three letters or more on its own), and file names with keys."""

    def __init__(self, names: Iterable[str], files: dict[str, str], keep: Iterable[str] = ()) -> None:
        """``keep``: words never taken out on their own (the forms' own words, partners, rounds,
        sides), since a rater who typed a role ("Library Staff") must not blank every "Library"."""
        names = [n for n in names if n]
        kept = {word.casefold() for word in keep}
        words = sorted({key_of(n) for n in names if len(key_of(n)) >= 3}, key=len, reverse=True)
        parts = [r"\s+".join(map(re.escape, w.split())) for w in words]
        self._names = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE) if parts else None
        # Each part of a name on its own ("Maya" of Maya Okafor), as written: capitalised, three
        # letters or more, so "de" or an initial is not taken, nor "may" for May Chen mid-sentence.
        single = sorted(
            {p for n in names for p in n.split() if _name_part(p) and p.casefold() not in kept}, key=len, reverse=True
        )
        self._parts = (
            re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, single)) + r")(?!\w)") if single else None
        )
        # File names indexed by how they end (".xlsx") and their length: a text is searched for the
        # few endings, and only where one occurs for a name, whatever the number of inputs (checking
        # each of 10,000 names in every text made compile quadratic).
        self._files: dict[str, dict[int, dict[str, str]]] = {}
        self._short: list[tuple[str, str]] = []
        for name, key in sorted(files.items(), key=lambda kv: len(kv[0]), reverse=True):
            if len(name) >= _TAIL:
                self._files.setdefault(name[-_TAIL:], {}).setdefault(len(name), {})[name] = key
            elif name:
                self._short.append((name, key))
        self._lengths = {tail: sorted(by_length, reverse=True) for tail, by_length in self._files.items()}
        self.done: dict[str, str] = {}
        """Texts already scrubbed, and how: most repeat (ratings, names), so each is scrubbed once."""

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        found = self.done.get(value)
        if found is not None:
            return found
        text = self._file_keys(value)
        text = self._names.sub(NAME_REMOVED, text) if self._names is not None else text
        text = self._parts.sub(NAME_REMOVED, text) if self._parts is not None else text
        if len(self.done) < 200_000:
            self.done[value] = text
        return text

    def many(self, values: Iterable[Any]) -> list[Any]:
        """``[self(v) for v in values]``, with the cache looked up inline (the Data sheet asks ~500,000 times)."""
        done = self.done
        return [done.get(v) or self(v) if isinstance(v, str) else v for v in values]

    def _file_keys(self, text: str) -> str:
        """Each file name in ``text`` -> its key (the longest name where several end at one place)."""
        found: list[tuple[int, int, str]] = []  # (start, end, key)
        for tail, by_length in self._files.items():
            at = text.find(tail)
            while at >= 0:
                end = at + _TAIL
                for length in self._lengths[tail]:
                    key = by_length[length].get(text[end - length : end]) if length <= end else None
                    if key is not None:
                        found.append((end - length, end, key))
                        break
                at = text.find(tail, at + 1)
        if found:
            parts: list[str] = []
            last = 0
            for start, end, key in sorted(found, key=lambda m: (m[0], m[0] - m[1])):
                if start >= last:  # overlapping matches: the earlier (then longer) one wins
                    parts += [text[last:start], key]
                    last = end
            text = "".join(parts) + text[last:]
        for name, key in self._short:
            if name in text:
                text = text.replace(name, key)
        return text


@dataclass
class _Return:
    """How one returned workbook's rows may be shown."""

    file_key: str
    workbook_key: str
    rater_key: str
    rater_fields: frozenset[str]
    group: tuple[str, str, str]
    unlinked: str = ""
    """The reason its partnership and round is withheld on a side ("" when rows may carry keys)."""
    dropped: bool = False


@dataclass
class RowMask:
    """The tidy rows as they may be shown (module docstring): keys for names, and unlinked groups."""

    returns: dict[str, _Return]
    scrub: Scrubber
    field_order: dict[str, dict[str, int]]
    count: int = 0
    cols: dict[str, int] = field(default_factory=lambda: {key: i for i, key in enumerate(TIDY_KEYS)})

    def rows(self, rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        col = self.cols
        # The columns before the field are the same on every row of one return (file, names,
        # round): they are worked out once per return, the rest once per row.
        split = col["field_id"]
        typed, value, cell = col["value_as_typed"] - split, col["value"] - split, col["cell"] - split
        # Of the rest, only what was typed and the sheet's name come from the returned file; the field,
        # its label, score, cell, status and problem are the tool's own words and are never scrubbed.
        texts = (typed, value, col["sheet"] - split)
        done, scrub_one = self.scrub.done, self.scrub
        last: tuple[_Return | None, tuple[Any, ...], list[Any]] = (None, (), [])
        unlinked: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = []
        for row in rows:
            ret = self.returns.get(row[col["file"]])
            if ret is None:  # a template shown attributed
                yield row
                continue
            if ret.dropped:
                continue
            head_in = row[:split]
            if ret is not last[0] or head_in != last[1]:
                last = (ret, head_in, self._head(ret, head_in))
            head = last[2]
            tail = list(row[split:])
            for i in texts:
                v = tail[i]
                if isinstance(v, str):
                    tail[i] = done.get(v) or scrub_one(v)
            if row[split] in ret.rater_fields:
                tail[typed] = tail[value] = head[col["rater"]]
            if ret.unlinked:
                tail[cell] = ""
                order = self.field_order[row[col["template_id"]]].get(row[split], 1 << 30)
                unlinked.append(((ret.group, order, str(tail[typed])), (*head, *tail)))
            else:
                yield (*head, *tail)
        unlinked.sort(key=lambda item: item[0])
        yield from (row for _, row in unlinked)

    def _head(self, ret: _Return, head_in: tuple[Any, ...]) -> list[Any]:
        """The columns naming a return, as they may be shown: keys, or nothing where unlinked."""
        col = self.cols
        replaced = (col["file"], col["workbook_id"], col["rater"])  # by keys below: never scrubbed
        head = self.scrub.many(v if i not in replaced else "" for i, v in enumerate(head_in))
        head[col["file"]] = "" if ret.unlinked else ret.file_key
        head[col["workbook_id"]] = "" if ret.unlinked else ret.workbook_key
        head[col["rater"]] = ret.unlinked or ret.rater_key
        if ret.unlinked:
            head[col["side"]] = ""
        return head


def shown(c: Comparison, override: str | None = None) -> Comparison:
    """The comparison as it may be shown, by each template's confidentiality (or ``override``)."""
    templates: dict[str, Template] = {}
    for sub in c.submissions:
        templates.setdefault(sub.template_id, sub.template)
    applied = {tid: applied_for(t, override) for tid, t in sorted(templates.items())}
    if not any(not a.attributed for a in applied.values()):
        return replace(c, applied=applied)
    names = Pseudonyms(row.sha256 for row in c.inputs)
    confidential = {tid for tid, a in applied.items() if not a.attributed}
    instruments = [
        replace(res, partnerships=tuple(_mask_partnership(p, applied[tid].min_raters) for p in res.partnerships))
        if (tid := res.instrument.template.id) in confidential
        else res
        for res in c.instruments
    ]
    subs = sorted(c.submissions, key=lambda s: s.file)
    file_keys = {s.shown_file: names.key(FILE, s.shown_file) for s in subs}
    file_keys |= {f.file: names.key(FILE, display_name(f.file)) for f in c.batch.files}
    scrub = Scrubber((s.who.rater for s in subs), _file_names(c, file_keys), _own_words(templates, subs))
    mask = _row_mask(c, subs, instruments, applied, names, scrub)
    withheld = {p.label: p.withheld for res in instruments for p in res.partnerships}
    evidence = _evidence(c.evidence, withheld, scrub)
    candidates = [
        replace(
            t,
            file=file_keys.get(t.file, names.key(FILE, t.file)),
            about=tuple((label, scrub(v)) for label, v in t.about if label not in _rater_labels(templates)),
            notes=tuple((label, scrub(v)) for label, v in t.notes),
            organizations=tuple(scrub(o) for o in t.organizations),
        )
        for t in c.candidates
    ]
    inputs = sorted(
        (
            replace(row, file=names.key(FILE, row.file), workbook_id=names.key(WORKBOOK, row.workbook_id), sha256="")
            for row in c.inputs
        ),
        key=lambda r: r.file,
    )
    # Reports keep their own file (what statuses are looked up by); their problems name keys.
    batch = replace(c.batch, files=[_masked_report(f, file_keys[f.file], names, scrub) for f in c.batch.files])
    return replace(
        c,
        batch=batch,
        instruments=instruments,
        trends=[trends_of(res, c.rounds.labels) for res in instruments],  # over the masked partnerships
        evidence=evidence,
        candidates=candidates,
        inputs=inputs,
        applied=applied,
        mask=mask,
        names=names,
        actions=c.actions.masked(scrub) if c.actions is not None else None,
        agreements=[masked_agreement(a, scrub) for a in c.agreements],
    )


def _own_words(templates: dict[str, Template], subs: list[Any]) -> set[str]:
    """Every word of the forms (in each language a return came in), their lists, the partners,
    rounds and sides: words that stay even when a rater's name holds one of them."""
    texts: set[str] = set()
    views = {(s.template_id, s.lang): s.view for s in subs} | {(tid, t.lang): t for tid, t in templates.items()}
    for view in views.values():
        texts.update(c.text for sl in layout_for(view).sheets for c in sl.cells)
        texts.update(option for f in view.fields for option in view.options(f))
    for sub in subs:
        who = sub.who
        texts.update((who.partner, who.round, who.side))
    return {word for text in texts for word in re.findall(r"\w+", text)}


def _file_names(c: Comparison, keys: dict[str, str]) -> dict[str, str]:
    """Every spelling of every input's name that a message may carry -> its key."""
    found: dict[str, str] = {}
    for f in c.batch.files:
        key = keys[f.file]
        found[display_name(f.file)] = key
        found[f.file] = key
        found.setdefault(display_basename(f.file), key)
    return found


def _rater_labels(templates: dict[str, Template]) -> set[str]:
    return {f.label for t in templates.values() if (f := t.identity_field("rater")) is not None}


def _masked_report(f: FileReport, key: str, names: Pseudonyms, scrub: Scrubber) -> FileReport:
    problems = [
        replace(p, file=key, message=scrub(p.message), hint=scrub(p.hint), value=scrub(p.value), context={})
        for p in f.problems
    ]
    return replace(f, problems=problems, workbook_id=names.key(WORKBOOK, f.workbook_id), identity={})


def _evidence(rows: list[EvidenceRow], withheld: dict[str, dict[str, str]], scrub: Scrubber) -> list[EvidenceRow]:
    """Notes without their writer, grouped by indicator; without the side where the side is withheld."""
    out = []
    for e in rows:
        if e.status == EXCLUDED:
            continue  # one file's notes marked apart would be one person's notes side by side
        side = "" if e.side in withheld.get(e.partnership, {}) else e.side
        text = scrub(e.text)
        order = (e.order[0], e.order[1], e.order[2] if side else 1 << 30, key_of(text))
        out.append(EvidenceRow(e.partnership, e.indicator, "", side, text, "", e.status, order))
    out.sort(key=lambda e: e.order)
    return out


def _row_mask(
    c: Comparison,
    subs: list[Any],
    instruments: list[InstrumentResult],
    applied: dict[str, Applied],
    names: Pseudonyms,
    scrub: Scrubber,
) -> RowMask:
    """How each confidential return's tidy rows may be shown (see RowMask)."""
    reasons: dict[tuple[str, str, str], str] = {}
    for res in instruments:
        for p in res.partnerships:
            if p.withheld:
                group = (res.instrument.template.id, key_of(p.partner), key_of(p.round))
                reasons[group] = next(iter(p.withheld.values()))
    everyone: dict[tuple[str, str, str], dict[str, set[str]]] = {}
    for sub in subs:  # excluded returns count too: they are rows of the Data sheet
        who = sub.who
        group = (sub.template_id, key_of(who.partner), key_of(who.round))
        everyone.setdefault(group, {}).setdefault(who.side, set()).add(key_of(who.rater) or sub.file)
    for group, sides in everyone.items():
        a = applied[group[0]]
        counted = {side: len(raters) for side, raters in sides.items() if side}
        found = {} if a.attributed else withheld_sides(counted, a.min_raters)
        if found and group not in reasons:
            reasons[group] = next(iter(found.values()))
    returns: dict[str, _Return] = {}
    count = 0
    for sub in subs:
        if applied[sub.template_id].attributed:
            count += len(sub.values) + len(sub.strays)
            continue
        who = sub.who
        group = (sub.template_id, key_of(who.partner), key_of(who.round))
        rater_field = sub.template.identity_field("rater")
        ret = _Return(
            names.key(FILE, sub.shown_file),
            names.key(WORKBOOK, sub.workbook_id),
            names.key(RATER, who.rater),
            frozenset([rater_field.id] if rater_field is not None else []),
            group,
            reasons.get(group, ""),
        )
        ret.dropped = bool(ret.unlinked) and sub.file in c.excluded
        count += 0 if ret.dropped else len(sub.values) + len(sub.strays)
        returns[sub.shown_file] = ret
    order = {tid: {f.id: i for i, f in enumerate(t.fields)} for tid, t in _templates(subs).items()}
    return RowMask(returns, scrub, order, count)


def _templates(subs: list[Any]) -> dict[str, Template]:
    found: dict[str, Template] = {}
    for sub in subs:
        found.setdefault(sub.template_id, sub.template)
    return found
