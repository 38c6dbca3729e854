"""Helpers for the read-back and validation tests: make workbooks, fill them as a person would.

Filling uses openpyxl on a generated workbook, finding each answer cell through its defined name
``ps_<field id>`` (never through partnersheet's own layout code), so tests expect what a person
typing into the named cell would produce. Also here: small zip surgery for hostile variants, and
``covers``, the registry that proves every problem code in the catalogue has a test.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import openpyxl

from partnersheet.spec import Field, Template, load_template
from partnersheet.workbook.generate import generate, personalise

F = TypeVar("F", bound=Callable[..., Any])

# Problem code -> names of the tests that trigger it and assert on it (filled at import time).
COVERED: dict[str, list[str]] = {}

VALID_DATE = date(2026, 3, 15)

WHO = {"partner": "County Health Department", "rater": "A. Rivera", "side": "library", "round": "Spring 2026"}


def covers(*codes: str) -> Callable[[F], F]:
    """Mark a test as the one that triggers and checks these problem codes."""

    def mark(fn: F) -> F:
        for code in codes:
            COVERED.setdefault(code, []).append(f"{fn.__module__}.{fn.__name__}")
        return fn

    return mark


def template_of(template: Template | str) -> Template:
    return load_template(template) if isinstance(template, str) else template


def make_workbook(tmp_path: Path, template_id: str | Template, name: str = "x.xlsx", **identity: str) -> Path:
    """Generate a (personalised when identity is given) workbook into ``tmp_path``."""
    template = template_of(template_id)
    return generate(template, tmp_path / name, personalise(template, identity))


def name_cells(path: Path) -> dict[str, tuple[str, str]]:
    """Every ``ps_`` defined name of a workbook -> (sheet, cell like "C5"), as openpyxl sees it."""
    wb = openpyxl.load_workbook(path)
    found = {}
    for name, defined in wb.defined_names.items():
        if name.startswith("ps_"):
            destinations = list(defined.destinations)
            assert len(destinations) == 1, f"{name} points at {destinations}"
            sheet, ref = destinations[0]
            found[name] = (sheet, ref.replace("$", ""))
    wb.close()
    return found


def cell_of(path: Path, field_id: str) -> tuple[str, str]:
    """Where the defined name of a field points now: (sheet, cell)."""
    return name_cells(path)[f"ps_{field_id}"]


def fill(path: Path, values: Mapping[str, Any], out: Path | None = None) -> Path:
    """Type ``values`` (field id -> value) into a workbook's named answer cells, as a person would.

    A string starting with "=" becomes a formula, as when someone types it in Excel.
    """
    wb = openpyxl.load_workbook(path)
    for field_id, value in values.items():
        defined = wb.defined_names[f"ps_{field_id}"]
        ((sheet, ref),) = defined.destinations
        wb[sheet][ref.replace("$", "")] = value
    target = out or path
    wb.save(target)
    wb.close()
    return target


def _sample(template: Template, f: Field, identity: Mapping[str, str]) -> Any:
    """A valid answer for one field, built from what the spec says the field accepts."""
    if f.identity and identity.get(f.identity):
        given = " ".join(identity[f.identity].split())
        # A choice identity (side) is pre-filled with the choice's own spelling.
        return next((o for o in template.options(f) if o.casefold() == given.casefold()), given)
    if f.type in ("choice", "rating"):
        return template.options(f)[0]
    if f.type == "date":
        return VALID_DATE
    if f.type in ("integer", "currency", "hours"):
        low = f.min if f.min is not None else 0
        high = f.max if f.max is not None else low + 100
        return int(min(max(low, 12), high))
    text = f"{f.label} answer"
    return text[: f.max_length] if f.max_length else text


def valid_values(template: Template, fields: Iterable[Field], **identity: str) -> dict[str, Any]:
    """Valid answers for ``fields``, plus every identity field the workbook was personalised with.

    Identity fields take the given identity, as the generator pre-filled them.
    """
    chosen = [*fields]
    chosen += [f for f in template.fields if f.identity and identity.get(f.identity) and f not in chosen]
    return {f.id: _sample(template, f, identity) for f in chosen}


def valid_effectiveness_values(template: Template | str = "effectiveness", **identity: str) -> dict[str, Any]:
    """Every required field of the effectiveness rubric, answered validly."""
    template = template_of(template)
    return valid_values(template, [f for f in template.fields if f.required], **identity)


def valid_table_values(template: Template | str = "partnership-table", **identity: str) -> dict[str, Any]:
    """Every required field of the partnership table, plus organization 1's numbers and choices."""
    template = template_of(template)
    required = [f for f in template.fields if f.required]
    blocks = next(section for _, section in template.sections() if section.layout == "blocks")
    first_block = blocks.groups[0].fields
    extra = [f for f in first_block if f.type in ("choice", "currency", "hours") and f not in required]
    return valid_values(template, [*required, *extra], **identity)


