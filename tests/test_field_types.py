"""The field-type contract: the workbook's own data validation and `validate` agree on every type.

For each registered type a one-sheet template is written with fields that use it (with and without
bounds). The type's sample must be accepted both by the data validation read back from the
generated file and by `validate`; each value just outside a bound must be refused by both. The
data-validation rules are evaluated here from the file's XML, independently of the code that wrote them.
"""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils.datetime import to_excel

from partnersheet.intake.read import Submission, read_submission
from partnersheet.intake.validate import check_submission
from partnersheet.spec import Field, Template, load_template_file
from partnersheet.types import registered_types
from partnersheet.workbook.generate import generate_bytes

# Fields per type: each registered type appears at least once (the test below checks that).
FIELDS = [
    '{ id = "short", label = "Short", type = "short_text", help = "h", max_length = 10 }',
    '{ id = "short_free", label = "Short free", type = "short_text", help = "h" }',
    '{ id = "long", label = "Long", type = "long_text", help = "h", max_length = 50 }',
    '{ id = "colour", label = "Colour", type = "choice", choices = "colour", help = "h" }',
    '{ id = "grade", label = "Grade", type = "rating", scale = "grade", help = "h" }',
    '{ id = "count", label = "Count", type = "integer", help = "h" }',
    '{ id = "count_bounded", label = "Count bounded", type = "integer", min = 1, max = 10, help = "h" }',
    '{ id = "money", label = "Money", type = "currency", help = "h" }',
    '{ id = "money_signed", label = "Money signed", type = "currency", min = -100, max = 500, help = "h" }',
    '{ id = "hours", label = "Hours", type = "hours", max = 200, help = "h" }',
    '{ id = "when", label = "When", type = "date", help = "h" }',
]
SPEC = textwrap.dedent(
    """\
    id = "contract"
    title = "Contract"
    version = "1.0.0"
    description = "Every field type once or twice."
    return_to = "the tester"

    [instructions]
    sections = [{ heading = "Steps", items = ["Fill it in."] }]

    [choices]
    colour = ["Red", "Blue"]

    [scales.grade]
    title = "Grade"
    not_observed = "Not seen"
    levels = [{ label = "Good", score = 2 }, { label = "Poor", score = 1 }]
    bands = [{ label = "Good", min = 1.5 }, { label = "Poor", min = 0 }]

    [[sheets]]
    id = "form"
    name = "Form"
    title = "A form"

    [[sheets.sections]]
    id = "main"
    title = "Main"
    layout = "form"
    fields = [
    %s
    ]
    """
) % ",\n".join(FIELDS)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    path = tmp_path_factory.mktemp("spec") / "contract.toml"
    path.write_text(SPEC, encoding="utf-8")
    return load_template_file(path)


def _cases(template: Template) -> list[tuple[Field, Any, bool]]:
    cases = []
    for f in template.fields:
        cases.append((f, f.kind.sample(template, f), True))
        cases += [(f, bad, False) for bad in f.kind.outside(template, f)]
    return cases


def _workbook(tmp_path: Path, template: Template, answers: dict[str, Any]) -> Path:
    path = tmp_path / "filled.xlsx"
    path.write_bytes(generate_bytes(template, answers=answers))
    return path


def _list_values(wb: Any, name: str) -> list[str]:
    ref = wb.defined_names[name].attr_text
    sheet, cells = ref.split("!")
    ws = wb[sheet.strip("'")]
    return [str(row[0].value) for row in ws[cells.replace("$", "")]]


def _number(formula: str) -> float:
    return float(formula.lstrip("="))


def workbook_accepts(wb: Any, sheet: str, cell: str, value: Any) -> bool:
    """Excel's data-validation rule for the cell, evaluated from the file (blank cells pass)."""
    rules = [dv for dv in wb[sheet].data_validations.dataValidation if cell in dv.sqref]
    assert len(rules) == 1, f"{cell}: expected one data validation, found {len(rules)}"
    dv = rules[0]
    if dv.type == "list":
        return str(value) in _list_values(wb, dv.formula1.lstrip("="))
    if dv.type == "textLength":
        assert dv.operator == "lessThanOrEqual"
        return len(str(value)) <= _number(dv.formula1)
    if dv.type in ("whole", "decimal", "date"):
        if isinstance(value, datetime | date):
            if dv.type != "date":
                return False
            value = to_excel(value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time()))
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        if dv.type == "whole" and not float(value).is_integer():
            return False
        assert dv.operator in (None, "between")
        return _number(dv.formula1) <= value <= _number(dv.formula2)
    assert dv.type is None, dv.type  # "any": no rule
    return True


def test_every_registered_type_is_covered(template: Template) -> None:
    assert {f.type for f in template.fields} == {t.name for t in registered_types()}


def test_every_bound_has_a_value_outside_it(template: Template) -> None:
    """A bounded field that offers nothing outside its bounds would make the contract test vacuous."""
    bounded = [
        f for f in template.fields if f.max_length or f.kind.summable or f.kind.options(template, f) or f.kind.dated
    ]
    assert all(f.kind.outside(template, f) for f in bounded)


def test_workbook_and_validate_agree_for_every_type(tmp_path: Path, template: Template) -> None:
    cases = _cases(template)
    assert sum(not ok for _, _, ok in cases) >= 12
    for f, value, expected in cases:
        path = _workbook(tmp_path, template, {f.id: value})
        wb = load_workbook(path)
        sub = read_submission(path, {template.id: template})
        assert isinstance(sub, Submission), sub
        v = sub.values[f.id]
        assert workbook_accepts(wb, v.sheet, v.cell, value) is expected, (f.id, value, "workbook")
        refused = [p for p in check_submission(sub) if p.field_id == f.id and p.severity == "error"]
        assert (not refused) is expected, (f.id, value, [p.message for p in refused])


def test_a_negative_amount_in_a_money_cell_is_refused_by_both(tmp_path: Path, template: Template) -> None:
    path = _workbook(tmp_path, template, {"money": -250})
    sub = read_submission(path, {template.id: template})
    assert isinstance(sub, Submission)
    v = sub.values["money"]
    assert not workbook_accepts(load_workbook(path), v.sheet, v.cell, -250)
    (problem,) = [p for p in check_submission(sub) if p.field_id == "money"]
    assert problem.code == "out-of-range"
    assert problem.context["min"] == 0
    assert "0 or more" in problem.message


def test_choice_problem_carries_the_allowed_choices(tmp_path: Path, template: Template) -> None:
    path = _workbook(tmp_path, template, {"colour": "Green"})
    sub = read_submission(path, {template.id: template})
    assert isinstance(sub, Submission)
    (problem,) = [p for p in check_submission(sub) if p.field_id == "colour"]
    assert problem.to_dict()["context"]["choices"] == ["Red", "Blue"]
