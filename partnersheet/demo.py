"""The whole job on built-in sample data: make templates, take returns, check who is missing,
validate, compile, and say what changed since the previous round.

It needs nothing but the installed package, so a newcomer sees every step work in one command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .compile.core import Comparison
from .compile.run import compile_to
from .errors import OutputExists
from .intake.report import write_problem_workbook
from .intake.validate import Batch
from .prefill import write_prefilled
from .rounds.status import status_of
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
    trends: list[str] = field(default_factory=list)
    """One line per partnership: its latest score and the change since its previous round."""
    status: str = ""
    """Who is missing and who must fix something, in one line."""


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
    roster = root / "roster.csv"
    samples = [s for s in build_samples(returned, force=force, roster=roster) if s.path != roster]
    files.append(DemoFile(returned, f"{len(samples)} sample returns over three rounds, a few of them flawed"))
    files.append(DemoFile(roster, "who was asked, with emails (two never returned)"))
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
    # Who still has something to do, as `partnersheet status` says it.
    status = status_of(
        load_template("effectiveness"),
        roster,
        [returned],
        report=root / "status.xlsx",
        reminders=root / "reminders.csv",
        force=force,
    )
    files.append(DemoFile(root / "status.xlsx", "who has returned, who must fix something, response rates"))
    files.append(DemoFile(root / "reminders.csv", f"{len(status.reminders())} reminders, ready for a mail merge"))
    problems = write_problem_workbook(batch, root / "problems.xlsx", force)
    files.append(DemoFile(problems, "every problem found, to send back to respondents"))
    files.append(DemoFile(result.output, "the comparison: start with its Summary sheet"))
    files.append(DemoFile(tidy, "every value read, one per row, for your own analysis"))
    files.append(DemoFile(board, "one page for the library board and the partners: no names"))
    files.append(DemoFile(keys, "which rater, file and workbook each key stands for: for you alone"))
    files.append(
        DemoFile(
            plan,
            "the next action plan: the weakest indicators and disagreements, to agree actions on "
            "(`compile --actions-lang es` writes it in Spanish)",
        )
    )
    counts = status.counts()
    line = (
        f"Status: {counts['valid']} of {counts['roster_rows']} raters valid, {counts['returned with errors']} must fix "
        f"something, {counts['not returned']} not returned (see status.xlsx, reminders.csv)."
    )
    return DemoResult(root, files, batch, result.output, trend_lines(result.comparison), line)


def trend_lines(comparison: Comparison) -> list[str]:
    """'Tri-County Food Bank: 3.10 in Spring 2027, +0.45 since Fall 2026 (Improved)', per partnership."""
    lines = []
    for t in comparison.trends:
        for p in t.partnerships:
            if p.previous is None or p.overall.change is None or p.latest.overall is None:
                continue
            lines.append(
                f"{p.name}: {p.latest.overall:.2f} in {p.latest.round}, {p.overall.change:+.2f} since "
                f"{p.previous.round} ({p.overall.verdict})"
            )
    return lines
