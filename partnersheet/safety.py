"""Opening returned files without trusting them.

Before any parser sees a file we look at its first bytes and its zip directory: legacy and
encrypted Office files, text files, truncated archives and zip bombs are told apart here, each
with its own problem code, and nothing is decompressed beyond a fixed budget.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

# Limits for one workbook's zip directory (a generated workbook is ~25 kB, ~20 entries).
MAX_ENTRIES = 2_000
MAX_TOTAL_UNCOMPRESSED = 100 * 1024 * 1024
MAX_ENTRY_UNCOMPRESSED = 50 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR = 1 * 1024 * 1024  # small entries may compress very well; only big ones are judged
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


class Unusable(Exception):
    """A file that cannot be read as a workbook; ``code`` is a problem code from the catalogue."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Opened:
    """A file that passed the checks, with its kind ("xlsx" or "ods") and zip handle."""

    path: Path
    kind: str
    zip: zipfile.ZipFile

    def read_part(self, name: str) -> bytes:
        """Read one zip entry; refuse XML that declares a DTD (entity expansion)."""
        try:
            data = self.zip.read(name)
        except KeyError:
            raise Unusable("not-partnersheet", f"no {name} inside") from None
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise Unusable("corrupt", f"cannot unpack {name}: {exc}") from None
        except Exception as exc:  # zlib.error and friends from a damaged stream
            raise Unusable("corrupt", f"cannot unpack {name}: {exc}") from None
        refuse_dtd(data)
        return data

    def has(self, name: str) -> bool:
        return name in self.zip.NameToInfo


def refuse_dtd(data: bytes) -> None:
    """No workbook from Excel, LibreOffice or Sheets declares a DTD; a hostile one might."""
    head = data[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head or b"<!doctype" in head:
        raise Unusable("xml-entities")


def _check_zip_directory(zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise Unusable("zip-bomb", f"{len(infos)} entries")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_ENTRY_UNCOMPRESSED:
            raise Unusable("zip-bomb", f"{info.filename} unpacks to {info.file_size // 1_000_000} MB")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Unusable("zip-bomb", f"{info.filename} compressed {info.file_size // max(info.compress_size, 1)}:1")
        if info.flag_bits & 0x1:
            raise Unusable("encrypted")
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise Unusable("zip-bomb", f"{total // 1_000_000} MB in all")


def sniff_and_open(path: Path, data: bytes) -> Opened:
    """Classify a file by its content (not its name) and open it if it is a usable workbook.

    ``data`` is the whole file, read once: parsers work on that snapshot, never on the file.
    """
    head = data[:4096]
    if not data:
        raise Unusable("file-empty")
    if head.startswith(OLE_MAGIC):
        # Encrypted .xlsx files are OLE containers holding an "EncryptedPackage" stream.
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptionInfo" in data:
            raise Unusable("encrypted")
        raise Unusable("legacy-xls")
    if not head.startswith(b"PK"):
        suffix = path.suffix.lower()
        if suffix in (".csv", ".tsv", ".txt") or _looks_like_csv(head):
            raise Unusable("csv-file")
        if head.lstrip().startswith((b"<?xml", b"<html", b"<!DOCTYPE", b"<HTML")):
            raise Unusable("not-a-spreadsheet", "an XML or web page file")
        if head.startswith(b"%PDF"):
            raise Unusable("not-a-spreadsheet", "a PDF")
        raise Unusable("not-a-spreadsheet", "unrecognised content")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise Unusable("corrupt", f"broken zip: {exc}") from None
    except (OSError, EOFError, ValueError) as exc:
        raise Unusable("corrupt", str(exc)) from None
    try:
        _check_zip_directory(zf)
        names = zf.NameToInfo
        if "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "mimetype" in names and zf.read("mimetype").strip() == ODS_MIMETYPE:
            kind = "ods"
        elif "word/document.xml" in names or "ppt/presentation.xml" in names:
            raise Unusable("not-a-spreadsheet", "a Word or PowerPoint document")
        elif "xl/workbook.bin" in names:
            raise Unusable("not-a-spreadsheet", "an Excel binary .xlsb workbook; save it as .xlsx")
        else:
            raise Unusable("not-a-spreadsheet", "a zip archive")
    except Unusable:
        zf.close()
        raise
    except Exception as exc:
        zf.close()
        raise Unusable("corrupt", str(exc)) from None
    return Opened(path, kind, zf)


def _looks_like_csv(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and all("," in line or "\t" in line or ";" in line for line in lines[:3])
