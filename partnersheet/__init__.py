"""partnersheet: community-partnership worksheets as Excel workbooks.

The public API is small: load a template, generate workbooks, read and validate returned ones,
compile many into a comparison.
"""

__version__ = "0.1.0"

from .generate import Personalisation, generate, generate_bytes, personalise
from .spec import builtin_templates, load_template

__all__ = [
    "Personalisation",
    "__version__",
    "builtin_templates",
    "generate",
    "generate_bytes",
    "load_template",
    "personalise",
]
