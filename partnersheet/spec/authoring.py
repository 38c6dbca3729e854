"""Helping people write specs: a commented starting point, and a check that names every mistake.

Coordinators who have never seen TOML edit these files, so a check reports each mistake with the
line it is on (found from the key path: TOML parsers do not keep positions), the key, what is
wrong and how to fix it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..files import atomic_write, check_writable
from .loader import SpecError, SpecErrors, parse_template
from .model import Template

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_TEMPLATE_ID = re.compile(r"^[a-z][a-z0-9-]*$")

HEADER = """\
# A partnersheet template spec, made by `partnersheet templates init` from {source} {version}.
# It loads as it is. Edit the wording, add or remove criteria, then check it:
#     partnersheet templates check {file}
# and use it with --templates FOLDER (the folder holding this file). Lines starting with # are notes.
# Give it a new `version` whenever you change what it asks, so returns from each version compile
# together; a criterion you reword can keep its answers with `replaces = ["old_id"]`.
# The format is described in docs/templates.md. The original's translations are left out, so
# your edits cannot leave a translation behind; add a language back when your wording is final
# (docs/translations.md).

"""
# `languages = [...]` and every `[translations.<lang>]` table, with the comment lines just above it.
_LANGUAGES_LINE = re.compile(r"(?m)^languages\s*=\s*\[[^\]]*\]\s*\n")
_TRANSLATIONS = re.compile(r"(?ms)^(?:#[^\n]*\n)*\[translations\.[^\]]+\]\n.*?(?=^\[(?!translations\.)|\Z)")


@dataclass(frozen=True)
class SpecMistake:
    """One mistake in a spec file, where it is and how to fix it."""

    file: str
    line: int | None
    key: str
    what: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.what}" if self.key else f"{where}: {self.what}"


def init_spec(source: Template, source_path: Path, new_id: str, output: Path, force: bool = False) -> Path:
    """Write a copy of ``source``'s spec under a new id and version 1.0.0, with a header of notes."""
    if not _TEMPLATE_ID.match(new_id):
        raise SpecError(
            f"{new_id!r} is not a usable template id", "use lower-case letters, digits and hyphens, e.g. my-rubric"
        )
    check_writable(output, force)
    text = source_path.read_text(encoding="utf-8")
    text, ids = re.subn(r'(?m)^id\s*=\s*"[^"]*"', f'id = "{new_id}"', text, count=1)
    text, versions = re.subn(r'(?m)^version\s*=\s*"[^"]*"', 'version = "1.0.0"', text, count=1)
    if not (ids and versions):  # pragma: no cover - every spec has both at the top level
        raise SpecError(f"{source.source}: id or version not found at the top of the spec")
    text = _TRANSLATIONS.sub("", _LANGUAGES_LINE.sub("", text)).rstrip("\n") + "\n"
    text = HEADER.format(source=source.id, version=source.version, file=output.name) + text
    parse_template(tomllib.loads(text), output.name)  # it must load as it is
    atomic_write(output, text.encode("utf-8"), force=force)
    return output


def check_spec_file(path: Path) -> tuple[Template | None, list[SpecMistake]]:
    """Load a spec, gathering every mistake with its line; the template when there are none."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [SpecMistake(path.name, None, "", f"cannot read it ({exc}); save it as UTF-8 text")]
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        return None, [SpecMistake(path.name, line, "", f"not valid TOML: {exc}; check quotes, brackets and commas")]
    try:
        return parse_template(raw, path.name, collect=True), []
    except SpecErrors as exc:
        errors = exc.errors
    except SpecError as exc:
        errors = [exc]
    return None, [SpecMistake(path.name, line_of(text, raw, e.key), e.key, e.what or e.message) for e in errors]


def _line_from_message(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match[1]) if match else None


def line_of(text: str, raw: dict[str, Any], key: str) -> int | None:
    """The line a key path (``sheets[0].sections[1].fields[2].choices``) is on, found by anchors.

    Walks the parsed data along the path, remembering the last ``id`` (or table name) seen; the
    line is the first line at or after that anchor's line which mentions the last key.
    """
    lines = text.splitlines()
    node: Any = raw
    anchors: list[str] = []
    parts = [m[1] or int(m[2]) for m in _PATH_PART.finditer(key)] if key else []
    names: list[str] = []
    for part in parts:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            names.append(part)
            node = node.get(part) if isinstance(node, dict) else None
            if len(names) == 2 and names[0] in ("scales", "choices"):
                anchors.append(rf"^\s*\[?{names[0]}\.{re.escape(part)}\]?|^\s*{re.escape(part)}\s*=")
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            anchors.append(rf"""\bid\s*=\s*["']{re.escape(node["id"])}["']""")
    start = 0
    for anchor in anchors:
        found = next((i for i in range(start, len(lines)) if re.search(anchor, lines[i])), None)
        if found is not None:
            start = found
    last = next((p for p in reversed(parts) if isinstance(p, str)), None)
    if last is None:
        return None
    pattern = rf"\b{re.escape(last)}\s*="
    found = next((i for i in range(start, len(lines)) if re.search(pattern, lines[i])), None)
    if found is None:
        return start + 1 if anchors else None
    return found + 1
