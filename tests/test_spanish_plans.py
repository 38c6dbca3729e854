"""Spanish agreements and action plans: made (the agreement also pre-filled from a partnership table
in either language), typed into, sorted and read back as one language-neutral value.

The Spanish words expected are read here from the templates' own ``[translations.es]`` tables with
tomllib, not through partnersheet's loader; the values expected back are those typed.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import fill, name_cells, set_meta, valid_table_values
from openpyxl.utils.cell import coordinate_to_tuple
from test_sorted_rows import sort_rows

from partnersheet.cli import cli
from partnersheet.compile.core import compile_paths
from partnersheet.intake.read import Submission, read_submission
from partnersheet.intake.validate import check_submission, validate_paths
from partnersheet.spec import load_template
from partnersheet.spec.loader import TEMPLATES_DIR
from partnersheet.workbook.generate import generate, generate_bytes, personalise


def raw(file: str) -> dict[str, Any]:
    return tomllib.loads((TEMPLATES_DIR / file).read_text(encoding="utf-8"))


AGREEMENT = raw("agreement.toml")
PLAN = raw("action_plan.toml")
ES = AGREEMENT["translations"]["es"]
PLAN_ES = PLAN["translations"]["es"]
TABLE_ES = raw("partnership_table.toml")["translations"]["es"]
LIBRARY = "Biblioteca Pública de Riverbend"
PARTNER = "Centro Latino de Riverbend"


def shown(path: Path, field_id: str) -> tuple[Any, bool]:
    """What a person sees in a field's cell, and whether it is locked."""
    sheet, ref = name_cells(path)[f"ps_{field_id}"]
    cell = openpyxl.load_workbook(path)[sheet][ref]
    return cell.value, cell.protection.locked is not False


def dropdown(path: Path, list_name: str) -> list[str]:
    """The options of one hidden list, as the dropdown offers them."""
    lists = openpyxl.load_workbook(path)["_lists"]
    column = next(c for c in lists.iter_cols() if c[0].value == list_name)
    return [c.value for c in column[1:] if c.value]


def read_ok(path: Path) -> Submission:
    sub = read_submission(path)
    assert isinstance(sub, Submission), sub
    return sub


# --- new agreement --from TABLE --candidate N --lang ---------------------------------------------

TYPED = {  # candidate 1, as a person types it in the table (accents, Spanish words)
    "org1_name": PARTNER,
    "org1_brings_other": "Salas de reunión, computadoras portátiles y difusión en el boletín.",
    "org1_library_other": "Presentaciones a clínicas y promotoras de salud.",
    "org1_brings_financial_amount": 800,
    "org1_library_staff_hours": 12,
    "org1_success_roles": "La biblioteca organiza los talleres; el Centro invita a las familias.",
}
# Agreement field <- table answer, from agreement.toml's `from` keys.
FROM = {f["id"]: f["from"] for s in AGREEMENT["sheets"][0]["sections"] for f in s.get("fields", []) if "from" in f}


def table_return(tmp_path: Path, lang: str) -> Path:
    view = load_template("partnership-table").in_language(lang)
    blank = generate(view, tmp_path / f"blank-table-{lang}.xlsx", personalise(view, {"library": LIBRARY}))
    theme = TABLE_ES["Digital inclusion"] if lang == "es" else "Digital inclusion"
    values = valid_table_values(view, library=LIBRARY) | TYPED | {"theme": theme}
    return fill(blank, values, tmp_path / f"table-{lang}.xlsx")


