"""The sustainability instrument, from the seed: what a rater sees, and that its returns read and score.

Texts are checked against the seed's own wording (copied here from the seed, not from the spec);
expected scores are computed from the levels typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import fill, valid_effectiveness_values
from test_languages import raw_spec

from partnersheet.compile.core import compile_paths
from partnersheet.compile.sheets import write_comparison
from partnersheet.intake.validate import validate_paths
from partnersheet.spec import SpecError, load_template
from partnersheet.spec.loader import parse_template
from partnersheet.workbook.generate import generate, personalise

# The seed's table "Characteristics of Sustainable Partnerships": (IS NOT, IS), in order.
CONTRASTS = (
    ("It only benefits one of the partnering organizations.", "It’s a win-win for all organizations involved."),
    (
        "A lack of trust and respect negatively impacts the partnership by creating uncertainty.",
        "Mutual trust and respect allow the individuals and organizations to take risks",
    ),
    (
        "One partner pays for or donates products or services to the other without reciprocity.",
        "Each organization contributes staff and financial resources",
    ),
    ("There is a lack of recognition of the partnership", "There is communication about the partnership."),
    ("The library is thinking program, not partnership.", "The library is thinking partnership, not program."),
)
CHARACTERISTICS = ("Aspirations", "Intentionality", "Authenticity", "Accountability", "Learning", "Engagement")
BENEFITS = (
    "Capacity building",
    "New funding opportunities",
    "Stronger networks and public support",
    "Positioning of the library as a local leader",
)
SPECTRUM = ("Empower", "Collaborate", "Consult", "Inform", "A transaction")


def answer_cells(path: Path) -> tuple[openpyxl.Workbook, dict[str, Any]]:
    wb = openpyxl.load_workbook(path)
    cells = {}
    for name, defined in wb.defined_names.items():
        if name.startswith("ps_"):
            ((sheet, ref),) = defined.destinations
            cells[name.removeprefix("ps_")] = wb[sheet][ref.replace("$", "")]
    return wb, cells


def dropdown(wb: openpyxl.Workbook, cell: Any) -> list[str]:
    """The options a person sees in a cell's dropdown, followed through its named list."""
    ws = cell.parent
    (dv,) = [dv for dv in ws.data_validations.dataValidation if cell.coordinate in dv.sqref]
    ((sheet, ref),) = wb.defined_names[dv.formula1.lstrip("=")].destinations
    return [c.value for (c,) in wb[sheet][ref.replace("$", "")]]


def test_what_a_rater_sees(tmp_path: Path) -> None:
    template = load_template("sustainability")
    wb, cells = answer_cells(generate(template, tmp_path / "s.xlsx"))
    ws = wb["Sustainability"]
    # Each contrast: both of the seed's descriptions on the rating's row, left of it, in order.
    contrasts = [f for f in template.fields if f.kind.scored and f.scale == "sustainable"]
    assert len(contrasts) == 5
    for f, (is_not, is_) in zip(contrasts, CONTRASTS, strict=True):
        cell = cells[f.id]
        row = [ws.cell(cell.row, c).value or "" for c in range(1, cell.column)]
        assert is_not in row[-2] and is_ in row[-1], f.id
        assert dropdown(wb, cell) == ["Sustainable", "Partly sustainable", "Not sustainable", "Not observed"]
    headings = [c.value for c in ws[min(cells[f.id].row for f in contrasts) - 1]][1:5]
    assert headings[1:3] == ["A partnership IS NOT sustainable when...", "A partnership IS sustainable when..."]
    # The six characteristics, rated on how clearly the partnership shows them.
    shown = [f for f in template.fields if f.kind.scored and f.scale == "clarity"]
    assert [f.context for f in shown] == list(CHARACTERISTICS)
    for f in shown:
        assert dropdown(wb, cells[f.id]) == [
            "Shows it clearly",
            "Shows it in part",
            "Does not show it yet",
            "Not observed",
        ]
    # The four benefits: seen, expected or not yet.
    for label in BENEFITS:
        (f,) = [f for f in template.fields if f.label == label]
        assert dropdown(wb, cells[f.id]) == ["Seen", "Expected", "Not yet"]
    # The level on the spectrum, with a transaction below it.
    levels = dropdown(wb, cells["level"])
    assert [level.split(":")[0] for level in levels] == list(SPECTRUM)
    instructions = " ".join(str(c.value) for row in wb[wb.sheetnames[0]].iter_rows() for c in row if c.value)
    assert "exchanging money doesn't create a partnership" in instructions
    assert {"evidence", "next_steps", "level_why"} <= set(cells)


def test_its_scales_bands_and_threshold_live_in_the_spec() -> None:
    template = load_template("sustainability")
    scale = template.scales["sustainable"]
    assert [(lv.label, lv.score) for lv in scale.levels] == [
        ("Sustainable", 3.0),
        ("Partly sustainable", 2.0),
        ("Not sustainable", 1.0),
    ]
    assert [(b.label, b.min) for b in scale.bands] == [
        ("Sustainable", 2.5),
        ("Partly sustainable", 1.5),
        ("Not sustainable", 0.0),
    ]
    assert scale.discuss_levels == 2 and scale.not_observed == "Not observed"


