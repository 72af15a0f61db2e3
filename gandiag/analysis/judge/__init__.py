"""`gandiag judge`: the paper's claims over per-iteration probe logs from any framework."""
