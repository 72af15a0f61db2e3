"""Numbers from records: summaries, statistics, claims and comparisons. NumPy and SciPy only;
it never imports JAX, so everything here runs and is tested without a device."""
