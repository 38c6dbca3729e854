"""Names a workbook writer and a reader must agree on: sheets, defined-name prefix, properties.

They live here, below both, so the reader never imports the writer.
"""

from __future__ import annotations

LISTS_SHEET = "_lists"
META_SHEET = "_meta"
INSTRUCTIONS_SHEET = "Instructions"
# Custom document properties mirror the _meta sheet under this prefix.
PROPERTY_PREFIX = "partnersheet."
# Marks a workbook this tool wrote as an output (comparison, report), so it is never read as a return.
OUTPUT_PROPERTY = "partnersheet.output"
# Every answer cell has a workbook-level defined name: this prefix and the field id.
ANSWER_NAME_PREFIX = "ps_"
