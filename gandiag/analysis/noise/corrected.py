"""A mean over units (G runs, then D seeds) with a Student t interval at any level, for rows
that test several noise levels and correct for it (Bonferroni).

Units: the G runs when there are several (each run's value the mean over its D seeds),
else the D seeds of the one run, else the one curve's stored interval (a 90% interval
from within the curve, widened to the level asked for as a normal interval would be).
A t interval keeps its coverage with two or three units, where a bootstrap of the mean
does not (three values give a percentile bootstrap ten distinct means).

An infinite value (a gradient that reached exactly zero) is propagated, never dropped:
the mean is infinite and the interval spans the units' range.
"""

import math
from collections.abc import Sequence

import numpy as np
import scipy.stats

from gandiag.analysis.evidence import LEVEL, Interval


def _widened(single: Interval, level: float) -> Interval:
    """A stored 90% interval widened to ``level``, as a normal interval's half-widths scale."""
    scale = scipy.stats.norm.ppf(0.5 + level / 2) / scipy.stats.norm.ppf(0.5 + LEVEL / 2)
    return Interval(single.estimate, single.estimate - scale * (single.estimate - single.low),
                    single.estimate + scale * (single.high - single.estimate), level,
                    f"{single.method}, widened to {level:.3g} as a normal interval")


def units_interval(per_run: Sequence[Sequence[float]], single: Interval | None = None,
                   level: float = LEVEL) -> Interval | None:
    """The mean over runs of the mean over their seeds, with a t interval at ``level``.

    Args:
        per_run: one list per G run, one value per D seed.
        single: the one curve's stored interval, used when there is one value only.
        level: the interval's two-sided level.
    """
    runs = [np.asarray(values, np.float64) for values in per_run if len(values)]
    if not runs:
        return None
    units = np.array([run.mean() for run in runs]) if len(runs) > 1 else runs[0]
    kind = f"{len(runs)} G runs" if len(runs) > 1 else f"{len(units)} D seeds of one G run"
    if len(units) == 1:
        return None if single is None else _widened(single, level)
    mean = float(units.mean())
    if not np.all(np.isfinite(units)):
        return Interval(mean, float(units.min()), float(units.max()), level,
                        f"range over {kind} (a value is infinite)")
    half = scipy.stats.t.ppf(0.5 + level / 2, len(units) - 1) * units.std(ddof=1) / math.sqrt(
        len(units))
    return Interval(mean, mean - half, mean + half, level, f"t interval over {kind}")
