"""`gandiag ablate`'s tables and verdicts."""
