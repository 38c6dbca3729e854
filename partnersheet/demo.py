"""The whole job on built-in sample data: make templates, take returns, validate, compile.

It needs nothing but the installed package, so a newcomer sees every step work in one command.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .compile.core import compile_batch, write_tidy
from .compile.sheets import write_comparison
from .errors import OutputExists
from .files import inputs_apart_from_outputs
from .intake.read import is_partnersheet_output
from .intake.report import write_problem_workbook
from .intake.validate import Batch, collect_paths, validate_paths
from .samples import build_samples
from .spec import builtin_templates
from .workbook.generate import generate


@dataclass(frozen=True)
class DemoFile:
    path: Path
    purpose: str


@dataclass(frozen=True)
class DemoResult:
    folder: Path
    files: list[DemoFile]
    batch: Batch
    open_first: Path


def run_demo(folder: str | Path, force: bool = False) -> DemoResult:
    """Write the demo into ``folder``; refuses a folder with files in it unless ``force``."""
    root = Path(folder)
    if root.exists() and any(root.iterdir()) and not force:
        raise OutputExists(f"{root}: folder is not empty", "choose a new folder or use --force")
    blank = root / "blank"
    returned = root / "returned"
    blank.mkdir(parents=True, exist_ok=True)
    files: list[DemoFile] = []
    for template in builtin_templates().values():
        path = generate(template, blank / f"{template.id}.xlsx", force=force)
        files.append(DemoFile(path, f"blank {template.title} to send out"))
    samples = build_samples(returned, force=force)
    files.append(DemoFile(returned, f"{len(samples)} sample returns, a few of them flawed"))
    outputs = [root / "problems.xlsx", root / "comparison.xlsx", root / "comparison-data.csv"]
    inputs = inputs_apart_from_outputs(collect_paths([returned]), outputs, is_partnersheet_output)
    batch = validate_paths(inputs)
    problems = write_problem_workbook(batch, outputs[0], force)
    files.append(DemoFile(problems, "every problem found, to send back to respondents"))
    comparison = compile_batch(batch)
    output = write_comparison(comparison, outputs[1], force)
    files.append(DemoFile(output, "the comparison: start with its Summary sheet"))
    tidy = write_tidy(comparison, outputs[2], force)
    files.append(DemoFile(tidy, "every value read, one per row, for your own analysis"))
    return DemoResult(root, files, batch, output)
