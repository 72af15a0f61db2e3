"""`gandiag add-noise` and `gandiag toy-noise`: Section 3's instance noise."""
