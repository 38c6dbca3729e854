"""The command line: a thin layer that parses options, calls the library, prints, and exits.

Library functions return results or raise ``PartnersheetError``; only this module prints and
chooses exit codes (0 ok, 1 problems or refused, 2 usage or unusable input).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import OutputExists, PartnersheetError, UsageError
from .files import printable
from .spec import SpecError, TemplateRegistry, UnknownTemplate


def echo(text: str, err: bool = False) -> None:
    """Print one line; a file name that is not valid UTF-8 shows U+FFFD where its bytes do not decode."""
    click.echo(printable(text), err=err)


class _Group(click.Group):
    """Turns library errors into one line on stderr and the right exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UnknownTemplate as exc:
            echo(f"Error: {exc}", err=True)
            sys.exit(2)
        except SpecError as exc:
            echo(f"Error: broken template spec: {exc}", err=True)
            sys.exit(2)
        except OutputExists as exc:  # the library says what is there; the CLI says how to allow it
            hint = f"{exc.hint}, " if exc.hint else ""
            echo(f"Error: {exc.message} ({hint}use --force to overwrite it)", err=True)
            sys.exit(exc.exit_code)
        except PartnersheetError as exc:
            echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # output piped into `head` and closed: not an error
            sys.stderr.close()
            sys.exit(1)
        except KeyboardInterrupt:
            echo("Stopped.", err=True)
            sys.exit(130)
        except Exception as exc:
            echo(
                f"Error: partnersheet failed unexpectedly ({type(exc).__name__}: {exc}). "
                "This is a bug: please report it with the command you ran.",
                err=True,
            )
            sys.exit(1)


def force_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--force", is_flag=True, help="Overwrite output files that already exist.")(fn)


def quiet_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary lines.")(fn)


def _registry_option(ctx: click.Context, param: click.Parameter, value: tuple[Path, ...]) -> TemplateRegistry:
    try:
        registry = TemplateRegistry.from_environment(value)
    except SpecError as exc:
        raise click.BadParameter(exc.message) from None
    ctx.meta["partnersheet.registry"] = registry
    return registry