def rewrite_parts(path: Path, changes: Mapping[str, bytes | Callable[[bytes], bytes] | None], out: Path) -> Path:
    """Copy a zip, replacing (bytes), transforming (callable) or dropping (None) some entries."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            change = changes.get(info.filename, data)
            if change is None:
                continue
            dst.writestr(info.filename, change(data) if callable(change) else change)
        for name, change in changes.items():
            if name not in src.NameToInfo and isinstance(change, bytes):
                dst.writestr(name, change)
    return out


def sheet_part(path: Path, sheet: str) -> str:
    """The zip entry holding a sheet, found through workbook.xml and its relationships."""
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="(rId\d+)"', workbook)
    assert rid, f"no sheet {sheet!r}"
    target = re.search(rf'<Relationship [^>]*Id="{rid[1]}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid[1]}"', rels
    )
    assert target
    return target[1].lstrip("/") if target[1].startswith("/") else f"xl/{target[1]}"


def set_meta(path: Path, key: str, value: str, out: Path | None = None) -> Path:
    """Change one value on the hidden _meta sheet, as someone unhiding and editing it would."""
    wb = openpyxl.load_workbook(path)
    ws = wb["_meta"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == key:
            row[1].value = value
            break
    else:
        raise AssertionError(f"_meta has no {key}")
    wb.save(out or path)
    wb.close()
    return out or path


def fingerprint(path: Path) -> tuple[str, int, int]:
    """sha256, size and mtime (ns) of a file, to prove reading left it alone."""
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_size, stat.st_mtime_ns


def zip_bytes(entries: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


def copy_file(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes())
    os.utime(dst, ns=(src.stat().st_atime_ns, src.stat().st_mtime_ns))
    return dst


def set_cached_result(path: Path, sheet: str, cell: str, cached: str, out: Path | None = None) -> Path:
    """Give a formula cell a cached text result, as Excel stores after calculating it.

    openpyxl writes formulas without results; a workbook saved by Excel carries them, and a reader
    that trusted them would take the formula's output for the person's answer.
    """
    part = sheet_part(path, sheet)

    def add_cache(xml: bytes) -> bytes:
        pattern = rf'<c r="{cell}"([^>]*)><f>(.*?)</f>(?:<v\s*/>|<v></v>)?</c>'.encode()
        closed = b'<c r="' + cell.encode() + b'"'

        def cached_cell(m: re.Match[bytes]) -> bytes:
            return closed + m[1] + b' t="str"><f>' + m[2] + b"</f><v>" + cached.encode() + b"</v></c>"

        new, count = re.subn(pattern, cached_cell, xml)
        assert count == 1, f"no formula in {sheet}!{cell}"
        return new

    target = out or path.with_name(path.stem + "-cached" + path.suffix)
    rewrite_parts(path, {part: add_cache}, target)
    if out is None:
        target.replace(path)
        return path
    return target


def run_cli(*args: str) -> Any:
    """Invoke the CLI; whatever happens, the person never sees a traceback."""
    from click.testing import CliRunner

    from partnersheet.cli import cli

    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def one_line(result: Any) -> str:
    """The one line the person reads: the whole output must be that line."""
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def meta_of(path: Path) -> dict[str, str]:
    """The hidden _meta sheet as key -> value."""
    wb = openpyxl.load_workbook(path)
    return {row[0]: row[1] or "" for row in wb["_meta"].iter_rows(min_row=2, values_only=True)}


SOFFICE_TIMEOUT = 180


def soffice_convert(soffice: str, files: Iterable[Path], fmt: str, outdir: Path, profile: Path) -> Path:
    """Convert with headless LibreOffice and a throw-away profile; fail loudly; return ``outdir``."""
    import subprocess

    outdir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=SOFFICE_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return outdir


def set_saved(path: Path, when: str, mtime: float | None = None) -> Path:
    """Make a workbook say it was last saved at ``when`` (ISO 8601), as Excel writes dcterms:modified;
    optionally set the file's modification time too."""

    def stamp(core: bytes) -> bytes:
        text = core.decode("utf-8")
        text = re.sub(
            r"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>",
            rf"<dcterms:modified\1>{when}</dcterms:modified>",
            text,
        )
        return text.encode("utf-8")

    tmp = path.with_name(path.name + ".tmp")
    rewrite_parts(path, {"docProps/core.xml": stamp}, tmp)
    tmp.replace(path)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def valid_form_values(template: Template | str, **identity: str) -> dict[str, Any]:
    """Every required answer outside tables, and each table's first row filled in full."""
    template = template_of(template)
    first_rows = [f for section in template.tables() for f in section.groups[0].fields]
    required = [f for f in template.fields if f.required and f.row is None]
    return valid_values(template, [*required, *first_rows], **identity)
