"""`gandiag ablate`: why D becomes perfect (or not), one factor at a time."""
