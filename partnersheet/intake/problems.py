"""Problems and their catalogue.

Every problem the tool can report has a stable code here, with its severity, a message template
and a hint in words a librarian understands. Tests assert against codes, not copied text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from ..files import display_name, printable
from ..i18n import BASE, Phrase, problem_text, said

ERROR = "error"
WARNING = "warning"


# Placeholders: {file} {sheet} {cell} {label} {value} {detail} {other}
class ProblemCode(StrEnum):
    """Every problem the tool reports: the code (stable, in JSON), severity, message and fix."""

    def __new__(cls, code: str, severity: str, message: str, hint: str) -> ProblemCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.severity = severity
        member.message = message
        member.hint = hint
        return member

    severity: str
    message: str
    hint: str

    # Files that cannot be used at all.
    FILE_MISSING = ("file-missing", ERROR, "file not found", "check the file name and folder")
    NO_PERMISSION = (
        "no-permission",
        ERROR,
        "cannot be opened here ({detail})",
        "check you are allowed to read it, or copy it to a folder you can read",
    )
    PARTNERSHEET_OUTPUT = (
        "partnersheet-output",
        WARNING,
        "skipped: a {detail} written by partnersheet, not a returned workbook",
        "keep outputs outside the folder of returned workbooks",
    )
    FILE_EMPTY = ("file-empty", ERROR, "the file is empty (0 bytes)", "ask for the workbook to be sent again")
    NOT_A_SPREADSHEET = (
        "not-a-spreadsheet",
        ERROR,
        "not a spreadsheet ({detail})",
        "ask for the completed .xlsx workbook, not another kind of file",
    )
    LEGACY_XLS = (
        "legacy-xls",
        ERROR,
        "an old Excel 97-2003 .xls file",
        "open it in Excel or LibreOffice and use Save As > Excel Workbook (.xlsx)",
    )
    CSV_FILE = (
        "csv-file",
        ERROR,
        "a CSV text file, which has lost the form",
        "fill in the original .xlsx workbook and send that back",
    )
    ENCRYPTED = (
        "encrypted",
        ERROR,
        "the workbook is protected with a password",
        "open it, remove the password (File > Info > Protect Workbook) and save it again",
    )
    CORRUPT = (
        "corrupt",
        ERROR,
        "the file is damaged or incomplete ({detail})",
        "ask for the workbook to be saved and sent again",
    )
    ZIP_BOMB = (
        "zip-bomb",
        ERROR,
        "the file would expand to an unsafe size ({detail})",
        "do not open this file; ask the sender what it is",
    )
    XML_ENTITIES = (
        "xml-entities",
        ERROR,
        "the file contains XML entity declarations, which are refused for safety",
        "ask for the workbook to be saved again from Excel or LibreOffice",
    )
    NOT_PARTNERSHEET = (
        "not-partnersheet",
        ERROR,
        "a spreadsheet, but not a partnersheet workbook ({detail})",
        "send the respondent the workbook made by `partnersheet new`",
    )
    UNKNOWN_TEMPLATE = (
        "unknown-template",
        ERROR,
        "made from template {value}, which is not available here (templates are looked for in {other})",
        "add that template's spec file to a templates folder, or check the file came from your coordinator",
    )
    INTERNAL_ERROR = (
        "internal-error",
        ERROR,
        "partnersheet failed on this file ({detail})",
        "this is a bug: please report it with the file if you can",
    )
    READER_CRASHED = (
        "reader-crashed",
        ERROR,
        "reading this file stopped the process reading it ({detail}); the other files were read",
        "this is a bug: please report it with the file if you can; ask for the workbook to be saved again",
    )
    UNSUPPORTED_SPREADSHEET = (
        "unsupported-spreadsheet",
        ERROR,
        "a spreadsheet partnersheet cannot read ({detail})",
        "open it in the program that made it, use Save As > Excel Workbook (.xlsx), and send that",
    )
    OTHER_FILE = (
        "other-file",
        WARNING,
        "skipped: {detail}, not a returned workbook",
        "if it holds someone's answers, ask them for the completed .xlsx workbook instead",
    )
    # The workbook's structure.
    TEMPLATE_ALTERED = (
        "template-altered",
        ERROR,
        "made from a different spec of {value} than the one here ({detail}), so its answers are not merged",
        "if the spec was edited, give it a new version number; otherwise send the respondent a fresh workbook",
    )
    VERSION_UNKNOWN = (
        "version-unknown",
        WARNING,
        "the workbook does not say which version of {value} it was made from; it was read as version {detail}",
        "check the answers, or send the respondent a fresh workbook",
    )
    LANGUAGE_UNKNOWN = (
        "language-unknown",
        WARNING,
        "the workbook is in language {value!r}, which this template does not have here; it was read in {detail}",
        "add that language to the template, or send the respondent a fresh workbook",
    )
    NAMES_MISSING = (
        "names-missing",
        WARNING,
        "the workbook has lost its cell names; answers were read from their original positions",
        "check the answers below, or send a fresh workbook",
    )
    FIELD_NOT_FOUND = (
        "field-not-found",
        ERROR,
        "the answer cell for {label!r} could not be found",
        "the row or sheet may have been deleted: send a fresh workbook",
    )
    ROWS_REORDERED = (
        "rows-reordered",
        WARNING,
        "rows {detail} of sheet {sheet!r} were reordered: answers were matched by their criterion text",
        "check those answers: each was read with the criterion or label now beside it",
    )
    LABEL_MISMATCH = (
        "label-mismatch",
        ERROR,
        "the text beside the answer for {label!r} was changed or removed: cell {cell} reads {value!r}; "
        "the answer ({detail}) was not used",
        "put back the text {other!r} in cell {cell}, or send a fresh workbook",
    )
    LABEL_DUPLICATED = (
        "label-duplicated",
        ERROR,
        "the text of {label!r} stands beside more than one answer ({detail}): none of them was used",
        "keep that text beside one answer only (check cells {detail}), or send a fresh workbook",
    )
    SHEET_MISSING = (
        "sheet-missing",
        ERROR,
        "the form sheet {sheet!r} with {detail} answers is missing",
        "the sheet may have been deleted: send the respondent a fresh workbook",
    )
    IDENTITY_CHANGED = (
        "identity-changed",
        ERROR,
        "{label} was changed from {other!r} to {value!r}",
        "put back {other!r}; if it was wrong, ask the coordinator for a new workbook",
    )
    FAR_VALUE = (
        "far-value",
        WARNING,
        "a value far outside the form at {cell} was not read ({detail})",
        "if it is an answer, move it into its answer cell; otherwise delete it (Ctrl+End shows the last used cell)",
    )
    STRAY_VALUE = (
        "stray-value",
        WARNING,
        "{value!r} was typed in cell {cell}, outside the answer cells, so it is not an answer",
        "move it into the answer cell it belongs to; until then it is kept in the comparison's Data sheet",
    )
    # Answers.
    REQUIRED_MISSING = (
        "required-missing",
        ERROR,
        "{label} is required but empty",
        "fill in cell {cell} on sheet {sheet!r}",
    )
    ROW_INCOMPLETE = (
        "row-incomplete",
        ERROR,
        "{label} is empty, but its row has other answers ({detail})",
        "fill in cell {cell} on sheet {sheet!r}, or clear the whole row",
    )
    NOT_A_CHOICE = (
        "not-a-choice",
        ERROR,
        "{value!r} is not one of the choices for {label}",
        "choose from the dropdown list in cell {cell}: {detail}",
    )
    NOT_A_RATING = (
        "not-a-rating",
        ERROR,
        "{value!r} is not a rating for {label}",
        "choose from the dropdown list in cell {cell}: {detail}",
    )
    NOT_A_NUMBER = (
        "not-a-number",
        ERROR,
        "{value!r} is not a number for {label}",
        "type digits only in cell {cell}, e.g. 1500 (no words)",
    )
    NOT_WHOLE_NUMBER = (
        "not-whole-number",
        ERROR,
        "{value!r} is not a whole number for {label}",
        "type a whole number in cell {cell}",
    )
    OUT_OF_RANGE = (
        "out-of-range",
        ERROR,
        "{value!r} is outside the allowed range for {label} ({detail})",
        "type a value from {detail} in cell {cell}",
    )
    NOT_A_DATE = (
        "not-a-date",
        ERROR,
        "{value!r} is not a date for {label}",
        "type a date like 2026-03-15 in cell {cell}",
    )
    TOO_LONG = (
        "too-long",
        ERROR,
        "the answer for {label} is too long ({detail})",
        "shorten the text in cell {cell}, or move details to the notes",
    )
    FORMULA_IN_CELL = (
        "formula-in-cell",
        ERROR,
        "cell {cell} ({label}) holds a formula {value!r}, which is not read",
        "type the answer itself in cell {cell} instead of a formula",
    )
    # Across a batch.
    DUPLICATE_WORKBOOK = (
        "duplicate-workbook",
        ERROR,
        "the same workbook (id {value}) came back more than once and which copy is newer cannot be told: also {other}",
        "keep the copy the rater meant and move the other out of the folder",
    )
    DUPLICATE_SUBMISSION = (
        "duplicate-submission",
        ERROR,
        "a second assessment for {detail}, and which one is newer cannot be told: also {other}",
        "keep the one the rater meant and move the other out of the folder, or give each a different round",
    )
    SUPERSEDED = (
        "superseded",
        WARNING,
        "replaced by a newer copy from the same rater: {other} ({detail}); this one is not counted",
        "nothing to do, unless this older copy is the one that should count: then move the newer one out",
    )


@dataclass(frozen=True)
class Problem:
    """One thing wrong, with where it is and how to fix it."""

    code: ProblemCode
    severity: str
    file: str
    message: str
    hint: str
    sheet: str = ""
    cell: str = ""
    field_id: str = ""
    field_label: str = ""
    value: str = ""
    # The facts behind the message (allowed choices, the range, the other file) for machine readers.
    context: dict[str, Any] = field(default_factory=dict)
    # The language of the workbook it is about, and the message and fix in that language (the
    # respondent's); ``message`` and ``hint`` stay English for the coordinator.
    lang: str = BASE
    local_message: str = ""
    local_hint: str = ""
    # What filled the message's placeholders, kept to say it again in another language (a Phrase
    # among them is said in that language).
    params: dict[str, str | Phrase] = field(default_factory=dict, repr=False, compare=False)

    def localised(self, lang: str) -> Problem:
        """The same problem, also told in ``lang`` (the language of the workbook it is about)."""
        if lang == self.lang and self.local_message:
            return self
        message, hint = problem_text(lang, str(self.code), self.code.message, self.code.hint)
        params = _said(self.params, lang)
        return replace(self, lang=lang, local_message=message.format(**params), local_hint=hint.format(**params))

    def to_dict(self) -> dict[str, Any]:
        """For machine readers (JSON): file names shown as people see them, so any encoder takes them."""
        data = asdict(self)
        del data["params"]
        data["local_message"] = self.local_message or self.message
        data["local_hint"] = self.local_hint or self.hint
        data["code"] = str(self.code)
        data["file"] = display_name(self.file)
        data["context"] = {k: printable(v) if isinstance(v, str) else v for k, v in self.context.items()}
        return data

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.cell:
            parts.append(f"cell {self.cell}")
        return ", ".join(parts)


def make_problem(
    code: ProblemCode,
    file: str,
    *,
    sheet: str = "",
    cell: str = "",
    field_id: str = "",
    label: str = "",
    value: Any = "",
    detail: str | Phrase = "",
    other: str | Phrase = "",
    context: dict[str, Any] | None = None,
) -> Problem:
    """Build a problem from the catalogue, filling its message and hint.

    ``detail`` and ``other`` are data (cells, a value, a file name) or a Phrase, the tool's own words,
    which each language says its way."""
    text_value = "" if value is None else str(value)
    if len(text_value) > 80:
        text_value = text_value[:77] + "..."
    params: dict[str, str | Phrase] = {  # a file name that is not UTF-8 is shown with U+FFFD
        "file": display_name(file),
        "sheet": sheet,
        "cell": cell or "?",
        "label": label,
        "value": text_value,
        "detail": detail if isinstance(detail, Phrase) else printable(detail),
        "other": other if isinstance(other, Phrase) else printable(other),
    }
    english = _said(params, BASE)
    message, hint = code.message.format(**english), code.hint.format(**english)
    facts = {**({"detail": english["detail"]} if detail else {}), **({"other": english["other"]} if other else {})}
    return Problem(
        code=code,
        severity=code.severity,
        file=file,
        message=message,
        hint=hint,
        sheet=sheet,
        cell=cell,
        field_id=field_id,
        field_label=label,
        value=text_value,
        context={**facts, **(context or {})},
        local_message=message,
        local_hint=hint,
        params=params,
    )


def _said(params: dict[str, str | Phrase], lang: str) -> dict[str, str]:
    return {key: said(value, lang) for key, value in params.items()}
