"""Sample quality's measures that judge the mode-dropping premise."""
