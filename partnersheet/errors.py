"""Exceptions the library raises for bad input; the CLI turns each into one line and an exit code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class PartnersheetError(Exception):
    """Bad input or a refused action. ``exit_code`` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(PartnersheetError):
    """The request itself is wrong (unknown template, bad option value)."""

    exit_code = 2


class OutputExists(PartnersheetError):
    """An output file is already there and overwriting was not allowed (the CLI says how to allow it)."""


class RosterError(PartnersheetError):
    """A roster file cannot be used as it is."""


class InputIsOutput(UsageError):
    """An output path is one of the files being read: writing it would replace an input."""


class NothingReadable(UsageError):
    """Not one of the inputs could be read, so there is nothing to compile. ``unreadable`` lists
    the files with why each could not be read."""

    def __init__(self, message: str, hint: str = "", unreadable: Sequence[Any] = ()) -> None:
        super().__init__(message, hint)
        self.unreadable = list(unreadable)


class StrictRefusal(PartnersheetError):
    """Strict mode: some inputs have errors, so nothing was written. ``bad`` of ``total`` files."""

    def __init__(self, message: str, hint: str = "", *, bad: int = 0, total: int = 0) -> None:
        super().__init__(message, hint)
        self.bad = bad
        self.total = total
