"""Keys that stand for raters, files and workbook ids in confidential outputs, and the coordinator's
map of them (``compile --identities``)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..files import atomic_write
from ..workbook.xlsx_out import csv_safe
from .scores import key_of

if TYPE_CHECKING:
    from .core import Comparison

RATER, FILE, WORKBOOK = "rater", "file", "workbook"
PREFIX = {RATER: "R", FILE: "F", WORKBOOK: "W"}


class Pseudonyms:
    """Stable keys for names, files and workbook ids: HMAC-SHA-256 of the name, keyed by a hash of
    every input's contents.

    Names are few and guessable, so a key must not be recomputable from a guess: only someone who
    holds all the returned workbooks (and can read the names in them anyway) knows the secret.
    The same inputs give the same keys; confidential outputs never show the inputs' checksums.
    """

    def __init__(self, digests: Iterable[str]) -> None:
        material = "partnersheet keys 1\n" + "\n".join(sorted(d for d in digests if d))
        self._secret = hashlib.sha256(material.encode()).digest()
        self.known: dict[str, tuple[str, str]] = {}
        """key -> (kind, what it stands for): the coordinator's identities file."""
        self._keys: dict[tuple[str, str], str] = {}

    def key(self, kind: str, text: str) -> str:
        norm = key_of(text) if kind == RATER else text
        if not norm:
            return ""
        found = self._keys.get((kind, norm))
        if found is not None:
            return found
        digest = hmac.new(self._secret, f"{kind}\0{norm}".encode("utf-8", "surrogatepass"), hashlib.sha256)
        hexed, size = digest.hexdigest(), 8
        while (key := f"{PREFIX[kind]}-{hexed[:size]}") in self.known:
            size += 4
        self.known[key] = (kind, text)
        self._keys[(kind, norm)] = key
        return key


def identities_rows(c: Comparison) -> list[tuple[str, str, str]]:
    """(key, kind, what it stands for) for the coordinator: never part of a shareable output."""
    names = c.names
    if names is None:
        return []
    return sorted((key, kind, text) for key, (kind, text) in names.known.items())


IDENTITY_SUFFIXES = (".csv", ".json")


def check_identities_path(path: Path) -> None:
    if path.suffix.lower() not in IDENTITY_SUFFIXES:
        raise UsageError(f"{path}: the identities file must end in .csv or .json", "name it e.g. identities.csv")


def write_identities(c: Comparison, path: Path, force: bool = False) -> Path:
    """The key-to-name map for the coordinator, as CSV (for Excel) or JSON; text neutralised in CSV."""
    check_identities_path(path)
    rows = identities_rows(c)
    if path.suffix.lower() == ".json":
        data = json.dumps([dict(zip(("key", "kind", "name"), r, strict=True)) for r in rows], ensure_ascii=False)
        return atomic_write(path, (data + "\n").encode("utf-8"), force)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("key", "kind", "name"))
    writer.writerows((key, kind, csv_safe(text)) for key, kind, text in rows)
    return atomic_write(path, out.getvalue().encode("utf-8-sig"), force)
