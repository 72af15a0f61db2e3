"""`gandiag probe` and `gandiag freeze-g-train-d`: Figures 1-3 against frozen Gs."""
