"""`gandiag sweep`: one run dir per setting, trained, probed and compared."""
