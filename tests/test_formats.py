"""Every file format people send back reads, and every other kind of file in a folder is named.

The .ods and .fods files are made by the real clients: LibreOffice with its "pretty printing"
option on (indented XML) and Gnumeric's ``ssconvert``. Two .xlsx variants no client here can
write are made by rewriting a generated workbook's XML, as documented at each:
Excel's "Strict Open XML" (``strict``) and namespace-prefixed elements (``prefixed``).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import (
    WHO,
    covers,
    fill,
    make_workbook,
    rewrite_parts,
    soffice_convert,
    valid_effectiveness_values,
    zip_bytes,
)

from partnersheet.intake.read import Submission, Unreadable, read_submission
from partnersheet.intake.validate import check_submission, collect_paths, validate_paths
from partnersheet.spec import Template, load_template
from partnersheet.workbook.generate import Personalisation, generate_bytes

FORMULA_FIELD = "mission__shared_mission"  # a rating cell where someone typed a formula
PRETTY_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Save/Document"><prop oor:name="PrettyPrinting" oor:op="fuse">\
<value>true</value></prop></item>
</oor:items>
"""
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_MAIN = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_RELS = b"http://purl.oclc.org/ooxml/officeDocument/relationships"


def ssconvert() -> str:
    found = shutil.which("ssconvert")
    if found is None:
        pytest.skip("Gnumeric's ssconvert not installed: apt-get install gnumeric")
    return found