def templates_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--templates DIR (repeatable): user template folders, searched before the built-ins."""
    return click.option(
        "--templates",
        "registry",
        multiple=True,
        is_eager=True,  # read before TEMPLATE, which is looked up in it
        type=click.Path(path_type=Path, file_okay=False),
        callback=_registry_option,
        help="A folder of template specs (.toml) to use before the built-ins; repeatable. "
        "Also taken from $PARTNERSHEET_TEMPLATES.",
    )(fn)


def registry_of(ctx: click.Context) -> TemplateRegistry:
    registry = ctx.meta.get("partnersheet.registry")
    return registry if registry is not None else TemplateRegistry.from_environment()


def _template_arg(ctx: click.Context, param: click.Parameter, value: str) -> Any:
    try:
        return registry_of(ctx).latest(value)
    except SpecError as exc:
        raise click.BadParameter(exc.message) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="partnersheet")
def cli() -> None:
    """Community-partnership worksheets as Excel workbooks.

    \b
    Make blank or personalised workbooks, read back the ones people return,
    check them, and compile many into one comparison workbook.

    \b
    Start here:
      partnersheet templates
      partnersheet new effectiveness --partner "County Health Department" -o e.xlsx
    """


@cli.command()
@click.argument("template", callback=_template_arg, metavar="TEMPLATE")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(path_type=Path),
    help="Workbook to write (.xlsx); with --roster, the folder to write into.",
)
@click.option("--library", default="", help="Library name to pre-fill.")
@click.option("--partner", default="", help="Partner organization to pre-fill (and lock).")
@click.option("--rater", default="", help="Rater's name to pre-fill (and lock).")
@click.option(
    "--side",
    type=click.Choice(["library", "partner"], case_sensitive=False),
    default=None,
    help="Which side the rater is on.",
)
@click.option("--round", "round_", default="", help="Assessment round label, e.g. 'Spring 2026'.")
@click.option(
    "--lang",
    default="en",
    show_default=True,
    help="Language of the workbook's texts: one the template declares (e.g. es). With --roster, "
    "the default for rows whose lang column is empty.",
)
@click.option(
    "--roster",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV or XLSX with columns partner, rater (and optional side, round, library, lang): one workbook per row.",
)
@click.option(
    "--from",
    "from_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A returned workbook to pre-fill from (the agreement: a returned partnership table).",
)
@click.option("--candidate", type=click.IntRange(1), default=None, help="With --from: which candidate organization.")
@click.option(
    "--stamp-date",
    is_flag=True,
    help="Use today's date in the document properties (default: a fixed date, or SOURCE_DATE_EPOCH).",
)
@templates_option
@force_option
@quiet_option
def new(
    template: Any,
    registry: TemplateRegistry,
    output: Path,
    library: str,
    partner: str,
    rater: str,
    side: str | None,
    round_: str,
    lang: str,
    roster: Path | None,
    from_path: Path | None,
    candidate: int | None,
    stamp_date: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Make a new workbook from TEMPLATE (see `partnersheet templates`).

    \b
    Examples:
      partnersheet new partnership-table -o table.xlsx --library "Riverside Public Library"
      partnersheet new effectiveness --partner "County Health Department" \\
          --rater "A. Rivera" --side library -o e.xlsx
      partnersheet new effectiveness --lang es --partner "Centro Latino" -o e-es.xlsx
      partnersheet new effectiveness --roster raters.csv -o outbox/
      partnersheet new agreement --from table.xlsx --candidate 1 -o agreement.xlsx
    """
    from .rounds.roster import read_roster, write_roster
    from .workbook.generate import document_date, generate, personalise

    created = document_date(stamp_date)
    if roster is not None:
        if any((library, partner, rater, side, round_)):
            raise UsageError(
                "--roster takes identities from the roster file", "drop --library/--partner/--rater/--side/--round"
            )
        rows = read_roster(template, roster, default_lang=lang)
        written = write_roster(template, rows, output, force, created, inputs=[roster])
        if quiet or len(rows) < 20:
            for _ in written:
                pass
        else:
            with click.progressbar(written, length=len(rows), label="Writing workbooks", file=sys.stderr) as bar:
                for _ in bar:
                    pass
        if not quiet:
            echo(f"Wrote {len(rows)} workbook{'s' * (len(rows) != 1)} to {output}")
        return
    template = template.in_language(lang)
    given = {"library": library, "partner": partner, "rater": rater, "side": side or "", "round": round_}
    if from_path is not None or candidate is not None:
        if from_path is None or candidate is None or roster is not None:
            raise UsageError(
                "--from and --candidate go together, without --roster", "e.g. --from table.xlsx --candidate 1"
            )
        from .prefill import write_prefilled

        path = write_prefilled(
            template, from_path, candidate, output, given, force=force, created=created, registry=registry
        )
    else:
        path = generate(template, output, personalise(template, given), force=force, created=created)
    if not quiet:
        echo(f"Wrote {path}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (exactly the library's report).")
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the problems to this workbook (.xlsx), to send back to respondents.",
)
@click.option("--workers", type=click.IntRange(1, 8), default=None, help="Processes to read with (default: auto).")
@templates_option
@force_option
@quiet_option
def validate(
    paths: tuple[Path, ...],
    as_json: bool,
    report_path: Path | None,
    workers: int | None,
    registry: TemplateRegistry,
    force: bool,
    quiet: bool,
) -> None:
    """Check returned workbooks: every problem with its file, sheet, cell and a fix.

    PATHS are workbooks (.xlsx, .xlsm, .ods) or folders to search.
    Exit code: 0 all valid (warnings allowed), 1 problems found, 2 unusable file or usage error.

    \b
    Examples:
      partnersheet validate returned/
      partnersheet validate returned/ --report problems.xlsx
      partnersheet validate rivera.xlsx --json
    """
    import json

    from .files import check_writable, inputs_apart_from_outputs
    from .intake.read import is_partnersheet_output
    from .intake.report import text_report, write_problem_workbook
    from .intake.validate import collect_paths, validate_paths

    files = collect_paths(paths)
    if report_path is not None:
        if report_path.suffix.lower() != ".xlsx":
            raise UsageError(f"{report_path}: the report must be an .xlsx file", "e.g. --report problems.xlsx")
        files = inputs_apart_from_outputs(files, [report_path], is_partnersheet_output)
        check_writable(report_path, force)
    batch = validate_paths(files, workers, templates=registry)
    if not batch.files:
        if as_json:  # a JSON reader still gets a report, with nothing in it
            echo(json.dumps(batch.to_dict(), indent=2, ensure_ascii=False))
        raise UsageError(
            "no workbooks found in " + ", ".join(map(str, paths)),
            "give .xlsx, .xlsm or .ods files, or folders holding them",
        )
    if as_json:
        echo(json.dumps(batch.to_dict(), indent=2, ensure_ascii=False))
    elif not quiet:
        for line in text_report(batch):
            echo(line)
    if report_path is not None:
        write_problem_workbook(batch, report_path, force)
        if not as_json and not quiet:
            echo(f"Wrote {report_path}")
    if batch.unreadable:
        sys.exit(2)
    sys.exit(0 if batch.valid else 1)


