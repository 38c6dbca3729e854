"""`partnersheet templates`: list templates and where each comes from, start a new one, check specs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli import echo, force_option, registry_of, templates_option
from .spec import TemplateRegistry


@click.group(invoke_without_command=True)
@templates_option
@click.pass_context
def templates(ctx: click.Context, registry: TemplateRegistry) -> None:
    """List the templates you can use: id, version, where it comes from, and purpose.

    Every version found is listed; `new` uses the newest. Folders given with --templates (or in
    $PARTNERSHEET_TEMPLATES) are searched before the built-ins.

    \b
    Examples:
      partnersheet templates
      partnersheet templates --templates my-templates/
      partnersheet templates init our-rubric --from effectiveness -o my-templates/our-rubric.toml
      partnersheet templates check my-templates/*.toml
    """
    if ctx.invoked_subcommand is not None:
        return
    for found in registry.found:
        t = found.template
        echo(f"{t.id:<20} v{t.version:<8} {found.origin:<10} {t.description}")
    for broken in registry.broken:
        echo(f"{broken.path}: not loaded: {broken.message}", err=True)
    if registry.broken:
        echo("Run `partnersheet templates check` on those files for every mistake.", err=True)


@templates.command()
@click.argument("new_id", metavar="NEW_ID")
@click.option("--from", "from_id", required=True, help="The template to start from, e.g. effectiveness.")
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False), help="Spec file to write (.toml)."
)
@force_option
@click.pass_context
def init(ctx: click.Context, new_id: str, from_id: str, output: Path, force: bool) -> None:
    """Write a commented copy of a template as a new one, ready to edit.

    \b
    Example:
      partnersheet templates init our-rubric --from effectiveness -o my-templates/our-rubric.toml
    """
    from .spec.authoring import init_spec

    if output.suffix.lower() != ".toml":
        raise click.BadParameter("the spec file must end in .toml", param_hint="-o")
    registry = registry_of(ctx)
    source = registry.latest(from_id)
    init_spec(source, registry.path_of(source), new_id, output, force)
    echo(f"Wrote {output}: edit it, then run `partnersheet templates check {output}`")


@templates.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
def check(files: tuple[Path, ...]) -> None:
    """Check template specs and report every mistake with its line, key and a fix.

    Exit code: 0 all good, 1 mistakes found.

    \b
    Example:
      partnersheet templates check my-templates/our-rubric.toml
    """
    from .spec.authoring import check_spec_file

    failed = 0
    for path in files:
        template, mistakes = check_spec_file(path)
        if template is not None:
            fields = len(template.fields)
            echo(f"{path}: ok ({template.id} v{template.version}, {fields} answer{'s' * (fields != 1)})")
            continue
        failed += 1
        echo(f"{path}: {len(mistakes)} mistake{'s' * (len(mistakes) != 1)}")
        for mistake in mistakes:
            echo(f"  {mistake}")
    sys.exit(1 if failed else 0)
