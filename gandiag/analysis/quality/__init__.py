"""Sample quality: metrics, mode coverage and the mode-dropping claim."""
