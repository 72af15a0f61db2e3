"""The report: claims table, sections, grid, and the tables shared with the console."""
