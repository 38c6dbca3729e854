"""Field types: one object per type owns everything the type means, found through a registry.

A type decides its spec checks, its Excel number format and data validation, its row height in
the form, how a returned value is parsed and checked, how compile shows and totals it, and a
valid sample. Generation, reading, validation and compile ask the registry and never branch on a
type's name, so the workbook and the validator cannot drift apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import FieldType, Normalised
from .choice import ChoiceType, RatingType
from .dates import DateType
from .numbers import NumberType
from .text import TextType

if TYPE_CHECKING:
    from ..spec.model import Field, Template

__all__ = ["FieldType", "Normalised", "field_type", "parse", "registered_types"]

_REGISTRY: dict[str, FieldType] = {
    t.name: t
    for t in (
        TextType("short_text", title="Your answer", form_lines=1.3, table_width=20),
        TextType("long_text", title="Your answer", form_lines=4, note=True, table_width=30),
        ChoiceType(),
        RatingType(),
        NumberType(
            "integer",
            title="Whole number",
            hint="Type a whole number.",
            number_format="0",
            whole=True,
            ceiling=2**31 - 1,
        ),
        NumberType(
            "currency",
            title="Amount in dollars",
            hint="Type dollars as a number, e.g. 1500.",
            number_format='"$"#,##0.00',
            ceiling=1e12,
        ),
        NumberType(
            "hours",
            title="Staff hours per month",
            hint="Type hours per month as a number, e.g. 6.",
            number_format="0.0",
            ceiling=1e12,
        ),
        DateType(),
    )
}


def registered_types() -> tuple[FieldType, ...]:
    """Every field type, in the order the spec documentation lists them."""
    return tuple(_REGISTRY.values())


def field_type(name: str) -> FieldType:
    """The type object for a spec's ``type = "..."``; KeyError names the known types."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown type {name!r}; use one of {', '.join(_REGISTRY)}") from None


def parse(template: Template, f: Field, raw: Any) -> Normalised:
    """What a raw cell value means for its field; blank cells are empty for every type."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Normalised(None)
    return field_type(f.type).parse(template, f, raw)
