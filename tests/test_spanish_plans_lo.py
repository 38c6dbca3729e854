"""A Spanish agreement through a real LibreOffice Calc: made from the sample table with --lang es,
typed in Spanish as a person would (lower case, accents), sorted by Calc, saved, read back as the
English values; and printed by Calc on the two pages its instructions promise.

The Spanish words typed are read from agreement.toml's [translations.es] with tomllib.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import name_cells, rewrite_parts, soffice_convert
from libreoffice import LibreOffice, save_steps, type_steps
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter

from partnersheet.cli import cli
from partnersheet.intake.read import Submission, read_submission
from partnersheet.intake.validate import check_submission
from partnersheet.spec.loader import TEMPLATES_DIR

pytestmark = pytest.mark.libreoffice

SAMPLE_TABLE = Path(__file__).resolve().parent.parent / "samples" / "returns" / "partnership-table-riverbend.xlsx"
ES = tomllib.loads((TEMPLATES_DIR / "agreement.toml").read_text(encoding="utf-8"))["translations"]["es"]
SHEET = ES["Agreement"]
# field id -> (typed, read back as)
TYPED: dict[str, tuple[str, Any]] = {
    "library_representative": ("Ana Ruiz, bibliotecaria", "Ana Ruiz, bibliotecaria"),
    "partner_representative": ("Sam Lee, coordinador", "Sam Lee, coordinador"),
    "purpose": ("Que los adultos encuentren información de salud confiable.", None),
    "community_group": ("Adultos sin médico de cabecera", "Adultos sin médico de cabecera"),
    "start_date": ("2026-03-01", date(2026, 3, 1)),
    "review_date": ("2026-09-01", date(2026, 9, 1)),
    "roles__r1__responsibility": ("Reservar la sala", "Reservar la sala"),
    "roles__r1__who": (ES["Shared"].lower(), "Shared"),
    "goals__r1__goal": ("Hacer seis talleres", "Hacer seis talleres"),
    "goals__r1__due": ("2026-12-01", date(2026, 12, 1)),
    "goals__r2__goal": ("Responder preguntas de salud", "Responder preguntas de salud"),
    "goals__r2__due": ("2026-06-30", date(2026, 6, 30)),
    "goals__r2__owner": ("Ana Ruiz", "Ana Ruiz"),
    "goals__r3__goal": ("Escribir una guía juntos", "Escribir una guía juntos"),
    "goals__r3__due": ("2026-10-15", date(2026, 10, 15)),
    "milestones__r1__milestone": ("Primer taller hecho", "Primer taller hecho"),
    "milestones__r1__date": ("2026-04-15", date(2026, 4, 15)),
    "milestones__r1__status": (ES["Delayed"].upper(), "Delayed"),
    "communication__r1__what": ("Notas de las reuniones", "Notas de las reuniones"),
    "communication__r1__channel": (ES["Email"], "Email"),
    "communication__r1__how_often": (ES["Every two weeks"], "Every two weeks"),
}


def spanish_agreement(tmp_path: Path) -> Path:
    source = tmp_path / "acuerdo.xlsx"
    args = ["new", "agreement", "--from", str(SAMPLE_TABLE), "--candidate", "1", "--lang", "es", "-o", str(source)]
    made = CliRunner().invoke(cli, args)
    assert made.exit_code == 0, made.output
    return source


def test_a_spanish_agreement_typed_and_sorted_in_calc_reads_back_in_english(lo: LibreOffice, tmp_path: Path) -> None:
    source = spanish_agreement(tmp_path)
    where = {name.removeprefix("ps_"): cell for name, cell in name_cells(source).items()}
    first = coordinate_to_tuple(where["goals__r1__goal"][1])
    last = coordinate_to_tuple(where["goals__r8__owner"][1])
    block = f"{get_column_letter(first[1] - 1)}{first[0]}:{get_column_letter(last[1])}{last[0]}"
    steps = type_steps(where, {fid: text for fid, (text, _) in TYPED.items()})
    steps += [
        {"op": "unprotect", "sheet": SHEET},
        {"op": "sort", "sheet": SHEET, "range": block, "by": 1, "ascending": False},
    ]
    result = lo.run({"open": str(source), "steps": steps + save_steps(tmp_path, "typed")})
    after = result["steps"][-1]["after"]
    assert [row[1] for row in after[:3]] == [
        "Responder preguntas de salud",
        "Hacer seis talleres",
        "Escribir una guía juntos",
    ]
    for suffix in (".xlsx", ".ods"):
        path = tmp_path / f"typed{suffix}"
        check = CliRunner().invoke(cli, ["validate", str(path)])
        assert check.exit_code == 0, check.output
        sub = read_submission(path)
        assert isinstance(sub, Submission) and sub.lang == "es" and check_submission(sub) == []
        for fid, (text, value) in TYPED.items():
            assert sub.value(fid) == (text if value is None else value), (suffix, fid)
        assert sub.value("theme") == "Health literacy"  # pre-filled in Spanish from the English table
        assert sub.value("partner_dollars") == 2500  # pre-filled, kept through Calc


def test_calc_prints_the_spanish_agreement_on_two_pages(soffice: str, tmp_path: Path) -> None:
    """The Spanish texts are longer; the instructions still say "son dos páginas"."""
    source = spanish_agreement(tmp_path)
    only = rewrite_parts(
        source,
        {
            "xl/workbook.xml": lambda b: re.sub(
                rb'(<sheet name="Instrucciones")',
                rb'\1 state="hidden"',
                b.replace(b"<workbookView ", b'<workbookView activeTab="1" '),
            )
        },
        tmp_path / "acuerdo-solo.xlsx",
    )
    out = soffice_convert(soffice, [only], "pdf", tmp_path / "pdf", tmp_path / "profile")
    pdf = (out / "acuerdo-solo.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 2