def test_a_contrast_rubric_needs_a_contrast_for_every_criterion() -> None:
    raw = raw_spec("sustainability")
    del raw["sheets"][0]["sections"][1]["groups"][2]["criteria"][0]["contrast"]
    with pytest.raises(SpecError, match=r"groups\[2\]\.criteria\[0\]\.contrast: every criterion"):
        parse_template(raw, "sustainability.toml")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_return_validates_and_its_contrasts_score(tmp_path: Path, lang: str) -> None:
    base = load_template("sustainability")
    view = base.in_language(lang)
    person = personalise(view, {"partner": "Centro Latino", "rater": "Ana Ruiz", "side": "partner"})
    values = valid_effectiveness_values(view, **person.as_dict())
    contrasts = [f for f in view.fields if f.kind.scored and f.scale == "sustainable"]
    levels = view.scales["sustainable"].options
    picked = (0, 0, 1, 2, 3)  # Sustainable twice, Partly, Not, Not observed
    values |= {f.id: levels[i] for f, i in zip(contrasts, picked, strict=True)}
    path = fill(generate(view, tmp_path / "blank.xlsx", person), values, tmp_path / "s.xlsx")
    batch = validate_paths([path])
    assert batch.problems == []
    sub = batch.submissions[0]
    assert sub.values["level"].value.startswith("Empower")  # stored in English, whatever the language
    results = compile_paths([path]).instruments
    # Every rating scale of the instrument is summarised on its own, none ignored.
    rubric_scales = {section.scale for _, section in base.sections() if section.layout == "rubric"}
    assert [r.instrument.scale.id for r in results] == sorted(rubric_scales, key=list(base.scales).index)
    (result,) = [r for r in results if r.instrument.scale.id == "sustainable"]
    (partnership,) = result.partnerships
    scores = {r.indicator.id: r.score for r in partnership.indicators}
    assert scores == {
        "win_win": 3.0,
        "trust": 3.0,
        "contributions": 2.0,
        "recognition": 1.0,
        "partnership_thinking": None,
    }
    assert partnership.overall == pytest.approx((3 + 3 + 2 + 1) / 4)
    assert partnership.band == "Partly sustainable"  # 2.25: at least 1.5, under 2.5


def test_a_sustainability_return_and_effectiveness_returns_compile_into_one_comparison(tmp_path: Path) -> None:
    sus, eff = load_template("sustainability"), load_template("effectiveness")
    who = {"partner": "Centro Latino", "rater": "Ana Ruiz", "side": "partner"}
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for template, name in ((sus, "s.xlsx"), (eff, "e1.xlsx")):
        person = personalise(template, who)
        values = valid_effectiveness_values(template, **person.as_dict())
        fill(generate(template, tmp_path / f"blank-{name}", person), values, inbox / name)
    comparison = compile_paths([inbox], confidentiality="attributed")
    names = [r.instrument.name for r in comparison.instruments]
    assert eff.title in names
    assert sum(n.startswith(sus.title) for n in names) == len(
        {section.scale for _, section in sus.sections() if section.layout == "rubric"}
    )
    out = tmp_path / "comparison.xlsx"
    write_comparison(comparison, out)
    ws = openpyxl.load_workbook(out)["Summary"]
    assert ws["A1"].value == "Partnership comparison"  # several instruments: no one instrument's name on top
    summary = [c.value for row in ws.iter_rows() for c in row if c.value]
    for name in names:  # a block per instrument, headed by its name
        assert any(isinstance(v, str) and v.startswith(name) for v in summary), name


def test_what_no_sheet_summarises_is_named_on_the_about_sheet(tmp_path: Path) -> None:
    sus = load_template("sustainability")
    person = personalise(sus, {"partner": "Centro Latino", "rater": "Ana Ruiz", "side": "partner"})
    path = fill(
        generate(sus, tmp_path / "blank.xlsx", person),
        valid_effectiveness_values(sus, **person.as_dict()),
        tmp_path / "s.xlsx",
    )
    comparison = compile_paths([path], confidentiality="attributed")
    (benefit,) = [f for f in sus.fields if f.label == BENEFITS[0]]  # a choice, neither rated nor counted by side
    assert any(benefit.label in line for line in comparison.unsummarised)
    level = sus.field("level")  # the spectrum of engagement: counted by side on the Summary
    assert not any(level.label in line for line in comparison.unsummarised)
    out = write_comparison(comparison, tmp_path / "c.xlsx")
    about = [c.value for row in openpyxl.load_workbook(out)["About"].iter_rows() for c in row if c.value]
    assert "Answers on the Data sheet only" in about
    assert any(isinstance(v, str) and benefit.label in v for v in about)
    assert not any(isinstance(v, str) and level.label in v for v in about)
