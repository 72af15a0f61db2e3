"""Views of `gandiag theory`: figures and the report section."""
