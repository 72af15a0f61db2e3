"""Instance noise (Section 3 of Arjovsky & Bottou 2017): its schedules in training."""

import math

# The exponential schedule falls by this many e-folds over the run, then is shifted
# so that it reaches exactly 0 at the last step, as the linear one does.
_EXPONENTIAL_RATE = 5.0


def noise_level(sigma: float, schedule: str, step: int, total_steps: int) -> float:
    """The instance-noise standard deviation at ``step`` (0-based) of ``total_steps``."""
    if schedule == "constant" or sigma == 0:
        return sigma
    progress = step / max(total_steps - 1, 1)
    if schedule == "linear":
        return sigma * (1.0 - progress)
    floor = math.exp(-_EXPONENTIAL_RATE)
    return sigma * (math.exp(-_EXPONENTIAL_RATE * progress) - floor) / (1.0 - floor)
