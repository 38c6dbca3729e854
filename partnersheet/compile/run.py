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
from ..intake.read import is_partnersheet_output
from ..intake.validate import collect_paths
from ..spec import TemplateRegistry
from .actions import ActionPlan, write_action_plan
from .core import Comparison, check_tidy_path, compile_paths, write_tidy
from .sheets import write_comparison

Tick = Callable[[int], None]
Progress = Callable[[int], AbstractContextManager[Tick | None]]
"""Given how many files will be read, a context that yields ``tick(n)`` (called per file read) or None."""


@dataclass(frozen=True)
class CompileResult:
    """What one compile read and wrote."""

    comparison: Comparison
    inputs: list[Path]
    """The files read (after folders were expanded and the tool's own outputs set aside)."""
    output: Path
    data: Path | None = None
    actions: ActionPlan | None = None

    @property
    def written(self) -> list[Path]:
        extra = [self.data] if self.data is not None else []
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
    actions: str | Path | None = None,
) -> CompileResult:
    """Compile the workbooks under ``paths`` into the comparison ``output`` (and the tidy table
    ``data``); returns what was read and written.

    Raises ``UsageError`` for a wrong output name or when no workbook is found, ``InputIsOutput``
    when an output is one of the inputs, ``OutputExists`` unless ``force``, ``NothingReadable`` when
    no input could be read, and ``StrictRefusal`` (with ``strict``) when any input has an error;
    in each case nothing is written. ``round_order`` lists the rounds first to last (default:
    by their median assessment date); a round it leaves out is a ``UsageError``. ``actions``
    also writes the action plan the comparison hands on (``actions.py``).
    """
    output = Path(output)
    data_path = Path(data) if data is not None else None
    if output.suffix.lower() != ".xlsx":
        raise UsageError(f"{output}: the comparison must be an .xlsx file", "name it e.g. comparison.xlsx")
    outputs = [output]
    if data_path is not None:
        check_tidy_path(data_path)
        outputs.append(data_path)
    actions_path = Path(actions) if actions is not None else None
    if actions_path is not None:
        if actions_path.suffix.lower() != ".xlsx":
            raise UsageError(f"{actions_path}: the action plan must be an .xlsx file", "name it e.g. actions.xlsx")
        outputs.append(actions_path)
    given = [paths] if isinstance(paths, str | Path) else list(paths)
    files = inputs_apart_from_outputs(collect_paths(given), outputs, is_partnersheet_output)
    for path in outputs:
        check_writable(path, force)
    if not files:
        raise UsageError(
            "no workbooks found in " + ", ".join(map(str, given)),
            "give .xlsx, .xlsm or .ods files, or folders holding them",
        )
    with progress(len(files)) if progress is not None else nullcontext(None) as tick:
        comparison = compile_paths(
            files, workers=workers, progress=tick, templates=templates, compiled_at=compiled_at, round_order=round_order
        )
    if not comparison.submissions:
        raise NothingReadable("none of the inputs could be read", unreadable=comparison.batch.unreadable)
    if strict and not comparison.valid:
        bad = sum(1 for f in comparison.batch.files if f.errors)
        raise StrictRefusal(f"not written: {bad} of {len(files)} files have errors", bad=bad, total=len(files))
    write_comparison(comparison, output, force)
    if data_path is not None:
        write_tidy(comparison, data_path, force)
    plan = write_action_plan(comparison, actions_path, force, templates) if actions_path is not None else None
    return CompileResult(comparison, files, output, data_path, plan)
