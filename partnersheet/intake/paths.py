"""Which files a command reads: folders expanded, hidden and lock files passed over, each file once."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

QUIETLY_SKIPPED = (".", "~$")  # hidden files and folders, Office lock files


def collect_paths(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """Expand folders into every file inside them, except hidden files and Office lock files.

    Every other file is listed, whatever its name: reading tells a workbook from anything else by
    its content, so a wrong kind of file gets a problem saying what it is, never silence. Links
    to folders are followed, each folder once (a link to a parent cannot loop). Files named
    directly are kept whatever their name; so is a folder that cannot be listed, so it is reported.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        try:
            is_dir = path.is_dir()
        except OSError:
            is_dir = False
        if not is_dir:
            found.append(path)
            continue
        refused: list[Path] = []

        def note_refused(exc: OSError, refused: list[Path] = refused) -> None:
            refused.append(Path(exc.filename))

        seen: set[tuple[int, int]] = set()
        for folder, dirs, files in os.walk(path, onerror=note_refused, followlinks=True):
            try:
                info = os.stat(folder)
            except OSError:
                dirs[:] = []
                continue
            if (info.st_dev, info.st_ino) in seen:  # reached again through a link
                dirs[:] = []
                continue
            seen.add((info.st_dev, info.st_ino))
            dirs[:] = sorted(d for d in dirs if not d.startswith(QUIETLY_SKIPPED))
            found.extend(Path(folder, name) for name in sorted(files) if not name.startswith(QUIETLY_SKIPPED))
        found.extend(refused)
    unique: dict[str, Path] = {}
    real_folders: dict[str, str] = {}
    for p in found:
        unique.setdefault(_real_path(p, real_folders), p)
    return list(unique.values())


def _real_path(path: Path, real_folders: dict[str, str]) -> str:
    """The path with every link resolved: the file's own folder resolved once per folder (resolving
    each of a thousand files took longer than listing them), the file itself only when it is a link."""
    try:
        if os.path.islink(path):
            return str(path.resolve())
        folder = os.path.dirname(path) or "."
        real = real_folders.get(folder)
        if real is None:
            real = real_folders[folder] = os.path.realpath(folder)
        return os.path.join(real, os.path.basename(path))
    except (OSError, ValueError):
        return str(path)
