"""Every simulated world of every claim, collected from the topic modules' ``WORLDS``.

A topic adds its worlds by exporting ``WORLDS: list[World]`` from a module named in
``TOPICS``; a module not present in this tree is skipped, so topics land independently.
"""

import importlib

from gandiag.analysis.validate.world import World

# The modules whose WORLDS are collected, in the claims table's order.
TOPICS = ("probe_worlds", "theory_worlds", "noise_worlds", "quality_worlds", "ablate_worlds")


def worlds() -> list[World]:
    """The worlds of every topic present, in ``TOPICS`` order."""
    collected = []
    for topic in TOPICS:
        try:
            module = importlib.import_module(f"gandiag.analysis.validate.{topic}")
        except ModuleNotFoundError as error:
            if error.name != f"gandiag.analysis.validate.{topic}":
                raise  # a topic that exists but fails to import is a bug, not absence
            continue
        collected += module.WORLDS
    return collected


def claims() -> list[str]:
    """The claims that have worlds, in order."""
    return list(dict.fromkeys(world.claim for world in worlds()))
