"""Unusable and hostile files: one clear line each, naming the file, exit 2, never a traceback.

Every file is built here, in the test, from nothing or from a valid generated workbook. Each must
leave the file byte-for-byte as it was.

Exit codes: every unusable file exits 2, including a spreadsheet that is not a partnersheet
workbook (``not-partnersheet``) and one from an unknown template: the tool could not read the
answers at all, which is "unusable input", not "problems found" (1, which needs a readable form).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import covers, fill, fingerprint, make_workbook, rewrite_parts, valid_effectiveness_values, zip_bytes

from partnersheet.cli import cli
from partnersheet.intake.read import Unreadable, read_submission

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
MB = 1024 * 1024


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A filled, valid effectiveness workbook to damage in various ways."""
    folder = tmp_path_factory.mktemp("valid")
    path = make_workbook(folder, "effectiveness", "valid.xlsx", partner="Food Bank", rater="B. Chen")
    return fill(path, valid_effectiveness_values("effectiveness", partner="Food Bank", rater="B. Chen"))


def _ole(stream_name: str, size: int = 4096) -> bytes:
    """An OLE compound file header, filler, and a directory entry naming one stream (UTF-16-LE)."""
    header = OLE_MAGIC + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\x00" * (512 - 32)
    entry = stream_name.encode("utf-16-le").ljust(64, b"\x00") + b"\x02\x01" + b"\xff" * 62
    return (header + b"\x00" * 1024 + entry).ljust(size, b"\x00")


def empty(tmp: Path, valid: Path) -> Path:
    path = tmp / "empty.xlsx"
    path.write_bytes(b"")
    return path


def truncated(tmp: Path, valid: Path) -> Path:
    path = tmp / "truncated.xlsx"
    data = valid.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def random_bytes(tmp: Path, valid: Path) -> Path:
    path = tmp / "noise.xlsx"
    data = bytearray(os.urandom(30_000))
    data[:2] = b"\x00\x01"  # never starts like a zip or an OLE file by chance
    path.write_bytes(bytes(data))
    return path


def text_renamed(tmp: Path, valid: Path) -> Path:
    path = tmp / "letter.xlsx"
    path.write_text("Dear coordinator\nHere are my answers: all effective.\nThanks\n", encoding="utf-8")
    return path


def csv_file(tmp: Path, valid: Path) -> Path:
    path = tmp / "answers.csv"
    path.write_text("field,value\npartner,Food Bank\nrater,B. Chen\n", encoding="utf-8")
    return path


def csv_renamed(tmp: Path, valid: Path) -> Path:
    path = tmp / "answers.xlsx"
    path.write_text("field;value\npartner;Food Bank\nrater;B. Chen\n", encoding="utf-8")
    return path


def legacy_xls(tmp: Path, valid: Path) -> Path:
    path = tmp / "old.xls"
    path.write_bytes(_ole("Workbook"))
    return path


def legacy_xls_renamed(tmp: Path, valid: Path) -> Path:
    path = tmp / "old-renamed.xlsx"
    path.write_bytes(_ole("Workbook"))
    return path


def encrypted_ooxml(tmp: Path, valid: Path) -> Path:
    path = tmp / "locked.xlsx"
    path.write_bytes(_ole("EncryptionInfo") + _ole("EncryptedPackage")[512:] + os.urandom(8192))
    return path


def zip_encrypted_entry(tmp: Path, valid: Path) -> Path:
    """A zip whose entries carry the 'encrypted' flag (what a zip tool's password does)."""
    path = tmp / "zip-password.xlsx"
    data = bytearray(valid.read_bytes())
    with zipfile.ZipFile(valid) as z:
        infos = z.infolist()
    # Set bit 0 of the general-purpose flags in every central directory record.
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        data[start + 8] |= 0x01
        start += 4
    assert len(infos) > 1
    path.write_bytes(bytes(data))
    return path


def docx_like(tmp: Path, valid: Path) -> Path:
    path = tmp / "letter-docx.xlsx"
    path.write_bytes(
        zip_bytes(
            {
                "[Content_Types].xml": b"<Types/>",
                "word/document.xml": b"<w:document xmlns:w='urn:w'><w:body/></w:document>",
            }
        )
    )
    return path


