"""Template specs: the built-ins load, the hash is canonical, and broken specs fail in one line."""

from __future__ import annotations

import re
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import pytest

from partnersheet.spec import (
    TEMPLATES_DIR,
    SpecError,
    Template,
    UnknownTemplate,
    builtin_templates,
    load_template,
    load_template_file,
    parse_template,
)
from partnersheet.types import field_type, registered_types
from partnersheet.types.base import INPUT_MESSAGE_MAX, INPUT_TITLE_MAX

SPEC_FILE = "probe.toml"


def spec_text(fields: str = "", *, sheet_name: str = "Form", layout: str = "form", choices: str = "") -> str:
    """A small valid spec; the arguments let a test break one thing at a time."""
    fields = fields or '{ id = "colour", label = "Colour", type = "choice", choices = "colour", help = "Pick one." }'
    choices = choices or 'colour = ["Red", "Blue"]'
    return textwrap.dedent(
        """\
        id = "probe"
        title = "Probe"
        version = "1.0"
        description = "A spec made by a test."
        return_to = "the tester"

        [instructions]
        sections = [{ heading = "Steps", items = ["Fill it in."] }]

        [choices]
        %s

        [[sheets]]
        id = "form"
        name = "%s"
        title = "A form"

        [[sheets.sections]]
        id = "main"
        title = "Main"
        layout = "%s"
        fields = [
          %s,
        ]
        """
    ) % (choices, sheet_name, layout, fields)


def write_spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / SPEC_FILE
    path.write_text(text, encoding="utf-8")
    return path


def spec_error(tmp_path: Path, text: str) -> str:
    """Load a broken spec and return its error message, checking it is one line naming the file."""
    with pytest.raises(SpecError) as info:
        load_template_file(write_spec(tmp_path, text))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{SPEC_FILE}: ")
    return message


def reversed_keys(value: Any) -> Any:
    """The same data with every table's keys in reverse order."""
    if isinstance(value, dict):
        return {k: reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(v) for v in value]
    return value


# --- the built-in templates -------------------------------------------------------------------


def test_every_builtin_template_loads() -> None:
    templates = builtin_templates()
    assert set(templates) == {"effectiveness", "partnership-table", "agreement", "action-plan", "sustainability"}
    for template in templates.values():
        assert template.version and template.description and template.fields
        assert re.fullmatch(r"[0-9a-f]{64}", template.spec_hash)


def test_builtin_fields_are_within_excel_limits(template: Template) -> None:
    for f in template.fields:
        assert f.type in {t.name for t in registered_types()}
        assert len(f.input_title) <= INPUT_TITLE_MAX
        assert 0 < len(f.input_message) <= INPUT_MESSAGE_MAX
        if f.type in ("choice", "rating"):
            assert template.options(f), f.id


def test_effectiveness_scale_is_the_seed_continuum(effectiveness: Template) -> None:
    rating = next(f for f in effectiveness.fields if f.type == "rating")
    scale = effectiveness.scales[rating.scale or ""]
    assert [(lv.label, lv.score) for lv in scale.levels] == [
        ("Highly effective", 4),
        ("Effective", 3),
        ("Somewhat effective", 2),
        ("Ineffective", 1),
    ]
    assert scale.not_observed == "Not observed"
    assert scale.score_of("Not observed") is None
    assert sum(f.type == "rating" for f in effectiveness.fields) == 15


def test_unknown_template_id_lists_the_known_ones() -> None:
    with pytest.raises(UnknownTemplate) as info:
        load_template("no-such-template")
    assert "effectiveness" in str(info.value) and "partnership-table" in str(info.value)


# --- the spec hash ----------------------------------------------------------------------------


def test_spec_hash_is_stable(template: Template) -> None:
    again = load_template_file(TEMPLATES_DIR / template.source)
    assert again.spec_hash == template.spec_hash


def test_spec_hash_ignores_key_order(template: Template) -> None:
    raw = tomllib.loads((TEMPLATES_DIR / template.source).read_text(encoding="utf-8"))
    shuffled = reversed_keys(raw)
    assert list(shuffled) != list(raw)
    assert parse_template(shuffled, "shuffled.toml").spec_hash == template.spec_hash


def test_spec_hash_ignores_comments_and_spacing(tmp_path: Path, template: Template) -> None:
    text = (TEMPLATES_DIR / template.source).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    reformatted = "# a new comment\n\n" + "\n\n".join(lines) + "\n# the end\n"
    assert reformatted != text
    copy = tmp_path / "copy.toml"
    copy.write_text(reformatted, encoding="utf-8")
    assert load_template_file(copy).spec_hash == template.spec_hash


