"""The software a result was computed with: gandiag, the numerics stack and Python.

Recorded in every run's config.json and printed beside the report's verdicts, since another
jax, jaxlib or XLA gives other numerics for the same code and seed. Read from the installed
packages' metadata, so nothing here imports JAX.
"""

import importlib.metadata
import platform

PACKAGES = ("gandiag", "jax", "jaxlib", "flax", "optax", "orbax-checkpoint", "numpy")


def software_versions() -> dict[str, str]:
    """{package: version} of the packages above (``"absent"`` when one is not installed),
    and Python's."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "absent"
    return {**versions, "python": platform.python_version()}


def describe(versions: dict[str, str]) -> str:
    """'gandiag 0.1.0, jax 0.10.2, ..., python 3.11.9' on one line."""
    return ", ".join(f"{package} {version}" for package, version in versions.items())
