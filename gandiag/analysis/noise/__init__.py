"""Section 3's numbers and claims: the noise row and the Wasserstein bound."""
