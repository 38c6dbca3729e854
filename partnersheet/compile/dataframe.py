"""The tidy table as a pandas DataFrame, for analysts (``pip install partnersheet[pandas]``).

pandas is imported here and nowhere else, and only when this function runs: importing it costs
about half a second, which no command should pay. Columns are ``TIDY_KEYS``, one row per value
read, exactly the rows of the Data sheet and the CSV/JSON export; ``round_order`` (1 = first
round) sorts rounds whose labels do not sort by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .core import TIDY_KEYS, Comparison

if TYPE_CHECKING:
    import pandas


def tidy_frame(comparison: Comparison) -> pandas.DataFrame:
    """One row per value of every submission compiled; ``score`` and ``round_order`` are numeric."""
    try:
        import pandas as pd
    except ImportError:
        raise UsageError(
            "the DataFrame needs pandas, which is not installed", "pip install 'partnersheet[pandas]'"
        ) from None
    rows: list[tuple[Any, ...]] = list(comparison.tidy_rows())
    frame = pd.DataFrame.from_records(rows, columns=list(TIDY_KEYS))
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").astype("Float64")
    frame["round_order"] = pd.to_numeric(frame["round_order"], errors="coerce").astype("Int64")
    return frame
