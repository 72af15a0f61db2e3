"""Views of sample quality: plots, the report section, the comparison."""