@cli.command(name="compile")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Comparison workbook to write (.xlsx).",
)
@click.option(
    "--data",
    "data_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the tidy table, one row per value: .csv (formula-like text neutralised) or .json.",
)
@click.option(
    "--actions",
    "actions_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write an action plan (.xlsx): a row per weak indicator and per criterion raters disagree on.",
)
@click.option(
    "--actions-lang",
    default="en",
    show_default=True,
    help="Language of the action plan, for the partners who fill it in: one its template declares (e.g. es).",
)
@click.option("--strict", is_flag=True, help="Write nothing and exit 1 if any input has an error.")
@click.option(
    "--round-order",
    default=None,
    metavar="ROUNDS",
    help='Rounds first to last, comma-separated, e.g. "Spring 2026,Fall 2026" (default: by assessment dates).',
)
@click.option(
    "--confidential/--attributed",
    "confidential",
    default=None,
    help="For this run, hide or show who rated what, whatever the template spec says (default: as the spec says).",
)
@click.option(
    "--identities",
    "identities_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the key of every rater, file and workbook id shown in confidential outputs, "
    "for the coordinator only (.csv or .json).",
)
@click.option(
    "--board",
    "board_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write a one-page summary for the library board and the partners (.xlsx), always confidential.",
)
@click.option("--workers", type=click.IntRange(1, 8), default=None, help="Processes to read with (default: auto).")
@templates_option
@force_option
@quiet_option
def compile_(
    paths: tuple[Path, ...],
    output: Path,
    data_path: Path | None,
    actions_path: Path | None,
    actions_lang: str,
    strict: bool,
    round_order: str | None,
    confidential: bool | None,
    identities_path: Path | None,
    board_path: Path | None,
    workers: int | None,
    registry: TemplateRegistry,
    force: bool,
    quiet: bool,
) -> None:
    """Compile returned workbooks into one comparison workbook.

    PATHS are workbooks (.xlsx, .xlsm, .ods) or folders to search. The comparison has a one-page
    Summary (scores, bands, chart, heatmap), Indicators, Perspectives (library vs partner),
    Candidates, Evidence, Data (every value read), Problems and About. Workbooks with errors are
    listed and left out of the scores; --strict refuses to write anything instead.
    When a partnership has two rounds or more, a Trends sheet shows what changed since the previous
    round; rounds are ordered by their assessment dates unless --round-order lists them.
    Confidential templates (the default) show a side's own scores only with enough raters from
    that side, and no names with ratings or notes; --identities maps the keys shown back to names.
    Exit code: 0 written, 1 refused (--strict with errors, or output exists), 2 usage error or
    no input could be read.

    \b
    Examples:
      partnersheet compile returned/ -o comparison.xlsx
      partnersheet compile returned/ -o comparison.xlsx --data tidy.csv
      partnersheet compile returned/ -o comparison.xlsx --strict
      partnersheet compile returned/ -o comparison.xlsx --round-order "Spring 2026,Fall 2026"
      partnersheet compile returned/ -o comparison.xlsx --board board.xlsx --identities keys.csv
      partnersheet compile returned/ -o comparison.xlsx --attributed
      partnersheet compile returned/ -o comparison.xlsx --actions actions.xlsx
      partnersheet compile returned/ -o comparison.xlsx --actions plan-es.xlsx --actions-lang es
    """
    from .compile.run import compile_to
    from .errors import NothingReadable, StrictRefusal
    from .rounds.order import parse_round_order

    rounds = parse_round_order(round_order) if round_order is not None else None
    if actions_path is None and actions_lang != "en":
        raise UsageError("--actions-lang is the language of the action plan", "give --actions plan.xlsx too")

    @contextmanager
    def reading(total: int) -> Iterator[Callable[[int], None] | None]:
        if quiet or total < 20:
            yield None
            return
        with click.progressbar(length=total, label="Reading workbooks", file=sys.stderr) as bar:
            yield bar.update

    try:
        result = compile_to(
            paths,
            output,
            data=data_path,
            strict=strict,
            force=force,
            workers=workers,
            progress=reading,
            templates=registry,
            confidentiality=None if confidential is None else ("confidential" if confidential else "attributed"),
            identities=identities_path,
            board=board_path,
            round_order=rounds,
            actions=actions_path,
            actions_lang=actions_lang,
        )
    except NothingReadable as exc:
        for unreadable in exc.unreadable:
            echo(f"{unreadable.file}: {unreadable.problem.message} ({unreadable.problem.hint})", err=True)
        raise UsageError(exc.message, "run `partnersheet validate` on them for details") from None
    except StrictRefusal as exc:
        echo(
            f"Not written (--strict): {exc.bad} of {exc.total} files have errors; "
            "run `partnersheet validate` on them for details",
            err=True,
        )
        sys.exit(1)
    if not quiet:
        line = result.comparison.closing_line(str(output))
        extras = [f"tidy data in {data_path}"] if data_path is not None else []
        extras += [f"board summary in {board_path}"] if board_path is not None else []
        extras += [f"keys to names in {identities_path} (keep it to yourself)"] if identities_path is not None else []
        echo("; ".join([line, *extras]))
        if result.actions is not None:
            plan = result.actions
            more = f" ({plan.left_out} more findings did not fit)" if plan.left_out else ""
            echo(f"Action plan: {plan.rows} findings to act on in {plan.path}{more}")


