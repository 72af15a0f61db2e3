"""Views of the records: figures, console tables, and the report (Markdown and HTML)."""
