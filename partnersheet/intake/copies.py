"""Corrected copies: a rater's workbook sent more than once, and which copy counts.

The newest copy counts (the workbook's own last-saved time, else the file's modification time);
each older one is a ``superseded`` warning naming the newer file. Copies that cannot be told apart
are errors asking the coordinator to remove one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from ..files import display_name
from ..i18n import Phrase, phrase
from ..types.parsing import collapse
from .problems import Problem, ProblemCode, make_problem
from .read import Submission


def same_text(a: str, b: str) -> bool:
    """Equal but for case and spacing."""
    return collapse(a) == collapse(b)


def _who(sub: Submission) -> tuple[str, ...] | None:
    """The person-and-partnership key of a submission, when it has one."""
    parts = []
    for key in ("partner", "rater", "round"):
        f = sub.template.identity_field(key)
        text = sub.values[f.id].text if f is not None and f.id in sub.values else ""
        parts.append(collapse(text))
    if not parts[0] or not parts[1]:
        return None
    return (sub.template.id, *parts)


def _content(sub: Submission) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v.text) for k, v in sub.values.items()))


def _saved_key(sub: Submission) -> tuple[float, float]:
    """When a copy was last saved: the workbook's own time first, then the file's."""
    return (_timestamp(sub.saved_at), sub.file_modified)


def _timestamp(text: str) -> float:
    """An ISO 8601 time as seconds (UTC when no zone is written); 0 when missing or unreadable."""
    text = text.strip()
    if not text:
        return 0.0
    text = re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+00:00"))  # LibreOffice writes nanoseconds
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return 0.0
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _copies_of_one_return(subs: list[Submission]) -> list[list[Submission]]:
    """Groups of files that are the same rater's return: one workbook id made for one rater, or the
    same template, partner, rater and round as typed. A workbook made for a partnership only may be
    copied to several raters: its copies are one return only when their answers are identical."""
    parent = list(range(len(subs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    first: dict[tuple[Any, ...], int] = {}
    for i, sub in enumerate(subs):
        keys: list[tuple[Any, ...]] = []
        if sub.workbook_id and sub.identity.get("rater"):
            keys.append(("id", sub.workbook_id))
        elif sub.workbook_id:
            keys.append(("copy", sub.workbook_id, _content(sub)))
        who = _who(sub)
        if who is not None:
            keys.append(("who", *who))
        for key in keys:
            if key in first:
                join(i, first[key])
            else:
                first[key] = i
    groups: dict[int, list[Submission]] = {}
    for i, sub in enumerate(subs):
        groups.setdefault(root(i), []).append(sub)
    return [g for g in groups.values() if len(g) > 1]


def check_batch(subs: list[Submission]) -> dict[str, list[Problem]]:
    """Problems that only show across files: a rater's workbook sent more than once.

    The newest copy counts (the workbook's own last-saved time, else the file's modification time)
    and each older one is a `superseded` warning naming the newer file; an identical copy is
    superseded by the first. When the newest cannot be told apart from another copy, both are errors.
    """
    found: dict[str, list[Problem]] = {}
    for group in _copies_of_one_return(sorted(subs, key=lambda s: s.file)):
        latest = max(group, key=_saved_key)
        # Identical copies: whichever is newer, the first by name counts (nothing differs between them).
        newest = min((s for s in group if s.sha256 == latest.sha256), key=lambda s: s.file)
        ties = [s for s in group if s.sha256 != newest.sha256 and _saved_key(s) == _saved_key(latest)]
        undecided = [newest, *ties] if ties else []
        for sub in undecided:
            found.setdefault(sub.file, []).append(_cannot_tell(sub, [s for s in undecided if s is not sub]))
        for sub in group:
            if sub is newest or sub in ties:
                continue
            how = (
                phrase("an identical copy")
                if sub.sha256 == newest.sha256
                else phrase("saved {newer}, this one {older}", newer=_when(newest), older=_when(sub))
            )
            found.setdefault(sub.file, []).append(
                make_problem(
                    ProblemCode.SUPERSEDED,
                    sub.file,
                    detail=how,
                    other=display_name(newest.file),
                    context={"newer": display_name(newest.file)},
                )
            )
    return found


def _cannot_tell(sub: Submission, others: list[Submission]) -> Problem:
    """Copies saved at the same moment with different answers: the coordinator must choose."""
    other = ", ".join(display_name(s.file) for s in others)
    if sub.workbook_id and all(s.workbook_id == sub.workbook_id for s in others):
        return make_problem(ProblemCode.DUPLICATE_WORKBOOK, sub.file, value=sub.workbook_id, other=other)
    who = _who(sub) or ()
    detail = " / ".join(p for p in who[1:] if p)
    return make_problem(ProblemCode.DUPLICATE_SUBMISSION, sub.file, detail=detail, other=other)


def _when(sub: Submission) -> str | Phrase:
    stamp = _timestamp(sub.saved_at) or sub.file_modified
    if not stamp:
        return phrase("at an unknown time")
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