@cli.command()
@click.argument("folder", required=False, default="partnersheet-demo", type=click.Path(path_type=Path))
@force_option
@quiet_option
def demo(folder: Path, force: bool, quiet: bool) -> None:
    """Run the whole job on built-in sample data, into FOLDER (default: partnersheet-demo).

    Makes the blank workbooks, writes a fictional library's returned workbooks over three rounds
    (some flawed, one corrected) and its roster, checks who is missing (status.xlsx, reminders.csv),
    validates and compiles the comparison, then says what changed and which file to open first.

    \b
    Example:
      partnersheet demo
    """
    from .demo import run_demo

    result = run_demo(folder, force)
    if quiet:
        return
    echo(f"Demo written to {result.folder}/")
    for item in result.files:
        shown = f"{item.path}/" if item.path.is_dir() else str(item.path)
        echo(f"  {shown:<48} {item.purpose}")
    stats = result.batch.stats()
    replaced = f", {stats['superseded']} replaced by a newer copy" if stats["superseded"] else ""
    echo(
        f"Checked {stats['files']} returned workbooks: {stats['valid']} valid, {stats['invalid']} with errors, "
        f"{stats['unreadable']} unreadable{replaced} (see problems.xlsx)."
    )
    echo(result.status)
    if result.trends:
        echo("Since the previous round (every round is on the Trends sheet):")
        for line in result.trends:
            echo(f"  {line}")
    echo(f"Open first: {result.open_first} (the Summary sheet is the director's page).")


# Commands kept in their own modules register on the group defined above.
from .cli_rounds import status  # noqa: E402
from .cli_templates import templates  # noqa: E402

cli.add_command(templates)
cli.add_command(status)


def main() -> None:
    cli(prog_name="partnersheet")
