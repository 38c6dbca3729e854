"""Opening returned files without trusting them.

Before any parser sees a file we look at its first bytes and its zip directory: legacy and
encrypted Office files, text files, truncated archives and zip bombs are told apart here, each
with its own problem code, and nothing is decompressed beyond a fixed budget.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .problems import ProblemCode

# Limits for one workbook's zip directory (a generated workbook is ~25 kB, ~20 entries).
MAX_ENTRIES = 2_000
MAX_TOTAL_UNCOMPRESSED = 100 * 1024 * 1024
MAX_ENTRY_UNCOMPRESSED = 50 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR = 1 * 1024 * 1024  # small entries may compress very well; only big ones are judged
# Other kinds of document people keep beside returns (cover letters, scans, notes): when the name and
# the content agree, such a file is listed as skipped with a warning, not as an unusable workbook.
OTHER_DOCUMENTS = frozenset(
    {".pdf", ".doc", ".docx", ".odt", ".rtf", ".txt", ".md", ".pptx", ".ppt", ".png", ".jpg", ".jpeg", ".gif"}
    | {".heic", ".msg", ".eml", ".html", ".htm"}
)
_WORD = "a Word or PowerPoint document"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


class Unusable(Exception):
    """A file that cannot be read as a workbook; ``code`` is a problem code from the catalogue."""

    def __init__(self, code: ProblemCode, detail: str = "", *, value: str = "", other: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail
        self.value = value
        self.other = other


@dataclass(frozen=True)
class Opened:
    """A file that passed the checks: its kind ("xlsx", "ods" or "fods"), its bytes, every zip entry inflated.

    A flat .fods is one XML document, not a zip: it stands as the part "content.xml".
    """

    path: Path
    kind: str
    zip: zipfile.ZipFile | None
    parts: dict[str, bytes] = field(default_factory=dict, repr=False)
    data: bytes = field(default=b"", repr=False)

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()

    def read_part(self, name: str) -> bytes:
        """One zip entry (already inflated, within its declared size); refuse XML that declares a DTD."""
        data = self.parts.get(name)
        if data is None:
            raise Unusable(ProblemCode.NOT_PARTNERSHEET, f"no {name} inside")
        refuse_dtd(data)
        return data

    def has(self, name: str) -> bool:
        return name in self.parts


_XML_START = re.compile(rb"[ \t\r\n]*<")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_STARTS = {b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16", b"<\x00": "utf-16-le", b"\x00<": "utf-16-be"}


def refuse_dtd(data: bytes) -> None:
    """No workbook from Excel, LibreOffice or Sheets declares a DTD (where entities are declared).

    A DTD can only stand in the prolog, before the first element, so the prolog is walked:
    comments and processing instructions are skipped however long they are, and any other ``<!``
    there is refused. Parts that are not XML (pictures) are left alone; UTF-16 XML is read as such,
    and a UTF-8 byte order mark is stepped over (XML parsers accept one before the prolog).
    """
    encoding = _UTF16_STARTS.get(data[:2])
    if encoding:
        data = data.decode(encoding, errors="replace").encode("utf-8")
    elif data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    if not _XML_START.match(data):
        return
    pos = 0
    while (pos := data.find(b"<", pos)) != -1:
        if data.startswith(b"<?", pos):
            end = data.find(b"?>", pos + 2)
        elif data.startswith(b"<!--", pos):
            end = data.find(b"-->", pos + 4)
        elif data.startswith(b"<!", pos):
            raise Unusable(ProblemCode.XML_ENTITIES)
        else:
            return  # the root element: no DTD can come after it
        if end == -1:
            return  # never closed: the parser will call the part broken
        pos = end + 2


def _check_zip_directory(zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise Unusable(ProblemCode.ZIP_BOMB, f"{len(infos)} entries")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_ENTRY_UNCOMPRESSED:
            raise Unusable(ProblemCode.ZIP_BOMB, f"{info.filename} unpacks to {info.file_size // 1_000_000} MB")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Unusable(
                ProblemCode.ZIP_BOMB, f"{info.filename} compressed {info.file_size // max(info.compress_size, 1)}:1"
            )
        if info.flag_bits & 0x1:
            raise Unusable(ProblemCode.ENCRYPTED)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise Unusable(ProblemCode.ZIP_BOMB, f"{total // 1_000_000} MB in all")


def _inflate_all(zf: zipfile.ZipFile, data: bytes) -> dict[str, bytes]:
    """Inflate every entry once, each stopped at the size the zip directory declares for it.

    The directory's sizes were checked already, but a hostile file can lie in them, and
    python-calamine inflates an entry to whatever its data holds (a "20 kB" sheet that is really
    200 MB). Inflating here, bounded, proves each entry is the size it claims and its checksum
    matches before any parser sees the file; the parts are kept so nothing is inflated twice.
    """
    view = memoryview(data)
    parts: dict[str, bytes] = {}
    for info in zf.infolist():
        name = info.filename
        offset = info.header_offset
        header = data[offset : offset + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise Unusable(ProblemCode.CORRUPT, f"broken zip entry {name}")
        start = offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
        raw = view[start : start + info.compress_size]
        if len(raw) < info.compress_size:
            raise Unusable(ProblemCode.CORRUPT, f"{name} is cut short")
        if info.compress_type == zipfile.ZIP_STORED:
            body = bytes(raw)
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            try:
                body = zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, info.file_size + 1)
            except zlib.error as exc:
                raise Unusable(ProblemCode.CORRUPT, f"cannot unpack {name}: {exc}") from None
            if len(body) > info.file_size:
                raise Unusable(
                    ProblemCode.ZIP_BOMB, f"{name} unpacks to more than the {info.file_size:,} bytes it declares"
                )
        else:
            raise Unusable(ProblemCode.CORRUPT, f"{name} uses a compression method spreadsheets do not use")
        if len(body) != info.file_size or zlib.crc32(body) != info.CRC:
            raise Unusable(ProblemCode.CORRUPT, f"cannot unpack {name}: its size or checksum is wrong")
        parts[name] = body
    return parts


def sniff_and_open(path: Path, data: bytes) -> Opened:
    """Classify a file by its content (not its name) and open it if it is a usable workbook.

    ``data`` is the whole file, read once: parsers work on that snapshot, never on the file.
    """
    head = data[:4096]
    if not data:
        raise Unusable(ProblemCode.FILE_EMPTY)
    if head.startswith(OLE_MAGIC):
        # Encrypted .xlsx files are OLE containers holding an "EncryptedPackage" stream.
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptionInfo" in data:
            raise Unusable(ProblemCode.ENCRYPTED)
        if path.suffix.lower() in OTHER_DOCUMENTS:  # Word 97-2003 .doc, Outlook .msg: the same container
            raise Unusable(ProblemCode.OTHER_FILE, f"a {path.suffix.lower()} file")
        raise Unusable(ProblemCode.LEGACY_XLS)
    if not head.startswith(b"PK"):
        if _is_flat_ods(data[:FLAT_HEAD]):
            refuse_dtd(data)
            return Opened(path, "fods", None, {"content.xml": data}, data)
        suffix = path.suffix.lower()
        other = suffix in OTHER_DOCUMENTS  # named as another kind of document: skipped with a warning
        if head.startswith(b"\x1f\x8b"):
            if b"gnm:" in _gunzip_head(data) or suffix == ".gnumeric":
                raise Unusable(ProblemCode.UNSUPPORTED_SPREADSHEET, "a Gnumeric .gnumeric workbook")
            raise Unusable(ProblemCode.NOT_A_SPREADSHEET, "a compressed (gzip) file")
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head or b'progid="Excel.Sheet"' in head:
            raise Unusable(ProblemCode.UNSUPPORTED_SPREADSHEET, "an Excel 2003 XML spreadsheet")
        if b"<gnm:Workbook" in head:
            raise Unusable(ProblemCode.UNSUPPORTED_SPREADSHEET, "a Gnumeric .gnumeric workbook")
        if head.startswith(b"%PDF"):
            raise Unusable(ProblemCode.OTHER_FILE if other else ProblemCode.NOT_A_SPREADSHEET, "a PDF")
        if other and not suffix == ".txt":
            raise Unusable(ProblemCode.OTHER_FILE, f"a {suffix} file")
        if suffix in (".csv", ".tsv") or _looks_like_csv(head):
            raise Unusable(ProblemCode.CSV_FILE)
        if suffix == ".txt":
            raise Unusable(ProblemCode.OTHER_FILE, "a text file")
        if head.lstrip().startswith((b"<?xml", b"<html", b"<!DOCTYPE", b"<HTML")):
            raise Unusable(ProblemCode.NOT_A_SPREADSHEET, "an XML or web page file")
        raise Unusable(ProblemCode.NOT_A_SPREADSHEET, "unrecognised content")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise Unusable(ProblemCode.CORRUPT, f"broken zip: {exc}") from None
    except (OSError, EOFError, ValueError) as exc:
        raise Unusable(ProblemCode.CORRUPT, str(exc)) from None
    try:
        _check_zip_directory(zf)
        names = zf.NameToInfo
        if "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "mimetype" in names and zf.read("mimetype").strip() == ODS_MIMETYPE:
            kind = "ods"
        elif "word/document.xml" in names or "ppt/presentation.xml" in names:
            other = path.suffix.lower() in OTHER_DOCUMENTS
            raise Unusable(ProblemCode.OTHER_FILE if other else ProblemCode.NOT_A_SPREADSHEET, _WORD)
        elif any(n.startswith("Index/") for n in names):
            raise Unusable(ProblemCode.UNSUPPORTED_SPREADSHEET, "an Apple Numbers file")
        elif "xl/workbook.bin" in names:
            raise Unusable(ProblemCode.NOT_A_SPREADSHEET, "an Excel binary .xlsb workbook; save it as .xlsx")
        else:
            raise Unusable(ProblemCode.NOT_A_SPREADSHEET, "a zip archive")
        parts = _inflate_all(zf, data)
        for body in parts.values():  # every part, including those only python-calamine parses
            refuse_dtd(body)
    except Unusable:
        zf.close()
        raise
    except Exception as exc:
        zf.close()
        raise Unusable(ProblemCode.CORRUPT, str(exc)) from None
    return Opened(path, kind, zf, parts, data)


FLAT_HEAD = 64 * 1024
_FLAT_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?document[\s>]")


def _is_flat_ods(head: bytes) -> bool:
    """A flat OpenDocument spreadsheet (.fods): one XML document whose root names the spreadsheet type."""
    start = head.lstrip()
    return start.startswith(b"<") and bool(_FLAT_ROOT.search(head)) and ODS_MIMETYPE in head


def _gunzip_head(data: bytes) -> bytes:
    """The first few kB of a gzip file, inflated no further."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[:65536], 4096)
    except zlib.error:
        return b""


def _looks_like_csv(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and all("," in line or "\t" in line or ";" in line for line in lines[:3])