@pytest.mark.parametrize("table_lang", ["en", "es"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_agreement_from_a_table_in_either_language_shows_its_own_language(
    tmp_path: Path, table_lang: str, lang: str
) -> None:
    table = table_return(tmp_path, table_lang)
    out = tmp_path / "agreement.xlsx"
    args = ["new", "agreement", "--from", str(table), "--candidate", "1", "--lang", lang, "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    words = ES if lang == "es" else {}
    sheets = ["Instrucciones", ES["Agreement"]] if lang == "es" else ["Instructions", "Agreement"]
    assert openpyxl.load_workbook(out).sheetnames[:2] == sheets
    # A choice is shown as the agreement's own option, one its dropdown offers.
    theme = words.get("Digital inclusion", "Digital inclusion")
    assert shown(out, "theme") == (theme, False) and theme in dropdown(out, "list_theme")
    # Everything else stays as typed: text, accents, numbers; the identities locked.
    for fid, source in FROM.items():
        if source in TYPED:
            assert shown(out, fid)[0] == TYPED[source], fid
    assert shown(out, "partner_name") == (PARTNER, True) and shown(out, "library_name") == (LIBRARY, True)
    # Read back: English values, the workbook's language; only what the table cannot give is missing.
    sub = read_ok(out)
    assert (sub.lang, sub.values["theme"].value) == (lang, "Digital inclusion")
    required = {f["id"] for s in AGREEMENT["sheets"][0]["sections"] for f in s.get("fields", []) if f.get("required")}
    assert {(p.code, p.field_id) for p in check_submission(sub)} == {
        ("required-missing", fid) for fid in required - set(FROM)
    }


# --- a Spanish agreement typed into, sorted and read back -----------------------------------------

FORM = {
    "library_name": LIBRARY,
    "library_representative": "Ana Ruiz, bibliotecaria",
    "partner_name": PARTNER,
    "partner_representative": "Sam Lee, coordinador",
    "theme": ES["Digital inclusion"],
    "purpose": "Ayudar a los adultos a usar servicios de salud en línea.",
    "community_group": "Adultos mayores de los barrios del río",
    "start_date": date(2026, 3, 1),
    "review_date": date(2026, 9, 1),
}
# Roles typed in rows 1, 2 and 4 (who, in Spanish); row 3 blank. Expected back: the English label.
ROLES = {
    1: ("Reservar la sala", "Shared", "Ana"),
    2: ("Invitar a las familias", "Partner", "Sam"),
    4: ("Comprar los refrigerios", "Library", "Ana y Sam"),
}
ROLE_COLUMNS = ("responsibility", "who", "person")
OTHER = {  # a milestone and a communication row, each with Spanish choices
    "milestones__r1__milestone": "Primer taller",
    "milestones__r1__date": date(2026, 5, 2),
    "milestones__r1__status": ES["Delayed"],
    "communication__r1__what": "Notas de las reuniones",
    "communication__r1__channel": ES["Video call"],
    "communication__r1__how_often": ES["Monthly"],
}


def spanish_agreement(tmp_path: Path, name: str = "acuerdo.xlsx") -> Path:
    typed = {f"roles__r{k}__{c}": v for k, row in ROLES.items() for c, v in zip(ROLE_COLUMNS, row, strict=True)}
    typed |= {f"roles__r{k}__who": ES[who] for k, (_, who, _) in ROLES.items()}
    path = tmp_path / name
    view = load_template("agreement").in_language("es")
    path.write_bytes(generate_bytes(view, answers=FORM | typed | OTHER))
    return path


def table_block(path: Path, section: str, first: str, last: str) -> tuple[list[int], list[int]]:
    """A table's rows and its columns, row number included, found from the cells' names."""
    cells = name_cells(path)
    rows = sorted(coordinate_to_tuple(cells[f"ps_{section}__r{k}__{first}"][1])[0] for k in range(1, 9))
    left = coordinate_to_tuple(cells[f"ps_{section}__r1__{first}"][1])[1]
    right = coordinate_to_tuple(cells[f"ps_{section}__r1__{last}"][1])[1]
    return rows, list(range(left - 1, right + 1))


def roles_back(sub: Submission) -> dict[int, tuple[Any, ...]]:
    found = {}
    for k in range(1, 9):
        row = tuple(sub.value(f"roles__r{k}__{c}") for c in ROLE_COLUMNS)
        if any(v not in (None, "") for v in row):
            found[k] = row
    return found


def test_a_spanish_agreement_sorted_by_its_spanish_choices_reads_back_as_english_records(tmp_path: Path) -> None:
    path = spanish_agreement(tmp_path)
    assert dropdown(path, "list_who") == [ES[w] for w in AGREEMENT["choices"]["who"]]
    rows, cols = table_block(path, "roles", "responsibility", "person")
    ws = openpyxl.load_workbook(path)["Acuerdo"]
    assert [ws.cell(rows[0] - 1, c).value for c in cols] == [
        "Núm.",
        ES["Responsibility"],
        ES["Library / partner / shared"],
        ES["Person"],
    ]
    # Sort the whole table, numbers included, by the Spanish "who" (Z to A): every filled row moves.
    sort_rows(path, "Acuerdo", rows, cols, key=lambda v: str(v[2] or ""), reverse=True)
    ws = openpyxl.load_workbook(path)["Acuerdo"]
    assert [ws.cell(r, cols[2]).value for r in rows[:3]] == [ES["Partner"], ES["Shared"], ES["Library"]]
    batch = validate_paths([path])
    assert batch.problems == []
    sub = batch.submissions[0]
    assert sub.lang == "es" and roles_back(sub) == ROLES
    assert [sub.value(k) for k in OTHER if k.endswith(("status", "channel", "how_often"))] == [
        "Delayed",
        "Video call",
        "Monthly",
    ]


def test_spanish_and_english_agreements_read_as_the_same_values(tmp_path: Path) -> None:
    es = read_ok(spanish_agreement(tmp_path))
    english = FORM | {"theme": "Digital inclusion"}
    english |= {f"roles__r{k}__{c}": v for k, row in ROLES.items() for c, v in zip(ROLE_COLUMNS, row, strict=True)}
    english |= OTHER | {
        "milestones__r1__status": "Delayed",
        "communication__r1__channel": "Video call",
        "communication__r1__how_often": "Monthly",
    }
    en_path = tmp_path / "agreement.xlsx"
    en_path.write_bytes(generate_bytes(load_template("agreement"), answers=english))
    en = read_ok(en_path)
    assert {k: v.value for k, v in es.values.items()} == {k: v.value for k, v in en.values.items()}


def test_a_spanish_table_header_is_checked_in_spanish(tmp_path: Path) -> None:
    """An English header in a Spanish workbook is not the text the respondent was given."""
    path = spanish_agreement(tmp_path)
    rows, cols = table_block(path, "roles", "responsibility", "person")
    wb = openpyxl.load_workbook(path)
    wb["Acuerdo"].cell(rows[0] - 1, cols[3]).value = "Person"  # was "Persona"
    wb.save(path)
    batch = validate_paths([path])
    (problem,) = [p for p in batch.problems if p.code == "label-mismatch"]
    assert problem.cell == f"{openpyxl.utils.get_column_letter(cols[3])}{rows[0] - 1}"
    assert problem.lang == "es" and "'Person'" in problem.local_message and ES["Person"] in problem.local_message
    assert all(f"roles__r{k}__person" not in batch.submissions[0].values for k in range(1, 9))


def test_a_column_header_of_an_older_spanish_wording_reads_by_name(tmp_path: Path) -> None:
    """A workbook made before a translation was reworded shows the old header: read by its names,
    as its labels are; a header naming another column still decides."""
    path = spanish_agreement(tmp_path)
    rows, cols = table_block(path, "roles", "responsibility", "person")
    wb = openpyxl.load_workbook(path)
    wb["Acuerdo"].cell(rows[0] - 1, cols[2]).value = "¿Quién se encarga?"  # the old wording
    wb.save(path)
    assert any(p.code == "label-mismatch" for p in check_submission(read_ok(path)))
    older = set_meta(path, "translation_hash", "an-older-wording", tmp_path / "older.xlsx")
    sub = read_ok(older)
    assert check_submission(sub) == [] and roles_back(sub) == ROLES
    # Columns swapped in that older workbook still follow their headers.
    wb = openpyxl.load_workbook(older)
    ws = wb["Acuerdo"]
    for r in [rows[0] - 1, *rows]:
        a, b = ws.cell(r, cols[1]), ws.cell(r, cols[3])
        a.value, b.value = b.value, a.value
    wb.save(older)
    sub = read_ok(older)
    assert check_submission(sub) == [] and roles_back(sub) == ROLES


# --- a Spanish action plan ------------------------------------------------------------------------

ACTION = {  # one action typed in Spanish, and the English values expected back
    "actions__r1__partnership": (PARTNER, PARTNER),
    "actions__r1__indicator": ("Planes de acción", "Planes de acción"),
    "actions__r1__action": ("Escribir un plan de una página", "Escribir un plan de una página"),
    "actions__r1__side": (PLAN_ES["Shared"], "Shared"),
    "actions__r1__due": (date(2026, 12, 15), date(2026, 12, 15)),
    "actions__r1__status": (PLAN_ES["In progress"], "In progress"),
}


def test_a_spanish_action_plan_offers_spanish_statuses_and_compiles_with_an_english_one(tmp_path: Path) -> None:
    paths = []
    for lang in ("es", "en"):
        view = load_template("action-plan").in_language(lang)
        person = personalise(view, {"library": LIBRARY, "rater": f"Ana Ruiz ({lang})"})
        blank = generate(view, tmp_path / f"blank-{lang}.xlsx", person)
        typed = {fid: (spanish if lang == "es" else english) for fid, (spanish, english) in ACTION.items()}
        paths.append(fill(blank, typed, tmp_path / f"plan-{lang}.xlsx"))
    es, en = paths
    assert openpyxl.load_workbook(es).sheetnames[:2] == ["Instrucciones", PLAN_ES["Action Plan"]]
    assert dropdown(es, "list_status") == [PLAN_ES[s] for s in PLAN["choices"]["status"]]
    assert dropdown(es, "list_side") == [PLAN_ES[s] for s in PLAN["choices"]["side"]]
    batch = validate_paths([es, en])
    assert batch.problems == []
    for sub in batch.submissions:
        assert {fid: sub.value(fid) for fid in ACTION} == {fid: english for fid, (_, english) in ACTION.items()}
    assert compile_paths([es, en], workers=1).valid
