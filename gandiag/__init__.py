"""gandiag: a command-line laboratory for the training dynamics of GANs."""

__version__ = "0.1.0"
