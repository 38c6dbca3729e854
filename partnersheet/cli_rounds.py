"""`partnersheet status`: who has returned, who must fix what, and reminders for a mail merge."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .cli import echo, force_option, quiet_option, registry_of, templates_option
from .spec import TemplateRegistry


@click.command()
@click.argument("roster", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--template", "template_id", default="effectiveness", show_default=True, help="The roster's template.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write a status workbook (.xlsx): a filterable Status sheet and response rates.",
)
@click.option(
    "--reminders",
    "reminders_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write reminders.csv: one row per rater with something to do, for a mail merge.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON (exactly the library's report).")
@click.option("--workers", type=click.IntRange(1, 8), default=None, help="Processes to read with (default: auto).")
@templates_option
@force_option
@quiet_option
@click.pass_context
def status(
    ctx: click.Context,
    roster: Path,
    paths: tuple[Path, ...],
    template_id: str,
    report_path: Path | None,
    reminders_path: Path | None,
    as_json: bool,
    workers: int | None,
    registry: TemplateRegistry,
    force: bool,
    quiet: bool,
) -> None:
    """Match returned workbooks to the ROSTER: who has not returned, who must fix what.

    ROSTER is the CSV or XLSX the workbooks were made from (`new --roster`); an `email` column is
    carried into the reminders. PATHS are returned workbooks or folders. Names are shown, never
    ratings or notes. Exit code: 0 every roster row valid, 1 something left to do, 2 an unusable
    file or a usage error.

    \b
    Examples:
      partnersheet status raters.csv inbox/
      partnersheet status raters.csv inbox/ --report status.xlsx --reminders reminders.csv
    """
    from .rounds.status import status_of

    template = registry_of(ctx).latest(template_id)
    result = status_of(
        template,
        roster,
        paths,
        report=report_path,
        reminders=reminders_path,
        force=force,
        templates=registry,
        workers=workers,
    )
    if as_json:
        echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    elif not quiet:
        for line in _lines(result):
            echo(line)
    if result.unusable:
        sys.exit(2)
    sys.exit(0 if result.complete else 1)


def _lines(result: Any) -> list[str]:
    lines = []
    for r in result.rows:
        if r.todo:
            who = r.row.who
            where = ", ".join(x for x in (who.partner, who.side, who.round) if x)
            lines.append(f"{who.rater} ({where}): {r.state}: {r.todo}")
    for f in result.unmatched:
        lines.append(f"{f.file}: returned but not on the roster")
    for f in result.unusable:
        lines.append(f"{f.file}: could not be read (run `partnersheet validate` on it)")
    other = result.other_template_counts()
    if other:
        kinds = ", ".join(f"{n} {tid}" for tid, n in other.items())
        n = sum(other.values())
        what = "1 return of another template" if n == 1 else f"{n} returns of other templates"
        lines.append(
            f"Set aside: {what} ({kinds}); this roster is for "
            f"{result.template_id} (give --template ID with their roster to follow them up)"
        )
    c = result.counts()
    lines.append(
        f"Roster of {c['roster_rows']}: {c['valid']} valid, {c['returned with errors']} returned with errors, "
        f"{c['not returned']} not returned; {c['unmatched']} returns not on the roster"
    )
    return lines
