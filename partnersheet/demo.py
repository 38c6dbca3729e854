"""The whole job on built-in sample data: make templates, take returns, validate, compile.

It needs nothing but the installed package, so a newcomer sees every step work in one command.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .compile.run import compile_to
from .errors import OutputExists
from .intake.report import write_problem_workbook
from .intake.validate import Batch
from .prefill import write_prefilled
from .samples import SAMPLE_TABLE, build_samples
from .spec import builtin_templates, load_template
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
        raise OutputExists(f"{root}: folder is not empty", "choose a new folder")
    blank = root / "blank"
    returned = root / "returned"
    blank.mkdir(parents=True, exist_ok=True)
    files: list[DemoFile] = []
    for template in builtin_templates().values():
        path = generate(template, blank / f"{template.id}.xlsx", force=force)
        files.append(DemoFile(path, f"blank {template.title} to send out"))
    samples = build_samples(returned, force=force)
    files.append(DemoFile(returned, f"{len(samples)} sample returns, a few of them flawed"))
    # `new agreement --from TABLE --candidate 1`: the sample table's first candidate as an agreement.
    agreement = write_prefilled(
        load_template("agreement"), returned / SAMPLE_TABLE, 1, root / "agreement-candidate-1.xlsx", force=force
    )
    files.append(DemoFile(agreement, "an agreement pre-filled from the partnership table's first candidate"))
    # Compiled as `partnersheet compile` does it; the problems report comes from the same reading.
    tidy, board, keys = root / "comparison-data.csv", root / "board.xlsx", root / "identities.csv"
    plan = root / "actions.xlsx"
    result = compile_to(
        [returned], root / "comparison.xlsx", data=tidy, force=force, board=board, identities=keys, actions=plan
    )
    batch = result.batch
    problems = write_problem_workbook(batch, root / "problems.xlsx", force)
    files.append(DemoFile(problems, "every problem found, to send back to respondents"))
    files.append(DemoFile(result.output, "the comparison: start with its Summary sheet"))
    files.append(DemoFile(tidy, "every value read, one per row, for your own analysis"))
    files.append(DemoFile(board, "one page for the library board and the partners: no names"))
    files.append(DemoFile(keys, "which rater, file and workbook each key stands for: for you alone"))
    files.append(DemoFile(plan, "the next action plan: the weakest indicators and disagreements, to agree actions on"))
    return DemoResult(root, files, batch, result.output)
