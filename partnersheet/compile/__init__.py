"""Compiling returned workbooks into a comparison: scores, sheets and the tidy export."""

from .core import compile_paths

__all__ = ["compile_paths"]
