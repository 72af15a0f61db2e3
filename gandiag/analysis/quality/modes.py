"""Mode coverage of 2-D samples against the known modes of a toy mixture.

Shared by `gandiag toy-noise` and `gandiag quality` on the toys: a sample within
``COVERAGE_RADIUS`` of a mode counts for it (a high-quality sample); a mode is covered
when it holds at least ``COVERAGE_SHARE`` of the high-quality samples. Coverage is counted
among the samples on a mode, so it says which modes G reaches, not how many of its samples
are good (that is the high-quality share, reported beside it): 25 modes reached evenly by
45% of the samples read 25, not 10.
"""

import dataclasses

import numpy as np

from gandiag.analysis.evidence import Interval, percentile_interval

# The modes' standard deviations are 0.02 (ring) and 0.05 (grid), their spacing >= 1.5: a
# radius of 0.25 is 5 standard deviations of the grid's modes and a sixth of the spacing.
COVERAGE_RADIUS = 0.25
# A fair share is 1/8 (ring) or 1/25 (grid) of the samples on modes; 2% is half the grid's.
COVERAGE_SHARE = 0.02
# And at least this many samples: stray samples sprayed evenly over the toys' square (side
# ~10) put 2000 x pi 0.25^2 / 100 = 3.9 in each mode's disc on average (Poisson: 10 or more
# in 0.4% of modes), so a G with few samples on the modes does not cover them by chance.
COVERAGE_MIN_SAMPLES = 10


def _nearest(samples: np.ndarray, modes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    distances = np.linalg.norm(samples[:, None, :] - modes[None, :, :], axis=-1)
    return distances.argmin(axis=1), distances.min(axis=1)


def _covered(nearest: np.ndarray, close: np.ndarray, modes: int, share: float,
             least: int = COVERAGE_MIN_SAMPLES) -> int:
    """Modes holding at least ``share`` of the samples on a mode, and ``least`` samples."""
    counts = np.bincount(nearest[close], minlength=modes)
    return int(np.sum(counts >= max(share * close.sum(), least)))


def mode_statistics(samples: np.ndarray, modes: np.ndarray, radius: float = COVERAGE_RADIUS,
                    share: float = COVERAGE_SHARE,
                    least: int = COVERAGE_MIN_SAMPLES) -> tuple[int, float]:
    """(modes covered, mean distance of a sample to its nearest mode)."""
    nearest, distance = _nearest(samples, modes)
    return (_covered(nearest, distance <= radius, len(modes), share, least),
            float(distance.mean()))


@dataclasses.dataclass(frozen=True)
class ModeCoverage:
    """Modes covered and the share of high-quality samples, with bootstrap intervals."""

    covered: Interval
    high_quality: Interval


def mode_coverage(samples: np.ndarray, modes: np.ndarray, seed: int = 0, draws: int = 200,
                  radius: float = COVERAGE_RADIUS,
                  share: float = COVERAGE_SHARE) -> ModeCoverage:
    """Modes covered and the share of samples within ``radius`` of a mode, each with a
    percentile bootstrap interval over the samples."""
    nearest, distance = _nearest(np.asarray(samples, np.float64), np.asarray(modes, np.float64))
    close = distance <= radius
    rng = np.random.default_rng(seed)
    covered, quality = [], []
    for _ in range(draws):
        chosen = rng.integers(len(nearest), size=len(nearest))
        covered.append(_covered(nearest[chosen], close[chosen], len(modes), share))
        quality.append(close[chosen].mean())
    method = f"bootstrap over samples ({draws} draws)"
    return ModeCoverage(
        percentile_interval(np.array(covered), _covered(nearest, close, len(modes), share), method),
        percentile_interval(np.array(quality), float(close.mean()), method))
