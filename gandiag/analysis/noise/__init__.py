"""Section 3's verdict helpers: intervals over units at a corrected level."""
