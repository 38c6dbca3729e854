"""Problems and their catalogue.

Every problem the tool can report has a stable code here, with its severity, a message template
and a hint in words a librarian understands. Tests assert against codes, not copied text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Code:
    severity: str
    message: str
    hint: str


# Placeholders: {file} {sheet} {cell} {label} {value} {detail} {other}
CATALOGUE: dict[str, Code] = {
    # Files that cannot be used at all.
    "file-missing": Code(ERROR, "file not found", "check the file name and folder"),
    "no-permission": Code(
        ERROR,
        "cannot be opened here ({detail})",
        "check you are allowed to read it, or copy it to a folder you can read",
    ),
    "partnersheet-output": Code(
        WARNING,
        "skipped: a {detail} written by partnersheet, not a returned workbook",
        "keep outputs outside the folder of returned workbooks",
    ),
    "file-empty": Code(ERROR, "the file is empty (0 bytes)", "ask for the workbook to be sent again"),
    "not-a-spreadsheet": Code(
        ERROR, "not a spreadsheet ({detail})", "ask for the completed .xlsx workbook, not another kind of file"
    ),
    "legacy-xls": Code(
        ERROR,
        "an old Excel 97-2003 .xls file",
        "open it in Excel or LibreOffice and use Save As > Excel Workbook (.xlsx)",
    ),
    "csv-file": Code(
        ERROR, "a CSV text file, which has lost the form", "fill in the original .xlsx workbook and send that back"
    ),
    "encrypted": Code(
        ERROR,
        "the workbook is protected with a password",
        "open it, remove the password (File > Info > Protect Workbook) and save it again",
    ),
    "corrupt": Code(
        ERROR, "the file is damaged or incomplete ({detail})", "ask for the workbook to be saved and sent again"
    ),
    "zip-bomb": Code(
        ERROR, "the file would expand to an unsafe size ({detail})", "do not open this file; ask the sender what it is"
    ),
    "xml-entities": Code(
        ERROR,
        "the file contains XML entity declarations, which are refused for safety",
        "ask for the workbook to be saved again from Excel or LibreOffice",
    ),
    "not-partnersheet": Code(
        ERROR,
        "a spreadsheet, but not a partnersheet workbook ({detail})",
        "send the respondent the workbook made by `partnersheet new`",
    ),
    "unknown-template": Code(
        ERROR,
        "made from template {detail!r}, which this version does not know",
        "update partnersheet, or check the file came from your coordinator",
    ),
    "internal-error": Code(
        ERROR, "partnersheet failed on this file ({detail})", "this is a bug: please report it with the file if you can"
    ),
    # The workbook's structure.
    "template-altered": Code(
        ERROR,
        "the workbook's template was changed ({detail})",
        "send the respondent a fresh workbook from `partnersheet new`",
    ),
    "version-differs": Code(
        WARNING,
        "made from template version {value}, not the current {detail}",
        "answers are matched by field; regenerate the workbook for the next round",
    ),
    "names-missing": Code(
        WARNING,
        "the workbook has lost its cell names; answers were read from their original positions",
        "check the answers below, or send a fresh workbook",
    ),
    "field-not-found": Code(
        ERROR,
        "the answer cell for {label!r} could not be found",
        "the row or sheet may have been deleted: send a fresh workbook",
    ),
    "sheet-missing": Code(
        ERROR,
        "the form sheet {sheet!r} with {detail} answers is missing",
        "the sheet may have been deleted: send the respondent a fresh workbook",
    ),
    "identity-changed": Code(
        ERROR,
        "{label} was changed from {other!r} to {value!r}",
        "put back {other!r}; if it was wrong, ask the coordinator for a new workbook",
    ),
    # Answers.
    "required-missing": Code(ERROR, "{label} is required but empty", "fill in cell {cell} on sheet {sheet!r}"),
    "not-a-choice": Code(
        ERROR,
        "{value!r} is not one of the choices for {label}",
        "choose from the dropdown list in cell {cell}: {detail}",
    ),
    "not-a-rating": Code(
        ERROR, "{value!r} is not a rating for {label}", "choose from the dropdown list in cell {cell}: {detail}"
    ),
    "not-a-number": Code(
        ERROR, "{value!r} is not a number for {label}", "type digits only in cell {cell}, e.g. 1500 (no words)"
    ),
    "not-whole-number": Code(
        ERROR, "{value!r} is not a whole number for {label}", "type a whole number in cell {cell}"
    ),
    "out-of-range": Code(
        ERROR,
        "{value!r} is outside the allowed range for {label} ({detail})",
        "type a value from {detail} in cell {cell}",
    ),
    "not-a-date": Code(ERROR, "{value!r} is not a date for {label}", "type a date like 2026-03-15 in cell {cell}"),
    "too-long": Code(
        ERROR,
        "the answer for {label} is too long ({detail})",
        "shorten the text in cell {cell}, or move details to the notes",
    ),
    "formula-in-cell": Code(
        ERROR,
        "cell {cell} ({label}) holds a formula {value!r}, which is not read",
        "type the answer itself in cell {cell} instead of a formula",
    ),
    # Across a batch.
    "duplicate-workbook": Code(
        ERROR,
        "the same workbook (id {value}) was returned more than once: also {other}",
        "keep one copy: the newest complete one",
    ),
    "duplicate-submission": Code(
        ERROR, "a second assessment for {detail}: also {other}", "keep one of the two, or give each a different round"
    ),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong, with where it is and how to fix it."""

    code: str
    severity: str
    file: str
    message: str
    hint: str
    sheet: str = ""
    cell: str = ""
    field_id: str = ""
    field_label: str = ""
    value: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.cell:
            parts.append(f"cell {self.cell}")
        return ", ".join(parts)


def make_problem(
    code: str,
    file: str,
    *,
    sheet: str = "",
    cell: str = "",
    field_id: str = "",
    label: str = "",
    value: Any = "",
    detail: str = "",
    other: str = "",
) -> Problem:
    """Build a problem from the catalogue, filling its message and hint."""
    entry = CATALOGUE[code]
    text_value = "" if value is None else str(value)
    if len(text_value) > 80:
        text_value = text_value[:77] + "..."
    params = {
        "file": file,
        "sheet": sheet,
        "cell": cell or "?",
        "label": label,
        "value": text_value,
        "detail": detail,
        "other": other,
    }
    return Problem(
        code=code,
        severity=entry.severity,
        file=file,
        message=entry.message.format(**params),
        hint=entry.hint.format(**params),
        sheet=sheet,
        cell=cell,
        field_id=field_id,
        field_label=label,
        value=text_value,
    )
