"""Compiling returned workbooks into a comparison: scores, sheets and the tidy export.

``core`` computes (nothing drawn), ``sheets`` draws the comparison one module per sheet, ``run``
holds the rules around a compile (outputs never over inputs, strict mode, nothing readable).
"""

from .core import compile_paths
from .run import CompileResult, compile_to

__all__ = ["CompileResult", "compile_paths", "compile_to"]
