"""`gandiag compare`: several runs side by side."""
