"""Views of `gandiag ablate`: the report section and figures."""