def gnumeric_convert(src: Path, out: Path) -> Path:
    done = subprocess.run([ssconvert(), str(src), str(out)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and out.exists(), done.stderr
    return out


def lo_pretty(soffice: str, src: Path, fmt: str, outdir: Path) -> Path:
    """Convert with LibreOffice, its profile set to write indented ("pretty printed") XML."""
    profile = outdir / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(PRETTY_PROFILE, encoding="utf-8")
    out = soffice_convert(soffice, [src], fmt, outdir, profile) / f"{src.stem}.{fmt}"
    assert out.exists()
    return out


def strict(src: Path, out: Path) -> Path:
    """Excel's Strict Open XML: the same parts, in the ISO/IEC 29500 strict namespaces.

    Excel's "Strict Open XML Spreadsheet" save changes the spreadsheetml and relationships
    namespaces (and relationship types) and marks the workbook ``conformance="strict"``.
    """

    def to_strict(data: bytes) -> bytes:
        data = data.replace(MAIN, STRICT_MAIN).replace(RELS, STRICT_RELS)
        return data.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)

    with zipfile.ZipFile(src) as z:
        names = [n for n in z.namelist() if n.endswith((".xml", ".rels")) and not n.startswith("[")]
    return rewrite_parts(src, dict.fromkeys(names, to_strict), out)


def prefixed(src: Path, out: Path) -> Path:
    """Every spreadsheetml element written with a prefix (``<x:c>``, ``<x:f>``), as some writers do."""

    def add_prefix(data: bytes) -> bytes:
        data = re.sub(rb"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])", rb"<\1x:\2", data)
        return data.replace(b'xmlns="' + MAIN, b'xmlns:x="' + MAIN)

    with zipfile.ZipFile(src) as z:
        names = [n for n in z.namelist() if n.startswith("xl/") and n.endswith(".xml") and MAIN in z.read(n)]
    return rewrite_parts(src, dict.fromkeys(names, add_prefix), out)


def xltx(src: Path, out: Path) -> Path:
    """A template-typed workbook (.xltx): only its main part's content type differs."""

    def as_template(data: bytes) -> bytes:
        return data.replace(b"spreadsheetml.sheet.main+xml", b"spreadsheetml.template.main+xml")

    return rewrite_parts(src, {"[Content_Types].xml": as_template}, out)


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A filled effectiveness workbook with a formula typed into one rating cell."""
    eff = load_template("effectiveness")
    folder = tmp_path_factory.mktemp("original")
    values = valid_effectiveness_values(eff, **WHO) | {
        "overall_comments": "Two   spaces\nand a second line",
        FORMULA_FIELD: '="Effective"',
    }
    return fill(make_workbook(folder, eff, "filled.xlsx", **WHO), values)


def where_and_what(sub: Submission) -> dict[str, tuple[Any, ...]]:
    return {k: (v.value, v.sheet, v.cell, v.error) for k, v in sub.values.items()}


def read_ok(path: Path) -> Submission:
    sub = read_submission(path)
    assert isinstance(sub, Submission), getattr(sub, "problem", sub)
    return sub


VARIANTS: dict[str, Callable[[Path, Path], Path]] = {
    "strict": lambda src, d: strict(src, d / "strict.xlsx"),
    "prefixed": lambda src, d: prefixed(src, d / "prefixed.xlsx"),
    "xltx": lambda src, d: xltx(src, d / "template.xltx"),
    "gnumeric-ods": lambda src, d: gnumeric_convert(src, d / "gnumeric.ods"),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_other_writers_files_read_like_the_original_with_the_formula_found(
    tmp_path: Path, original: Path, variant: str
) -> None:
    path = VARIANTS[variant](original, tmp_path)
    expected, sub = read_ok(original), read_ok(path)
    assert where_and_what(sub) == where_and_what(expected)
    assert sub.values[FORMULA_FIELD].formula is not None and "Effective" in sub.values[FORMULA_FIELD].formula
    assert [p.code for p in check_submission(sub)] == ["formula-in-cell"]  # no false "lost its names"
    assert sub.identity == expected.identity and sub.workbook_id == expected.workbook_id


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["ods", "fods"])
def test_libreoffice_pretty_printed_ods_and_flat_fods_read(
    tmp_path: Path, original: Path, soffice: str, fmt: str
) -> None:
    path = lo_pretty(soffice, original, fmt, tmp_path / "lo")
    content = path.read_bytes() if fmt == "fods" else zipfile.ZipFile(path).read("content.xml")
    assert b"\n  " in content  # really indented
    expected, sub = read_ok(original), read_ok(path)
    assert where_and_what(sub) == where_and_what(expected)
    assert sub.values["overall_comments"].value == "Two   spaces\nand a second line"
    assert sub.values[FORMULA_FIELD].formula is not None
    assert [p.code for p in check_submission(sub)] == ["formula-in-cell"]


def test_a_tab_spaces_and_a_line_break_in_an_ods_answer_are_kept(tmp_path: Path, eff: Template) -> None:
    """Gnumeric writes them as <text:tab/>, <text:s text:c="2"/> and <text:line-break/>."""
    typed = "a\tb   c\nd "
    path = fill(make_workbook(tmp_path, eff, "x.xlsx", **WHO), valid_effectiveness_values(eff, **WHO))
    path = fill(path, {"overall_comments": typed})
    ods = gnumeric_convert(path, tmp_path / "tab.ods")
    content = zipfile.ZipFile(ods).read("content.xml")
    assert b"<text:tab/>" in content and b"<text:line-break/>" in content
    assert read_ok(ods).values["overall_comments"].value == "a\tb   c\nd"  # trailing space trimmed, as for xlsx
    assert read_ok(path).values["overall_comments"].value == "a\tb   c\nd"


def _without_meta_sheet(data: bytes) -> bytes:
    """Delete the _meta sheet from an .ods, as a person deleting the (unhidden) sheet does."""
    out, count = re.subn(rb'<table:table table:name="_meta".*?</table:table>', b"", data, flags=re.S)
    assert count == 1
    return out


def test_an_ods_whose_meta_sheet_was_deleted_reads_from_its_document_properties(tmp_path: Path, original: Path) -> None:
    # Made by the generator with its answers in place: Gnumeric cannot read the custom properties
    # openpyxl writes when lxml is installed ("Unexpected element 'vt:lpwstr'"), and drops them.
    eff = load_template("effectiveness")
    made = tmp_path / "made.xlsx"
    made.write_bytes(generate_bytes(eff, Personalisation(**WHO), answers=valid_effectiveness_values(eff, **WHO)))
    original = made
    ods = gnumeric_convert(original, tmp_path / "with-meta.ods")
    assert b"partnersheet.template_id" in zipfile.ZipFile(ods).read("meta.xml")
    gone = rewrite_parts(ods, {"content.xml": _without_meta_sheet}, tmp_path / "no-meta.ods")
    expected, sub = read_ok(original), read_ok(gone)
    assert sub.template_id == "effectiveness"
    assert (sub.identity, sub.workbook_id) == (expected.identity, expected.workbook_id)
    assert where_and_what(sub) == where_and_what(expected)


@pytest.mark.libreoffice
def test_a_far_stray_cell_in_an_ods_is_a_warning_not_damage(tmp_path: Path, original: Path, soffice: str) -> None:
    """LibreOffice keeps a value typed at AMJ1048576 (its last cell); the .ods repeats empty rows to reach it."""
    wb = openpyxl.load_workbook(original)
    wb["Rubric"]["AMJ1048576"] = "oops"
    stray = tmp_path / "stray.xlsx"
    wb.save(stray)
    ods = lo_pretty(soffice, stray, "ods", tmp_path / "lo")
    sub = read_ok(ods)
    assert [(p.code, p.sheet, p.cell) for p in sub.problems] == [("far-value", "Rubric", "AMJ1048576")]
    assert where_and_what(sub) == where_and_what(read_ok(original))


# --- folder scans -------------------------------------------------------------------------------------

EXCEL_2003_XML = b"""<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="Rubric"><Table><Row><Cell><Data ss:Type="String">Effective</Data></Cell></Row></Table></Worksheet>
</Workbook>
"""


@covers("unsupported-spreadsheet", "other-file")
def test_every_file_in_a_folder_is_read_or_named(tmp_path: Path, original: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(original, inbox / "a.xlsx")
    strict(original, inbox / "b-strict.xlsx")
    xltx(prefixed(original, tmp_path / "p.xlsx"), inbox / "c.xltx")
    shutil.copy(original, inbox / "returned-without-extension")  # read by its content
    gnumeric_convert(original, inbox / "d.gnumeric")
    (inbox / "e.xml").write_bytes(EXCEL_2003_XML)
    with zipfile.ZipFile(inbox / "f.zip", "w") as z:
        z.write(original, "a.xlsx")
    (inbox / "g.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    (inbox / "h.docx").write_bytes(zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<d/>"}))
    (inbox / "i.tsv").write_text("partner\trating\nFood Bank\tEffective\n", encoding="utf-8")
    (inbox / "j").write_text("just some words and nothing else\n", encoding="utf-8")
    (inbox / "~$a.xlsx").write_bytes(b"\x0bA. Rivera" + b"\x00" * 150)  # quietly skipped
    (inbox / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # quietly skipped

    for copy in ("a.xlsx", "b-strict.xlsx", "c.xltx", "returned-without-extension"):
        os.utime(inbox / copy, (1.7e9, 1.7e9))  # one workbook in four forms, none newer than the others
    batch = validate_paths([inbox])
    seen = {Path(f.file).name: (f.status, [p.code for p in f.problems]) for f in batch.files}
    assert seen == {
        "a.xlsx": ("invalid", ["formula-in-cell", "duplicate-workbook"]),
        "b-strict.xlsx": ("invalid", ["formula-in-cell", "duplicate-workbook"]),
        "c.xltx": ("invalid", ["formula-in-cell", "duplicate-workbook"]),
        "returned-without-extension": ("superseded", ["formula-in-cell", "superseded"]),  # identical to a.xlsx
        "d.gnumeric": ("unreadable", ["unsupported-spreadsheet"]),
        "e.xml": ("unreadable", ["unsupported-spreadsheet"]),
        "f.zip": ("unreadable", ["not-a-spreadsheet"]),
        "g.pdf": ("skipped", ["other-file"]),
        "h.docx": ("skipped", ["other-file"]),
        "i.tsv": ("unreadable", ["csv-file"]),
        "j": ("unreadable", ["not-a-spreadsheet"]),
    }
    problems = {Path(p.file).name: p for p in batch.problems}
    assert "Gnumeric" in problems["d.gnumeric"].message and ".xlsx" in problems["d.gnumeric"].hint
    assert "Excel 2003 XML" in problems["e.xml"].message
    assert "PDF" in problems["g.pdf"].message and ".xlsx" in problems["g.pdf"].hint


def test_links_to_folders_are_followed_once_without_loops(tmp_path: Path, original: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "staff").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(original, inbox / "a.xlsx")
    shutil.copy(original, elsewhere / "b.xlsx")
    os.symlink(elsewhere, inbox / "partners")  # a folder behind a link: read
    os.symlink(inbox, inbox / "staff" / "back-to-inbox")  # a loop: must not hang or repeat
    os.symlink(elsewhere, inbox / "staff" / "partners-again")  # the same folder twice: once
    found = collect_paths(inbox)
    assert sorted(p.name for p in found) == ["a.xlsx", "b.xlsx"]


def test_excel_binary_and_numbers_files_are_named(tmp_path: Path) -> None:
    numbers = tmp_path / "budget.numbers"
    numbers.write_bytes(zip_bytes({"Index/Document.iwa": b"\x00" * 64, "Metadata/Properties.plist": b"x"}))
    result = read_submission(numbers)
    assert isinstance(result, Unreadable)
    assert (result.problem.code, result.problem.severity) == ("unsupported-spreadsheet", "error")
    assert "Apple Numbers" in result.problem.message


def _xml_of(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/workbook.xml").decode()


def test_the_rewritten_variants_are_what_they_claim(tmp_path: Path, original: Path) -> None:
    """The strict and prefixed fixtures really use those namespaces and prefixes, and stay valid zips."""
    s = strict(original, tmp_path / "s.xlsx")
    p = prefixed(original, tmp_path / "p.xlsx")
    assert 'conformance="strict"' in _xml_of(s) and STRICT_MAIN.decode() in _xml_of(s)
    assert "<x:definedName" in _xml_of(p)
    with zipfile.ZipFile(p) as z:
        sheet = next(n for n in z.namelist() if n.startswith("xl/worksheets/") and b"<x:f>" in z.read(n))
    assert sheet
    assert zipfile.ZipFile(io.BytesIO(s.read_bytes())).testzip() is None
