"""Files the tool reads and writes: outputs written atomically, never over an existing file unless
asked and never over an input whatever is asked; file names shown readably whatever their encoding."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import InputIsOutput, OutputExists, PartnersheetError

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def printable(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so it can be printed and encoded.

    A file name that is not valid UTF-8 reaches Python with its undecodable bytes as lone surrogates
    (``os.fsdecode(b"r\\xe9sum\\xe9")`` is ``"r\\udce9sum\\udce9"``); printing, JSON, XlsxWriter and CSV all
    refuse those. Use the result only to show a name: open the file by its real path.
    """
    return _SURROGATE.sub(REPLACEMENT, text) if not text.isascii() else text


def display_name(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A path as people should see it: the real name where it decodes, U+FFFD for each byte that does not."""
    return printable(os.fsdecode(path))


def display_basename(path: str | os.PathLike[str]) -> str:
    """The last part of a path, shown as ``display_name`` shows it."""
    return display_name(os.path.basename(path))


def _identity(path: Path) -> tuple[str, tuple[int, int] | None]:
    """The resolved path and the (device, inode) of a file, when it exists."""
    try:
        resolved = str(path.resolve())
    except (OSError, RuntimeError):
        resolved = os.path.abspath(path)
    try:
        st = path.stat()
    except (OSError, ValueError):
        return resolved, None
    return resolved, (st.st_dev, st.st_ino)


def inputs_apart_from_outputs(
    inputs: Iterable[Path],
    outputs: Iterable[Path],
    replaceable: Callable[[Path], bool] | None = None,
) -> list[Path]:
    """Refuse, before anything is written, an output that is one of the inputs; return the other inputs.

    ``inputs`` are the files a command reads (folders already expanded into their files); an output
    is the same file as an input when their resolved paths are equal (links, ``..``, case on
    case-insensitive disks) or when they are one file under two names (hard links). Whether or not
    overwriting is allowed, such an output is refused with ``InputIsOutput``, except an input that
    ``replaceable`` says is the tool's own earlier output (a comparison or report found among the
    returns): that one is not read, and may be replaced.
    """
    paths: dict[str, Path] = {}
    nodes: dict[tuple[int, int], Path] = {}
    for out in outputs:
        resolved, node = _identity(Path(out))
        paths[resolved] = Path(out)
        if node is not None:
            nodes[node] = Path(out)
    kept: list[Path] = []
    for given in inputs:
        path = Path(given)
        # An input that exists is the same file as an output only if that output exists too, as
        # the same (device, inode): one stat per input, where resolving every path cost more than
        # the rest of the check for a thousand inputs. A missing input is compared by its path.
        try:
            st = os.stat(path)
            clash = nodes.get((st.st_dev, st.st_ino))
        except (OSError, ValueError):
            clash = paths.get(_identity(path)[0])
        if clash is None:
            kept.append(path)
            continue
        if replaceable is not None and replaceable(path):
            continue
        resolved = _identity(path)[0]
        if resolved == _identity(clash)[0]:
            what = f"{display_name(clash)}: is one of the files being read"
        else:
            what = f"{display_name(clash)}: is the same file as {display_name(path)}, which is being read"
        raise InputIsOutput(
            f"{what}; writing there would replace it", "write to another file or folder: inputs are only ever read"
        )
    return kept


def check_writable(path: Path, force: bool) -> None:
    """Fail early, before any work, if the output exists or its folder is missing."""
    if path.exists() and not force:
        raise OutputExists(f"{display_name(path)}: already exists")
    if path.is_dir():
        raise PartnersheetError(f"{display_name(path)}: is a folder, not a file", "give a file name ending in .xlsx")
    if not path.parent.is_dir():
        raise PartnersheetError(
            f"{display_name(path.parent)}: folder does not exist", "create it first or choose another path"
        )


def atomic_write(path: Path, data: bytes, force: bool = False) -> Path:
    """Write to a temporary file beside ``path`` and rename it into place.

    A reader never sees half a workbook, and a crash never leaves a broken file behind.
    """

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return atomic_write_with(path, write, force)


def atomic_write_with(path: Path, write: Callable[[Path], object], force: bool = False) -> Path:
    """Like ``atomic_write``, for a writer that streams into a file: ``write(tmp)`` fills the
    temporary file beside ``path`` (so a large output is never held in memory whole)."""
    check_writable(path, force)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise PartnersheetError(
            f"{display_name(path)}: cannot write here: {exc.strerror}", "choose a folder you can write to"
        ) from None
    try:
        os.close(fd)
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        if not force and path.exists():
            raise OutputExists(f"{display_name(path)}: already exists")
        os.replace(tmp, path)
    except OSError as exc:
        raise PartnersheetError(
            f"{display_name(path)}: cannot write: {exc.strerror}", "check the disk has space and the folder is writable"
        ) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


# --- names for files the tool makes -------------------------------------------------------------

MAX_NAME_BYTES = 150  # well under every file system's 255, leaving room for the folder path on Windows
WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{d}{n}" for d in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]]
)


def _ascii_base(char: str) -> str | None:
    """The ASCII letter under a Latin letter with accents (é -> e), or None when it has none."""
    decomposed = unicodedata.normalize("NFKD", char)
    base, marks = decomposed[:1], decomposed[1:]
    if base.isascii() and base.isalnum() and all(unicodedata.combining(m) for m in marks):
        return base
    return None


def slug(text: str, max_chars: int = 40) -> str:
    """A readable, safe piece of a file name, from any script.

    Letters and digits of every script are kept (after NFKC, so full-width Ａ is A), with the marks
    that belong to them (Devanagari vowel signs, Arabic harakat, ...); Latin letters lose their
    accents ("José Núñez" -> "Jose-Nunez"); everything else (spaces, punctuation, the characters
    Windows forbids, control characters) becomes one dash between words. At most ``max_chars``
    characters, never ending in a dash.
    """
    out: list[str] = []
    for char in unicodedata.normalize("NFKC", text):
        ascii_base = _ascii_base(char) if not char.isascii() else None
        if ascii_base is not None:
            out.append(ascii_base)
        elif char.isalnum():
            out.append(char)
        elif unicodedata.category(char).startswith("M") and out and out[-1] != "-":
            out.append(char)  # a mark that belongs to the letter before it
        elif out and out[-1] != "-":
            out.append("-")
    return _whole_clusters("".join(out), max_chars).strip("-")


def _whole_clusters(text: str, end: int) -> str:
    """``text[:end]``, backing off so a letter is never parted from the marks that follow it."""
    while 0 < end < len(text) and unicodedata.category(text[end]).startswith("M"):
        end -= 1
    return text[:end].rstrip("-")


def _cut_to_bytes(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes of ``text``, never cutting a character or a letter from its marks."""
    if len(text.encode("utf-8")) <= limit:
        return text
    kept = len(text.encode("utf-8")[:limit].decode("utf-8", "ignore"))
    return _whole_clusters(text, kept)


def unique_file_name(parts: Iterable[str], suffix: str, taken: set[str], max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name from the slugs of ``parts``, safe on Windows, macOS and Linux, and unique in ``taken``.

    ``taken`` holds the case-folded names already given in the same folder (Windows and macOS do not
    tell "A.xlsx" from "a.xlsx"); the new name is added to it. A counter is added only on a real clash.
    """
    stem = "-".join(p for p in (slug(part) for part in parts) if p) or "workbook"
    if stem.split(".")[0].upper() in WINDOWS_RESERVED:
        stem = f"{stem}-file"
    room = max_bytes - len(suffix.encode("utf-8"))
    candidate, n = _cut_to_bytes(stem, room), 2
    while (candidate + suffix).casefold() in taken:
        counter = f"-{n}"
        candidate, n = _cut_to_bytes(stem, room - len(counter)) + counter, n + 1
    taken.add((candidate + suffix).casefold())
    return candidate + suffix
