"""`gandiag compare`'s files: comparison.json, figure, table and report."""