def plain_zip(tmp: Path, valid: Path) -> Path:
    path = tmp / "photos.xlsx"
    path.write_bytes(zip_bytes({"readme.txt": b"hello", "photo.jpg": os.urandom(2000)}))
    return path


def zip_bomb(tmp: Path, valid: Path) -> Path:
    """One entry of 200 MB of zeros, written in chunks: about 200 kB on disk."""
    path = tmp / "bomb.xlsx"
    chunk = bytes(MB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b"<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            for _ in range(200):
                entry.write(chunk)
    assert path.stat().st_size < 2 * MB
    return path


def many_entries(tmp: Path, valid: Path) -> Path:
    path = tmp / "many.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("xl/workbook.xml", b"<workbook/>")
        for i in range(5_000):
            z.writestr(f"xl/media/{i}.bin", b"x")
    return path


LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode() for i in range(1, 10)
    )
    + b"]>\n"
)


def _strip_declaration(xml: bytes) -> bytes:
    return xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml


def billion_laughs(tmp: Path, valid: Path) -> Path:
    path = tmp / "laughs.xlsx"

    def poison(xml: bytes) -> bytes:
        return LAUGHS + _strip_declaration(xml).replace(b"<sheets>", b"<sheets>&lol9;", 1)

    return rewrite_parts(valid, {"xl/workbook.xml": poison}, path)


def billion_laughs_in_a_sheet(tmp: Path, valid: Path) -> Path:
    path = tmp / "laughs-sheet.xlsx"

    def poison(xml: bytes) -> bytes:
        return LAUGHS + _strip_declaration(xml)

    return rewrite_parts(valid, {"xl/worksheets/sheet2.xml": poison}, path)


def dtd_after_a_long_comment(tmp: Path, valid: Path) -> Path:
    """A DTD may follow any amount of comment: looking only at a part's first bytes misses it."""
    path = tmp / "late-laughs.xlsx"

    def poison(xml: bytes) -> bytes:
        declaration, dtd = LAUGHS.split(b"?>", 1)
        comment = b"<!--" + b" padding " * 2000 + b"-->\n"
        return declaration + b"?>\n" + comment + dtd + _strip_declaration(xml)

    return rewrite_parts(valid, {"xl/worksheets/sheet2.xml": poison}, path)


def dtd_in_utf16(tmp: Path, valid: Path) -> Path:
    """The same declarations, in a UTF-16 part (XML allows it; a byte search for ASCII misses it)."""
    path = tmp / "utf16-laughs.xlsx"

    def poison(xml: bytes) -> bytes:
        text = (LAUGHS + _strip_declaration(xml)).decode("utf-8")
        text = text.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
        return "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")

    return rewrite_parts(
        valid, {"xl/sharedStrings.xml" if _has(valid, "xl/sharedStrings.xml") else "xl/styles.xml": poison}, path
    )


def dtd_after_a_utf8_mark(tmp: Path, valid: Path) -> Path:
    """The same declarations after a UTF-8 byte order mark (XML parsers accept one before the prolog),
    in a part only python-calamine parses: the byte search must step over the mark."""
    path = tmp / "bom-laughs.xlsx"

    def poison(xml: bytes) -> bytes:
        return b"\xef\xbb\xbf" + LAUGHS + _strip_declaration(xml)

    return rewrite_parts(valid, {"xl/worksheets/sheet2.xml": poison}, path)


def _has(path: Path, part: str) -> bool:
    with zipfile.ZipFile(path) as z:
        return part in z.NameToInfo


