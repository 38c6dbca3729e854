"""Writing outputs safely: atomically, and never over an existing file unless asked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputExists, PartnersheetError


def check_writable(path: Path, force: bool) -> None:
    """Fail early, before any work, if the output exists or its folder is missing."""
    if path.exists() and not force:
        raise OutputExists(f"{path}: already exists", "use --force to overwrite it")
    if path.is_dir():
        raise PartnersheetError(f"{path}: is a folder, not a file", "give a file name ending in .xlsx")
    if not path.parent.is_dir():
        raise PartnersheetError(f"{path.parent}: folder does not exist", "create it first or choose another path")


def atomic_write(path: Path, data: bytes, force: bool = False) -> Path:
    """Write to a temporary file beside ``path`` and rename it into place.

    A reader never sees half a workbook, and a crash never leaves a broken file behind.
    """
    check_writable(path, force)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise PartnersheetError(
            f"{path}: cannot write here: {exc.strerror}", "choose a folder you can write to"
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        if not force and path.exists():
            raise OutputExists(f"{path}: already exists", "use --force to overwrite it")
        os.replace(tmp, path)
    except OSError as exc:
        raise PartnersheetError(
            f"{path}: cannot write: {exc.strerror}", "check the disk has space and the folder is writable"
        ) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
