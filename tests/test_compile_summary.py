"""The director's page at scale: order of partnerships and how it prints."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from helpers import valid_effectiveness_values

from partnersheet.compile.core import compile_paths
from partnersheet.compile.sheets import write_comparison
from partnersheet.compile.sheets.summary import ONE_PAGE_PARTNERSHIPS
from partnersheet.spec import load_template
from partnersheet.workbook.generate import generate_bytes, personalise


def _returns(folder: Path, partners: list[str]) -> None:
    template = load_template("effectiveness")
    for n, partner in enumerate(partners):
        values = valid_effectiveness_values(template, partner=partner, rater=f"Rater {n}")
        who = personalise(template, {"partner": partner, "rater": f"Rater {n}", "side": values["side"]})
        (folder / f"r{n}.xlsx").write_bytes(generate_bytes(template, who, answers=values))


def _summary(tmp_path: Path, partners: list[str]) -> openpyxl.worksheet.worksheet.Worksheet:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _returns(inbox, partners)
    out = write_comparison(compile_paths([inbox]), tmp_path / "comparison.xlsx")
    return openpyxl.load_workbook(out)["Summary"]


def test_partnerships_with_numbers_sort_by_value(tmp_path: Path) -> None:
    ws = _summary(tmp_path, ["Site 10", "Site 2", "Site 1"])
    assert ws["A1"].value == "Measuring Partnership Effectiveness: comparison"  # one instrument: its name
    names = [c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("Site")]
    assert names[:3] == ["Site 1", "Site 2", "Site 10"]


@pytest.mark.parametrize(("count", "pages_tall"), [(3, "1"), (ONE_PAGE_PARTNERSHIPS + 5, "0")])
def test_summary_is_one_page_until_it_would_be_unreadable(tmp_path: Path, count: int, pages_tall: str) -> None:
    """Up to a page's worth of partnerships: one page. Beyond: one page wide, as long as needed."""
    _summary(tmp_path, [f"Partner {n}" for n in range(count)])
    with zipfile.ZipFile(tmp_path / "comparison.xlsx") as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()  # Summary is the first sheet
    setup = re.search(r"<pageSetup [^>]*/>", sheet)
    assert setup is not None and '<pageSetUpPr fitToPage="1"/>' in sheet
    assert (
        re.search(r'fitToHeight="(\d+)"', setup[0])[1] == pages_tall
        if pages_tall == "0"
        else ('fitToHeight="0"' not in setup[0])
    )


def test_several_instruments_print_one_page_wide_each_block_on_a_new_page(tmp_path: Path) -> None:
    """Three instruments on one page would print too small to read (the samples hold three)."""
    samples = Path(__file__).resolve().parents[1] / "samples" / "returns"
    comparison = compile_paths([samples])
    names = [r.instrument.name for r in comparison.instruments]
    assert len(names) >= 3
    out = write_comparison(comparison, tmp_path / "comparison.xlsx")
    with zipfile.ZipFile(out) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    setup = re.search(r"<pageSetup [^>]*/>", sheet)
    assert setup is not None and 'fitToHeight="0"' in setup[0] and '<pageSetUpPr fitToPage="1"/>' in sheet
    breaks = [int(b) for b in re.findall(r'<brk id="(\d+)"', sheet)]
    ws = openpyxl.load_workbook(out)["Summary"]
    # A break after row N (1-based) starts the next page with row N + 1: each block's heading after
    # the first starts a page, and any other page starts at a heading after a blank row, never
    # inside a table.
    starts = [ws.cell(row=b + 1, column=1).value for b in breaks]
    assert [s for s in starts if s in names] == names[1:]
    for b, start in zip(breaks, starts, strict=True):
        assert isinstance(start, str) and start.strip(), b
        assert start in names or ws.cell(row=b, column=1).value in (None, ""), (b, start)
