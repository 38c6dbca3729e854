"""Returns from several versions of one template, compiled as one.

A field that keeps its id across versions is one field; a field that declares
``replaces = ["old_id"]`` takes the answers given to ``old_id`` in earlier versions; a field only
some versions asked is kept, and scored where it was asked. The newest version's wording and order
lead. What differs between versions is said in words for the About and Indicators sheets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from ..intake.read import Submission
from ..spec import Field, Group, Section, Sheet, Template
from ..spec.registry import version_key


@dataclass(frozen=True)
class Merged:
    """One template standing for every version of it seen in a compile."""

    template: Template
    versions: tuple[str, ...]  # oldest first
    canonical: dict[tuple[str, str], str]  # (version, field id in that version) -> field id in the merged template
    asked_in: dict[str, tuple[str, ...]]  # merged field id -> versions that asked it

    def notes(self) -> list[str]:
        """Differences between versions, in words (nothing when one version was compiled)."""
        if len(self.versions) < 2:
            return []
        out = []
        title = self.template.title
        for f in self.template.fields:
            asked = self.asked_in.get(f.id, ())
            if asked and len(asked) < len(self.versions):
                which = ", ".join(asked)
                out.append(f"{title}: {f.full_label!r} was asked in {which} only; it is scored where it was asked.")
        for (version, old), new in sorted(self.canonical.items()):
            if old != new:
                label = self.template.field(new).full_label
                out.append(f"{title}: answers to {old!r} in {version} are counted as {label!r} (it replaces them).")
        return out


def merge_versions(templates: Iterable[Template], via: Iterable[Template] = ()) -> Merged:
    """Merge versions of one template, newest leading; field ids are matched by id and ``replaces``.

    ``via`` are other known versions of the template (from the registry) that no return was made
    from: only their ``replaces`` are used, so a rename declared in a version in between still
    joins an older answer to the newest field (1.0.0 -> 1.1.0 -> 1.2.0 with no 1.1.0 returns).
    """
    ordered = sorted({t.version: t for t in templates}.values(), key=lambda t: version_key(t.version))
    newest = ordered[-1]
    compiled = {t.version for t in ordered}
    bridges = {t.version: t for t in via if t.version not in compiled}
    walk = sorted([*ordered, *bridges.values()], key=lambda t: version_key(t.version))
    canonical: dict[tuple[str, str], str] = {}
    asked_in: dict[str, list[str]] = {}
    alias: dict[str, str] = {}
    extra: list[Field] = []  # fields only older versions asked, in the newest's id space
    known = set(newest.fields_by_id)
    for template in reversed(walk):
        if version_key(template.version) > version_key(newest.version):
            continue  # renames after the newest compiled version lead to fields not compiled
        bridge = template.version in bridges
        for f in template.fields:
            target = alias.get(f.id, f.id)
            if bridge:
                if target in known:  # a chain that ends in a compiled field
                    for old in f.replaces:
                        alias.setdefault(old, target)
                continue
            if target not in known:
                known.add(target)
                extra.append(f)
            canonical[(template.version, f.id)] = target
            asked_in.setdefault(target, []).append(template.version)
            for old in f.replaces:
                alias.setdefault(old, target)
    merged = _with_fields(newest, extra) if extra else newest
    return Merged(
        merged,
        tuple(t.version for t in ordered),
        canonical,
        {k: tuple(sorted(v, key=version_key)) for k, v in asked_in.items()},
    )


def _with_fields(newest: Template, extra: list[Field]) -> Template:
    """The newest template with older-only fields added to their group (or a group of their own)."""
    by_group: dict[str | None, list[Field]] = {}
    for f in extra:
        by_group.setdefault(f.group, []).append(f)
    sheets = []
    placed: set[str] = set()
    for sheet in newest.sheets:
        sections = []
        for section in sheet.sections:
            if not section.groups:
                sections.append(section)
                continue
            groups = []
            for group in section.groups:
                more = by_group.get(group.id, [])
                placed.update(f.id for f in more)
                groups.append(Group(group.id, group.label, group.fields + tuple(more)) if more else group)
            sections.append(_rebuilt(section, groups))
        sheets.append(Sheet(sheet.id, sheet.name, sheet.title, tuple(sections)))
    orphans = [f for f in extra if f.id not in placed]
    sheets = _add_orphan_groups(sheets, orphans)
    fields_by_id = {f.id: f for sheet in sheets for section in sheet.sections for f in section.fields}
    for f in extra:  # fields outside any group (form fields) still have a label for the Data sheet
        fields_by_id.setdefault(f.id, f)
    return dataclasses.replace(newest, sheets=tuple(sheets), fields_by_id=fields_by_id)


def _rebuilt(section: Section, groups: list[Group]) -> Section:
    return dataclasses.replace(section, groups=tuple(groups), fields=tuple(f for g in groups for f in g.fields))


def _add_orphan_groups(sheets: list[Sheet], orphans: list[Field]) -> list[Sheet]:
    """Rated fields whose whole group is gone from the newest version keep a group of their own."""
    grouped: dict[str, list[Field]] = {}
    for f in orphans:
        if f.group is not None and f.kind.scored:
            grouped.setdefault(f.group, []).append(f)
    if not grouped:
        return sheets
    for si, sheet in enumerate(sheets):
        for ci, section in enumerate(sheet.sections):
            if section.layout != "rubric":
                continue
            groups = list(section.groups) + [
                Group(gid, fields[0].context or gid, tuple(fields)) for gid, fields in grouped.items()
            ]
            new_sections = list(sheet.sections)
            new_sections[ci] = _rebuilt(section, groups)
            sheets[si] = dataclasses.replace(sheet, sections=tuple(new_sections))
            return sheets
    return sheets


def remap(sub: Submission, merged: Merged) -> Submission:
    """The submission seen through the merged template: its answers under the merged field ids."""
    if sub.template is merged.template:
        return sub
    values = {}
    for fid, v in sub.values.items():
        target = merged.canonical.get((sub.template.version, fid), fid)
        values[target] = v if target == fid else v._replace(field_id=target)
    return dataclasses.replace(sub, template=merged.template, values=values)
