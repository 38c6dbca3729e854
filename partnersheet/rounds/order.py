"""The order of assessment rounds: by their assessment dates, or as the coordinator says.

Round labels are free text ("Spring 2026", "Year 2"), so their order cannot be read from the
labels. Each round is placed by the median of its assessment dates (one late straggler does not
move a round), or by an explicit list (``compile --round-order "Spring 2026,Fall 2026"``). Labels
match ignoring case and spacing. This module knows nothing of templates: the caller hands it each
submission's round label and dates.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..errors import UsageError
from ..types.parsing import collapse, natural, one_line

NO_ROUND = "(no round)"


def round_key(label: str) -> str:
    """How round labels are compared: case and spacing ignored."""
    return collapse(str(label or ""))


@dataclass(frozen=True)
class RoundOrder:
    """Rounds in order, first to last. ``labels`` as first written; ``how`` says what decided it."""

    labels: tuple[str, ...]
    how: str

    def position(self, label: str) -> int:
        """1 for the first round; 0 for a label not among the rounds."""
        key = round_key(label)
        for i, known in enumerate(self.labels, start=1):
            if round_key(known) == key:
                return i
        return 0

    def label_of(self, label: str) -> str:
        """The round's label as first written (or ``NO_ROUND`` for an unnamed round)."""
        found = self.position(label)
        return (self.labels[found - 1] if found else label) or NO_ROUND

    def __len__(self) -> int:
        return len(self.labels)


def parse_round_order(text: str) -> list[str]:
    """``"Spring 2026, Fall 2026"`` -> ``["Spring 2026", "Fall 2026"]``; refuses repeats and blanks."""
    labels = [one_line(part) for part in text.split(",")]
    if not any(labels):
        raise UsageError("--round-order is empty", 'list the rounds first to last, e.g. "Spring 2026,Fall 2026"')
    if not all(labels):
        raise UsageError(f"--round-order {text!r} has an empty round name", "remove the extra comma")
    seen: set[str] = set()
    for label in labels:
        if round_key(label) in seen:
            raise UsageError(f"--round-order names {label!r} twice", "list each round once, first to last")
        seen.add(round_key(label))
    return labels


def order_rounds(seen: Iterable[tuple[str, Iterable[date]]], given: Sequence[str] | None = None) -> RoundOrder:
    """Order the rounds of ``seen`` ((round label, assessment dates) per submission).

    Without ``given``: by the median assessment date of each round; rounds with no date come last,
    by name. With ``given``: in that order; a round in the returns that ``given`` leaves out is a
    ``UsageError`` naming it (the unnamed round, returns without a round label, goes first).
    """
    labels: dict[str, str] = {}
    dates: dict[str, list[int]] = {}
    for label, found in seen:
        key = round_key(label)
        labels.setdefault(key, one_line(label))
        dates.setdefault(key, []).extend(d.toordinal() for d in found)
    if given is not None:
        listed = {round_key(label): label for label in given}
        missing = sorted(labels[k] for k in labels if k and k not in listed)
        if missing:
            raise UsageError(
                "--round-order leaves out " + ", ".join(repr(m) for m in missing),
                "list every round the returns name, first to last",
            )
        keys = [k for k in listed if k in labels]
        ordered = ([""] if "" in labels else []) + keys
        return RoundOrder(tuple(labels[k] for k in ordered), "as given (--round-order)")

    def by_date(key: str) -> tuple[Any, ...]:
        found = dates[key]
        return (0, statistics.median(found), natural(key)) if found else (1, 0, natural(key))

    ordered = sorted(labels, key=by_date)
    return RoundOrder(tuple(labels[k] for k in ordered), "by the median assessment date of each round")
