"""partnersheet: community-partnership worksheets as Excel workbooks.

The public API is small: load a template, generate workbooks, read and validate returned ones,
compile many into a comparison. Heavier modules load on first use, so `partnersheet templates`
stays quick.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from .spec import builtin_templates, load_template
from .workbook.generate import Personalisation, generate, generate_bytes, personalise

_EXPORTS = {
    "read_submission": "intake.read",
    "validate_paths": "intake.validate",
    "compile_paths": "compile",
    "compile_to": "compile",
    "tidy_frame": "compile.dataframe",
    "run_demo": "demo",
}
__all__ = [
    "Personalisation",
    "__version__",
    "builtin_templates",
    "generate",
    "generate_bytes",
    "load_template",
    "personalise",
    *_EXPORTS,
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        from importlib import import_module

        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'partnersheet' has no attribute {name!r}")
