"""The probe's claims: Figures 1-3 and Theorem 2.6 judged on frozen-G records."""