def corrupt_workbook_xml(tmp: Path, valid: Path) -> Path:
    path = tmp / "corrupt.xlsx"
    return rewrite_parts(valid, {"xl/workbook.xml": lambda xml: xml[: len(xml) // 2]}, path)


def missing_workbook_xml(tmp: Path, valid: Path) -> Path:
    """A damaged package: the sheets are there but no workbook part."""
    path = tmp / "no-workbook-part.xlsx"
    return rewrite_parts(valid, {"xl/workbook.xml": None}, path)


def pdf(tmp: Path, valid: Path) -> Path:
    """A PDF sent in place of the workbook. (One named .pdf is skipped with a warning: test_formats.)"""
    path = tmp / "scan.xlsx"
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    return path


def html_saved_as_xlsx(tmp: Path, valid: Path) -> Path:
    path = tmp / "web.xlsx"
    path.write_text("<html><body><table><tr><td>Effective</td></tr></table></body></html>", encoding="utf-8")
    return path


def xlsb(tmp: Path, valid: Path) -> Path:
    path = tmp / "binary.xlsb"
    path.write_bytes(zip_bytes({"xl/workbook.bin": b"\x83\x01\x00", "[Content_Types].xml": b"<Types/>"}))
    return path


def not_partnersheet(tmp: Path, valid: Path) -> Path:
    path = tmp / "budget.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Line", "Amount"])
    wb.active.append(["Books", 1200])
    wb.save(path)
    return path


def missing_path(tmp: Path, valid: Path) -> Path:
    return tmp / "not-here.xlsx"


def lying_zip(tmp: Path, valid: Path) -> Path:
    """The directory claims a 20 kB sheet; its data inflates to 200 MB."""
    path = tmp / "liar.xlsx"
    big = io.BytesIO()
    with zipfile.ZipFile(valid) as src, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet2.xml":
                with dst.open(info.filename, "w", force_zip64=False) as entry:
                    entry.write(src.read(info.filename)[: -len(b"</worksheet>")])
                    for _ in range(200):
                        entry.write(b" " * MB)
                    entry.write(b"</worksheet>")
            else:
                dst.writestr(info, src.read(info.filename))
    data = bytearray(big.getvalue())
    # Rewrite the sheet's uncompressed size in its local header and its central directory record.
    name = b"xl/worksheets/sheet2.xml"
    for signature, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        at = data.find(signature)
        while at != -1:
            name_len = int.from_bytes(data[at + name_len_at : at + name_len_at + 2], "little")
            if data[at + name_at : at + name_at + name_len] == name:
                data[at + size_at : at + size_at + 4] = (20_000).to_bytes(4, "little")
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("xl/worksheets/sheet2.xml").file_size == 20_000  # the lie is in place
    return path


@dataclass(frozen=True)
class Case:
    make: Callable[[Path, Path], Path]
    code: str
    words: str = ""  # words the message must contain, e.g. how to fix it

    @property
    def id(self) -> str:
        return self.make.__name__


CASES = [
    Case(empty, "file-empty"),
    Case(truncated, "corrupt"),
    Case(random_bytes, "not-a-spreadsheet"),
    Case(text_renamed, "not-a-spreadsheet"),
    Case(csv_file, "csv-file"),
    Case(csv_renamed, "csv-file"),
    Case(legacy_xls, "legacy-xls", ".xlsx"),
    Case(legacy_xls_renamed, "legacy-xls", ".xlsx"),
    Case(encrypted_ooxml, "encrypted", "password"),
    Case(zip_encrypted_entry, "encrypted", "password"),
    Case(docx_like, "not-a-spreadsheet", "Word"),
    Case(plain_zip, "not-a-spreadsheet", "zip"),
    Case(zip_bomb, "zip-bomb", "MB"),
    Case(many_entries, "zip-bomb", "5001 entries"),
    Case(billion_laughs, "xml-entities"),
    Case(billion_laughs_in_a_sheet, "xml-entities"),
    Case(dtd_after_a_long_comment, "xml-entities"),
    Case(dtd_in_utf16, "xml-entities"),
    Case(dtd_after_a_utf8_mark, "xml-entities"),
    Case(corrupt_workbook_xml, "corrupt", "xl/workbook.xml"),
    Case(lying_zip, "zip-bomb", "declares"),
    Case(missing_workbook_xml, "not-a-spreadsheet"),
    Case(pdf, "not-a-spreadsheet", "PDF"),
    Case(html_saved_as_xlsx, "not-a-spreadsheet"),
    Case(xlsb, "not-a-spreadsheet", ".xlsx"),
    Case(not_partnersheet, "not-partnersheet"),
    Case(missing_path, "file-missing"),
]


@covers(*sorted({case.code for case in CASES}))
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_unusable_file_gives_one_clear_line_and_exit_2(tmp_path: Path, valid: Path, case: Case) -> None:
    path = case.make(tmp_path, valid)
    before = fingerprint(path) if path.exists() else None

    result = read_submission(path)
    assert isinstance(result, Unreadable)
    problem = result.problem
    assert (problem.code, problem.severity, problem.file) == (case.code, "error", str(path))
    assert case.words in problem.message + " " + problem.hint

    cli_result = CliRunner().invoke(cli, ["validate", str(path)])
    assert cli_result.exit_code == 2, cli_result.output
    assert "Traceback" not in cli_result.output
    assert cli_result.exception is None or isinstance(cli_result.exception, SystemExit)
    lines = cli_result.output.splitlines()
    assert lines[0] == f"{path}: unreadable"
    problem_lines = [line for line in lines if f"[{case.code}]" in line]
    assert len(problem_lines) == 1  # one line per problem, with the message on it
    assert problem.message in problem_lines[0]
    assert lines[2].strip() == f"fix: {problem.hint}"
    assert lines[-1].startswith("Checked 1 file: 0 valid, 0 with errors, 1 unreadable")
    assert len(lines) == 4

    after = fingerprint(path) if path.exists() else None
    assert after == before  # byte for byte, and not even touched
    assert sorted(tmp_path.iterdir()) == ([path] if path.exists() else [])


def test_a_folder_named_like_a_workbook(tmp_path: Path) -> None:
    folder = tmp_path / "x.xlsx"
    folder.mkdir()
    result = CliRunner().invoke(cli, ["validate", str(folder)])
    assert result.exit_code == 2
    assert str(folder) in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert read_submission(folder).problem.code == "not-a-spreadsheet"


def test_a_folder_named_like_a_workbook_inside_a_searched_folder_is_passed_over(tmp_path: Path, valid: Path) -> None:
    (tmp_path / "inbox" / "x.xlsx").mkdir(parents=True)
    (tmp_path / "inbox" / "valid.xlsx").write_bytes(valid.read_bytes())
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "inbox")])
    assert result.exit_code == 0, result.output


