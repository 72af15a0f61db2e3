"""`gandiag judge`'s views: the claims of a set of logs as a table or as JSON."""
