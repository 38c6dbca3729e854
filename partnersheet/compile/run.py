"""``compile`` as one call: the rules around compiling, then the comparison and the tidy data.

The rules live here, not in the command line, so the CLI, the demo and any script get the same
behaviour: the comparison must be an .xlsx file and the tidy data .csv or .json; no output is ever
written over a file being read (the tool's own earlier outputs among the returns are skipped);
outputs that exist are refused unless ``force``; when nothing at all could be read, or (in strict
mode) when any input has an error, nothing is written. Every check that can fail before reading
fails before reading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import NothingReadable, StrictRefusal, UsageError
from ..files import check_writable, inputs_apart_from_outputs
from ..i18n import BASE
from ..intake.pool import gc_paused
from ..intake.read import is_partnersheet_output
from ..intake.validate import Batch, collect_paths, validate_paths
from ..spec import TemplateRegistry
from .actions import ActionPlan, plan_template, write_action_plan
from .board import write_board
from .confidential import CONFIDENTIAL, MODES, shown
from .core import Comparison, check_tidy_path, compile_batch, write_tidy
from .pseudonyms import check_identities_path, write_identities
from .sheets import write_comparison

Tick = Callable[[int], None]
Progress = Callable[[int], AbstractContextManager[Tick | None]]
"""Given how many files will be read, a context that yields ``tick(n)`` (called per file read) or None."""


@dataclass(frozen=True)
class CompileResult:
    """What one compile read and wrote."""

    comparison: Comparison
    """What may be shown: confidential where the templates (or the run) say so."""
    inputs: list[Path]
    """The files read (after folders were expanded and the tool's own outputs set aside)."""
    output: Path
    batch: Batch
    """Everything read, as read: names kept (for the coordinator's problems report)."""
    data: Path | None = None
    identities: Path | None = None
    board: Path | None = None
    actions: ActionPlan | None = None

    @property
    def written(self) -> list[Path]:
        extra = [p for p in (self.data, self.identities, self.board) if p is not None]
        return [self.output, *extra] + ([self.actions.path] if self.actions is not None else [])


def compile_to(
    paths: str | Path | Iterable[str | Path],
    output: str | Path,
    *,
    data: str | Path | None = None,
    strict: bool = False,
    force: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
    templates: TemplateRegistry | None = None,
    compiled_at: datetime | None = None,
    round_order: Sequence[str] | None = None,
    confidentiality: str | None = None,
    identities: str | Path | None = None,
    board: str | Path | None = None,
    actions: str | Path | None = None,
    actions_lang: str = BASE,
) -> CompileResult:
    """Compile the workbooks under ``paths`` into the comparison ``output`` (and the tidy table
    ``data``); returns what was read and written.

    Raises ``UsageError`` for a wrong output name or when no workbook is found, ``InputIsOutput``
    when an output is one of the inputs, ``OutputExists`` unless ``force``, ``NothingReadable`` when
    no input could be read, and ``StrictRefusal`` (with ``strict``) when any input has an error;
    in each case nothing is written. ``round_order`` lists the rounds first to last (default:
    by their median assessment date); a round it leaves out is a ``UsageError``.

    ``confidentiality`` ("confidential" or "attributed") overrides each template's spec for this run;
    ``identities`` (.csv or .json) receives the key of every name, file and workbook id the
    confidential outputs show, for the coordinator; ``board`` (.xlsx) the shareable board summary,
    confidential whatever the mode; ``actions`` the action plan the comparison hands on (``actions.py``),
    in ``actions_lang`` (a language its template declares, e.g. "es": partners fill it in).
    """
    output = Path(output)
    data_path = Path(data) if data is not None else None
    identities_path = Path(identities) if identities is not None else None
    board_path = Path(board) if board is not None else None
    if output.suffix.lower() != ".xlsx":
        raise UsageError(f"{output}: the comparison must be an .xlsx file", "name it e.g. comparison.xlsx")
    if confidentiality is not None and confidentiality not in MODES:
        raise UsageError(f"confidentiality {confidentiality!r} is not one of: {', '.join(MODES)}")
    if board_path is not None and board_path.suffix.lower() != ".xlsx":
        raise UsageError(f"{board_path}: the board summary must be an .xlsx file", "name it e.g. board.xlsx")
    outputs = [output]
    if data_path is not None:
        check_tidy_path(data_path)
        outputs.append(data_path)
    if identities_path is not None:
        check_identities_path(identities_path)
        outputs.append(identities_path)
    if board_path is not None:
        outputs.append(board_path)
    actions_path = Path(actions) if actions is not None else None
    if actions_path is not None:
        if actions_path.suffix.lower() != ".xlsx":
            raise UsageError(f"{actions_path}: the action plan must be an .xlsx file", "name it e.g. actions.xlsx")
        outputs.append(actions_path)
        plan_template(templates, actions_lang)  # a language the plan lacks stops the run before reading
    given = [paths] if isinstance(paths, str | Path) else list(paths)
    files = inputs_apart_from_outputs(collect_paths(given), outputs, is_partnersheet_output)
    for path in outputs:
        check_writable(path, force)
    if not files:
        raise UsageError(
            "no workbooks found in " + ", ".join(map(str, given)),
            "give .xlsx, .xlsm or .ods files, or folders holding them",
        )
    with gc_paused():  # what is read stays alive to the end: collecting would be wasted work
        with progress(len(files)) if progress is not None else nullcontext(None) as tick:
            batch = validate_paths(files, workers, tick, templates)
            raw = compile_batch(batch, compiled_at, templates, round_order)
        if not raw.submissions:
            raise NothingReadable("none of the inputs could be read", unreadable=raw.batch.unreadable)
        if strict and not raw.valid:
            bad = sum(1 for f in raw.batch.files if f.errors)
            raise StrictRefusal(f"not written: {bad} of {len(files)} files have errors", bad=bad, total=len(files))
        comparison = shown(raw, confidentiality)
        write_comparison(comparison, output, force)
        if data_path is not None:
            write_tidy(comparison, data_path, force)
        if identities_path is not None:
            write_identities(comparison, identities_path, force)
        if board_path is not None:
            write_board(shown(raw, CONFIDENTIAL), board_path, force)
        plan = None
        if actions_path is not None:
            plan = write_action_plan(comparison, actions_path, force, templates, actions_lang)
        return CompileResult(comparison, files, output, batch, data_path, identities_path, board_path, plan)
