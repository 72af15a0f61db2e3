"""`gandiag paper`: the paper end to end from a named preset."""
