"""The base of every field type: what the registry promises each type answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from ..i18n import Phrase, tr
from ..intake.problems import ProblemCode

if TYPE_CHECKING:
    from ..spec.model import Field, Template

# Excel's limits for a data-validation input message.
INPUT_TITLE_MAX = 32
INPUT_MESSAGE_MAX = 255
# Every field may have these keys in a spec; a type adds its own (``extra_keys``).
# ``from`` names the answer of another template's return that pre-fills this one (``prefill_from``).
# ``lines`` gives the answer row another height than its type's (a short note in a dense form).
COMMON_KEYS = frozenset({"id", "label", "type", "help", "required", "identity", "replaces", "from", "lines"})


@dataclass(frozen=True)
class Normalised:
    """What a raw cell value means for its field: a value, or the problem code and detail."""

    value: str | float | date | None
    score: float | None = None
    error: ProblemCode | None = None
    detail: str | Phrase = ""
    context: dict[str, Any] = field(default_factory=dict)


class FieldType:
    """One kind of answer cell. Subclasses fill in the behaviour; instances are registered."""

    name: str
    title: str  # the input message title (at most 32 characters)
    hint: str = ""  # what the input message tells the person after the field's help
    number_format: str | None = None  # Excel number format of the answer cell ("@" keeps text as typed)
    wraps: bool = False  # answers wrap inside the cell (text) or stay on one line
    form_lines: float = 1.3  # the answer row's height in the form, in lines
    table_width: float = 20.0  # a table column of this type, in characters
    extra_keys: frozenset[str] = frozenset()  # spec keys this type accepts beyond COMMON_KEYS
    summable: bool = False  # compile totals it (money, hours)
    scored: bool = False  # compile scores it on a rating scale
    note: bool = False  # free text compile shows as evidence or comments
    dated: bool = False  # a date compile uses to order rounds

    def input_message(self, f: Field) -> str:
        hint = tr(f.lang, self.hint) if self.hint else ""
        return f"{f.help} {hint}".strip()

    def check(self, f: Field, template_lists: dict[str, Any], scales: dict[str, Any]) -> list[tuple[str, str]]:
        """Mistakes in a field's spec as (key, what is wrong and how to fix it)."""
        problems = []
        if len(self.input_message(f)) > INPUT_MESSAGE_MAX:
            problems.append(
                (
                    "help",
                    f"help text makes an input message of {len(self.input_message(f))} characters; "
                    f"Excel allows {INPUT_MESSAGE_MAX}: shorten it",
                )
            )
        return problems

    def options(self, template: Template, f: Field) -> tuple[str, ...]:
        """The labels a list-type field accepts, in display order; none for other types."""
        return ()

    def list_name(self, f: Field) -> str | None:
        """The defined name of the hidden list a dropdown draws from, if the type has one."""
        return None

    def validation(self, template: Template, f: Field) -> dict[str, Any]:
        """The XlsxWriter data validation for the answer cell (without the input message)."""
        return {"validate": "any"}

    def parse(self, template: Template, f: Field, raw: Any) -> Normalised:
        """A non-blank raw value as the field means it, or the problem with it."""
        raise NotImplementedError

    def compile_value(self, value: Any, text: str) -> Any:
        """What compile shows for a parsed answer (``text`` is the answer as typed)."""
        return value

    def sample(self, template: Template, f: Field) -> Any:
        """A valid answer, for tests and samples."""
        raise NotImplementedError

    def outside(self, template: Template, f: Field) -> list[Any]:
        """Answers just outside each bound the workbook enforces: both it and ``validate`` refuse them."""
        return []
