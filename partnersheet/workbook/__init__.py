"""Writing workbooks: where each cell goes, the form writer, stamping, shared output helpers."""
