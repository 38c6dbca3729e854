"""Stamped workbooks (copied from a cached master) must be the workbooks the generator draws."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from partnersheet.spec import load_template
from partnersheet.workbook.generate import Personalisation, build_workbook, personalise
from partnersheet.workbook.stamp import stamped_workbook

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
PEOPLE = [
    {},
    {"partner": "County Health Department", "rater": "A. Rivera", "side": "library", "round": "Spring 2026"},
    {"partner": 'Smith & Sons <"Co">', "rater": "_x0041_ Literal", "library": "Bücherei & Co"},
    {"partner": '=HYPERLINK("http://x")', "rater": "+1 caller", "side": "Partner"},
]


def _values(data: bytes) -> dict[str, list[list[object]]]:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def _structure(data: bytes) -> tuple[object, ...]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    validations = {ws.title: sorted(str(dv.sqref) for dv in ws.data_validations.dataValidation) for ws in wb}
    locked = {
        ws.title: sorted(c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked) for ws in wb
    }
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    return names, validations, locked, props, wb.properties.creator


@pytest.mark.parametrize("template_id", ["effectiveness", "partnership-table"])
@pytest.mark.parametrize("person", PEOPLE)
def test_stamped_equals_drawn(template_id: str, person: dict[str, str]) -> None:
    template = load_template(template_id)
    if template.identity_field("side") is None:
        person = {k: v for k, v in person.items() if k != "side"}
    who = personalise(template, person)
    drawn = build_workbook(template, who, "wb-123", CREATED)
    stamped = stamped_workbook(template, who, "wb-123", CREATED)
    assert _values(stamped) == _values(drawn)
    assert _structure(stamped) == _structure(drawn)
    with zipfile.ZipFile(io.BytesIO(stamped)) as zf:
        assert zf.testzip() is None
        assert not any(b"PSTOKEN" in zf.read(name) for name in zf.namelist())


def test_formula_like_identity_stays_text() -> None:
    template = load_template("effectiveness")
    who = Personalisation(partner="=1+2", rater="@cmd")
    wb = openpyxl.load_workbook(io.BytesIO(stamped_workbook(template, who, "id", CREATED)))
    cells = [
        wb[s][ref.replace("$", "")]
        for name in ("ps_partner", "ps_rater")
        for s, ref in wb.defined_names[name].destinations
    ]
    assert [(c.value, c.data_type) for c in cells] == [("=1+2", "s"), ("@cmd", "s")]
