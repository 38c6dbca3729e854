"""A user template made the way a coordinator makes one, and what its compiled scores must be.

The template starts from `partnersheet templates init ... --from effectiveness` and is then edited
as text, as a person edits the file: one criterion reworded, one criterion added, a new choice list
and a choice field using it. Expected scores are computed here from the ratings a test typed and
the spec text read with ``tomllib`` (never through partnersheet's loader), with the scale written
out below.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from helpers import run_cli

USER_ID = "our-rubric"
# What the edits do, by the words a coordinator would write.
REWORDED_ID = "leadership__meetings"
REWORDED_OLD = "Participate in meetings"
REWORDED_TEXT = "Attend and contribute to partnership meetings"
ADDED_ID = "leadership__shared_credit"
ADDED_TEXT = "Share credit for results with each other"
CHOICE_LIST = "meeting_frequency"
CHOICES = ("Weekly", "Monthly", "Quarterly", "Rarely")
CHOICE_FIELD = "meeting_frequency"
CHOICE_LABEL = "How often do the partners meet?"

# The effectiveness scale, written out here so expected figures do not come from the code.
SCORES = {"Highly effective": 4.0, "Effective": 3.0, "Somewhat effective": 2.0, "Ineffective": 1.0}
NOT_OBSERVED = "Not observed"
LABELS = (*SCORES, NOT_OBSERVED)


def replace_once(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced exactly once; an edit that does not apply fails the test."""
    assert text.count(old) == 1, f"expected {old!r} once in the spec"
    return text.replace(old, new)


def edit_spec(text: str) -> str:
    """The coordinator's edits to a spec made by `templates init` from effectiveness."""
    text = replace_once(
        text,
        f'{{ id = "meetings", text = "{REWORDED_OLD}" }},',
        f'{{ id = "meetings", text = "{REWORDED_TEXT}" }},\n'
        f'  {{ id = "{ADDED_ID.split("__")[1]}", text = "{ADDED_TEXT}" }},',
    )
    choices = ", ".join(f'"{c}"' for c in CHOICES)
    text = replace_once(
        text, 'side = ["Library", "Partner"]\n', f'side = ["Library", "Partner"]\n{CHOICE_LIST} = [{choices}]\n'
    )
    anchor = 'help = "Which assessment round this is, e.g. Spring 2026. Ask the coordinator if unsure." },\n'
    field = (
        f'  {{ id = "{CHOICE_FIELD}", label = "{CHOICE_LABEL}", type = "choice", choices = "{CHOICE_LIST}", '
        'required = true, help = "Choose how often the partners meet, from the list." },\n'
    )
    return replace_once(text, anchor, anchor + field)


def init_template(folder: Path, new_id: str = USER_ID, name: str | None = None) -> Path:
    """`partnersheet templates init NEW_ID --from effectiveness -o FOLDER/NAME.toml`; the file written."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / (name or f"{new_id}.toml")
    result = run_cli("templates", "init", new_id, "--from", "effectiveness", "-o", str(spec))
    assert result.exit_code == 0, result.output
    return spec


def make_edited_template(folder: Path, new_id: str = USER_ID) -> Path:
    """A user template folder holding the edited spec; the spec's path."""
    spec = init_template(folder, new_id)
    spec.write_text(edit_spec(spec.read_text(encoding="utf-8")), encoding="utf-8")
    return spec


@dataclass(frozen=True)
class Indicator:
    """One indicator as the spec text declares it: its label and its criteria's field ids."""

    id: str
    label: str
    criteria: tuple[str, ...]


def rubric_of(spec: Path) -> list[Indicator]:
    """The indicators and criteria of a spec's rubric, read from its TOML text with tomllib."""
    raw = tomllib.loads(spec.read_text(encoding="utf-8"))
    out = []
    for sheet in raw["sheets"]:
        for section in sheet["sections"]:
            if section["layout"] != "rubric":
                continue
            for group in section["groups"]:
                ids = tuple(f"{group['id']}__{c['id']}" for c in group["criteria"])
                out.append(Indicator(group["id"], group["label"], ids))
    return out


def expected_indicators(
    rubrics: Iterable[Sequence[Indicator]], typed: Iterable[Mapping[str, str]], same: Mapping[str, str] | None = None
) -> dict[str, tuple[float | None, int]]:
    """Indicator label -> (mean score, number of ratings) over every rater's typed ratings.

    ``typed`` holds each rater's field id -> label typed; ``rubrics`` the rubric each rater's
    workbook had (one per rater, in the same order); ``same`` maps an old criterion id to the
    one it counts as. "Not observed" is not a rating and is left out.
    """
    labels = {}
    scores: dict[str, list[float]] = {}
    for rubric, ratings in zip(rubrics, typed, strict=True):
        for indicator in rubric:
            labels.setdefault(indicator.id, indicator.label)
            for fid in indicator.criteria:
                text = ratings.get(fid)
                if text in SCORES:
                    scores.setdefault(indicator.id, []).append(SCORES[text])
    out: dict[str, tuple[float | None, int]] = {}
    for iid, label in labels.items():
        mine = scores.get(iid, [])
        out[label] = (sum(mine) / len(mine) if mine else None, len(mine))
    return out


def sheet_table(ws: Any, first: str) -> list[dict[str, Any]]:
    """The rows under the first header row whose first cell is ``first``, as dicts, to a blank row."""
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == first)
    headers = [c.value for c in ws[top]]
    rows = []
    for r in range(top + 1, ws.max_row + 1):
        values = [c.value for c in ws[r]]
        if values[0] in (None, ""):
            break
        rows.append({h: v for h, v in zip(headers, values, strict=False) if h})
    return rows


def indicator_scores(comparison: Path, partnership: str) -> dict[str, tuple[float | None, int]]:
    """Indicator -> (Score, Ratings) for one partnership, from the comparison's Indicators sheet."""
    wb = openpyxl.load_workbook(comparison, read_only=False)
    rows = sheet_table(wb["Indicators"], "Partnership")
    return {r["Indicator"]: (r["Score"], r["Ratings"]) for r in rows if r["Partnership"] == partnership}


def sheet_text(ws: Any) -> str:
    """Every text on a sheet, one cell a line (notes and merged cells included)."""
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))
