"""Where templates come from: user folders first, then the built-ins, every version of each.

A registry is what every library call that makes or reads workbooks is given. It pickles as its
list of folders, so worker processes rebuild the same registry, and submissions pickle by spec
hash, which this module can turn back into the very template object that was loaded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .loader import TEMPLATES_DIR, SpecError, UnknownTemplate, load_template_file
from .model import Template

ENV_VAR = "PARTNERSHEET_TEMPLATES"
BUILT_IN = "built-in"


def version_key(version: str) -> tuple[Any, ...]:
    """Order versions as people number them: 1.10.0 after 1.9.2; text parts after numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\-+]", version))


@dataclass(frozen=True)
class Found:
    """One loaded template and where its spec file lives."""

    template: Template
    origin: str  # BUILT_IN or the folder it came from
    path: Path


@dataclass(frozen=True)
class BrokenSpec:
    """A spec file in a user folder that could not be loaded, kept so `templates` can show it."""

    path: Path
    message: str


class TemplateRegistry:
    """Templates by id and version. User folders are searched before the built-ins."""

    def __init__(self, folders: Iterable[str | Path] = (), *, builtins: bool = True) -> None:
        self.folders = tuple(Path(f) for f in folders)
        self.builtins = builtins
        self.found: list[Found] = []
        self.broken: list[BrokenSpec] = []
        by_key: dict[tuple[str, str], Found] = {}
        for folder in self.folders:
            if not folder.is_dir():
                raise SpecError(f"{folder}: not a folder of template specs (.toml files)")
            for path in sorted(folder.glob("*.toml")):
                try:
                    template = load_template_file(path)
                except SpecError as exc:
                    self.broken.append(BrokenSpec(path, str(exc)))
                    continue
                by_key.setdefault((template.id, template.version), Found(template, str(folder), path))
        if builtins:
            for path in sorted(TEMPLATES_DIR.glob("*.toml")):
                template = load_template_file(path)
                by_key.setdefault((template.id, template.version), Found(template, BUILT_IN, path))
        self.found = sorted(by_key.values(), key=lambda f: (f.template.id, version_key(f.template.version)))
        for found in self.found:
            remember(found.template)

    @classmethod
    def from_environment(cls, folders: Sequence[str | Path] = ()) -> TemplateRegistry:
        """The folders given, then those in $PARTNERSHEET_TEMPLATES (separated like PATH)."""
        extra = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
        return cached_registry(tuple(str(f) for f in [*folders, *extra]))

    @classmethod
    def of(cls, templates: Mapping[str, Template]) -> TemplateRegistry:
        """A registry holding exactly these template objects (tests, embedding)."""
        registry = cls(builtins=False)
        registry.found = [Found(t, "given", Path(t.source)) for t in templates.values()]
        for t in templates.values():
            remember(t)
        return registry

    def __reduce__(self) -> tuple[Any, ...]:
        if any(f.origin == "given" for f in self.found):
            return (_given, (tuple(f.template for f in self.found),))
        return (cached_registry, (tuple(str(f) for f in self.folders), self.builtins))

    # --- looking templates up -----------------------------------------------------------------

    def ids(self) -> list[str]:
        return sorted({f.template.id for f in self.found})

    def versions(self, template_id: str) -> list[Template]:
        """Every version of a template, oldest first."""
        return [f.template for f in self.found if f.template.id == template_id]

    def latest(self, template_id: str) -> Template:
        """The newest version: what `new` makes. Raises UnknownTemplate naming where it looked."""
        versions = self.versions(template_id)
        if not versions:
            raise UnknownTemplate(
                f"unknown template {template_id!r}; choose one of: {', '.join(self.ids()) or 'none'} "
                f"(looked in {self.where()})"
            )
        return versions[-1]

    def find(self, template_id: str, version: str) -> Template | None:
        return next((t for t in self.versions(template_id) if t.version == version), None)

    def templates(self) -> list[Template]:
        """The newest version of each template, by id."""
        return [self.latest(tid) for tid in self.ids()]

    def origin(self, template: Template) -> str:
        return next((f.origin for f in self.found if f.template is template), "given")

    def path_of(self, template: Template) -> Path:
        return next(f.path for f in self.found if f.template is template)

    def where(self) -> str:
        """Where templates are looked for, in words for a problem message."""
        places = [str(f) for f in self.folders] + (["the built-in templates"] if self.builtins else [])
        return ", ".join(places) or "nowhere"


def _given(templates: tuple[Template, ...]) -> TemplateRegistry:
    return TemplateRegistry.of({t.id + "@" + t.version: t for t in templates})


def cached_registry(folders: tuple[str, ...], builtins: bool = True) -> TemplateRegistry:
    """One registry per list of folders per process: a reading process forked from one that has
    it finds it here, and the same registry is returned however the arguments are spelled."""
    return _registry_for(tuple(folders), bool(builtins))


@cache  # keyed on exactly two positional values: ``f(x)`` and ``f(x, True)`` would be two entries
def _registry_for(folders: tuple[str, ...], builtins: bool) -> TemplateRegistry:
    return TemplateRegistry(folders, builtins=builtins)


_BY_HASH: dict[str, Template] = {}


def remember(template: Template) -> None:
    _BY_HASH.setdefault(template.spec_hash, template)


def template_by_hash(spec_hash: str) -> Template:
    """The loaded template with this spec hash (how pickled submissions find theirs again)."""
    if spec_hash not in _BY_HASH:
        cached_registry((), True)  # the built-ins, at least
    return _BY_HASH[spec_hash]


def as_registry(templates: TemplateRegistry | Mapping[str, Template] | None) -> TemplateRegistry:
    if templates is None:
        return TemplateRegistry.from_environment()
    if isinstance(templates, TemplateRegistry):
        return templates
    return TemplateRegistry.of(templates)


def builtin_templates() -> dict[str, Template]:
    """The newest built-in version of each template, by id."""
    return {t.id: t for t in cached_registry(()).templates()}


def load_template(template_id: str, registry: TemplateRegistry | None = None) -> Template:
    """The newest version of a template: from ``registry``, else the folders in the environment."""
    return (registry or TemplateRegistry.from_environment()).latest(template_id)
