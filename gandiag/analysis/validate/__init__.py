"""Simulation-based calibration of the judge: each verdict in worlds whose truth is known."""