def test_spec_hash_changes_with_content(tmp_path: Path) -> None:
    base = load_template_file(write_spec(tmp_path, spec_text())).spec_hash
    relabelled = load_template_file(write_spec(tmp_path, spec_text(choices='colour = ["Red", "Green"]'))).spec_hash
    bumped = load_template_file(write_spec(tmp_path, spec_text().replace('"1.0"', '"1.1"'))).spec_hash
    assert len({base, relabelled, bumped}) == 3


# --- broken specs -----------------------------------------------------------------------------


def test_small_spec_is_valid(tmp_path: Path) -> None:
    template = load_template_file(write_spec(tmp_path, spec_text()))
    assert template.source == SPEC_FILE
    assert template.options(template.field("colour")) == ("Red", "Blue")


def test_unknown_type(tmp_path: Path) -> None:
    message = spec_error(tmp_path, spec_text('{ id = "a", label = "A", type = "paragraph", help = "h" }'))
    assert "sheets[0].sections[0].fields[0].type" in message
    assert "'paragraph'" in message


def test_duplicate_field_id(tmp_path: Path) -> None:
    fields = (
        '{ id = "twice", label = "A", type = "short_text", help = "h" },\n'
        '  { id = "twice", label = "B", type = "long_text", help = "h" }'
    )
    message = spec_error(tmp_path, spec_text(fields))
    assert "twice" in message
    assert "duplicate" in message.lower()


def test_choice_field_without_a_list(tmp_path: Path) -> None:
    message = spec_error(tmp_path, spec_text('{ id = "a", label = "A", type = "choice", help = "h" }'))
    assert "sheets[0].sections[0].fields[0].choices" in message


def test_choice_field_naming_a_missing_list(tmp_path: Path) -> None:
    message = spec_error(
        tmp_path, spec_text('{ id = "a", label = "A", type = "choice", choices = "sizes", help = "h" }')
    )
    assert "fields[0].choices" in message
    assert "'sizes'" in message


def test_help_text_at_the_excel_limit_is_accepted(tmp_path: Path) -> None:
    help_text = "x" * INPUT_MESSAGE_MAX  # short_text adds no hint of its own
    template = load_template_file(
        write_spec(tmp_path, spec_text(f'{{ id = "a", label = "A", type = "short_text", help = "{help_text}" }}'))
    )
    assert len(template.field("a").input_message) == INPUT_MESSAGE_MAX


@pytest.mark.parametrize("ftype", ["short_text", "choice", "currency"])
def test_help_text_too_long_for_an_input_message(tmp_path: Path, ftype: str) -> None:
    """The type's own hint counts too: help plus hint one character over Excel's 255 fails."""
    hint = field_type(ftype).hint
    help_text = "x" * (INPUT_MESSAGE_MAX + 1 - (len(hint) + 1 if hint else 0))
    extra = ', choices = "colour"' if ftype == "choice" else ""
    message = spec_error(
        tmp_path, spec_text(f'{{ id = "a", label = "A", type = "{ftype}", help = "{help_text}"{extra} }}')
    )
    assert "sheets[0].sections[0].fields[0].help" in message
    assert str(INPUT_MESSAGE_MAX) in message


def test_unknown_layout(tmp_path: Path) -> None:
    message = spec_error(tmp_path, spec_text(layout="grid"))
    assert "sheets[0].sections[0].layout" in message
    assert "'grid'" in message


@pytest.mark.parametrize(
    "name",
    ["Bad/Name", "What?", "x" * 32, "_hidden", "", "'quoted'", "Instructions", "history"],
)
def test_bad_sheet_name(tmp_path: Path, name: str) -> None:
    message = spec_error(tmp_path, spec_text(sheet_name=name))
    assert "sheets[0].name" in message


def test_choice_list_name_must_make_an_excel_name(tmp_path: Path) -> None:
    message = spec_error(
        tmp_path,
        spec_text(
            '{ id = "a", label = "A", type = "choice", choices = "my list", help = "h" }',
            choices='"my list" = ["Red", "Blue"]',
        ),
    )
    assert "choices.my list" in message


def test_not_toml_names_the_file(tmp_path: Path) -> None:
    message = spec_error(tmp_path, spec_text() + "\n[[[ broken\n")
    assert "TOML" in message
