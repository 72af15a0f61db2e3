"""`gandiag train`."""