def test_unusable_files_among_good_ones_are_each_named(tmp_path: Path, valid: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    made = [case.make(inbox, valid) for case in CASES if case.make is not missing_path]
    good = inbox / "good.xlsx"
    good.write_bytes(valid.read_bytes())
    before = {p: fingerprint(p) for p in made}
    result = CliRunner().invoke(cli, ["validate", str(inbox), *map(str, made)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{good}: valid" in result.output
    for path in made:
        assert f"{path}: unreadable" in result.output
    assert {p: fingerprint(p) for p in made} == before


@pytest.mark.parametrize("make", [truncated, zip_bomb, billion_laughs, encrypted_ooxml, missing_path])
def test_no_traceback_reaches_stderr_from_the_real_command(tmp_path: Path, valid: Path, make: Callable) -> None:
    path = make(tmp_path, valid)
    proc = subprocess.run(
        [sys.executable, "-m", "partnersheet", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONWARNINGS": "error::ResourceWarning"},
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert f"{path}: unreadable" in proc.stdout


def test_a_zip_that_lies_about_its_sizes_is_stopped_without_inflating_it(tmp_path: Path, valid: Path) -> None:
    """Checking the zip directory is not enough when it lies: nothing may inflate the 200 MB."""
    path = lying_zip(tmp_path, valid)
    # VmHWM is this process's own peak; ru_maxrss would carry over the parent's (pytest's) peak
    # across fork and exec, and pytest's own memory is not what is being measured.
    script = (
        "import re, sys\n"
        "from partnersheet.intake.read import read_submission\n"
        "result = read_submission(sys.argv[1])\n"
        "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1]\n"
        "print(result.problem.code, int(hwm) // 1024)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    code, peak_mb = proc.stdout.split()
    assert code == "zip-bomb"
    assert int(peak_mb) < 150, f"peak memory {peak_mb} MB: something inflated the entry"
