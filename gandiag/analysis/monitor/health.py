"""The training monitor's warnings, from its records: each fires once, in one line, with numbers.

Two conditions, thresholds in ``analysis/spec.py``: D saturates while G's gradient under its
training cost collapses (the paper's vanishing gradient, happening in the run), and D
overfits its training reals (what StyleGAN2-ADA's r_t heuristic watches). A healthy run
gets neither.
"""

import dataclasses
import math

from gandiag.analysis import spec

PREFIX = "monitor/"


def is_check(record: dict) -> bool:
    """Whether a metrics record holds a monitor check."""
    return PREFIX + "epsilon" in record


def checks(records: list[dict]) -> list[dict]:
    """The monitor's checks among metrics records, keys without their prefix, with the step."""
    return [{"step": record["step"], **{name.removeprefix(PREFIX): value
                                        for name, value in record.items()
                                        if name.startswith(PREFIX)}}
            for record in records if is_check(record)]


@dataclasses.dataclass
class HealthWatch:
    """Reads the monitor's checks as they come and says what is wrong, once per condition.

    Attributes:
        cost: the generator cost G trains with (its gradient is the one that must live).
        other: the other generator cost the monitor measures.
    """

    cost: str
    other: str
    peak: tuple[int, float] | None = None
    overfit_streak: int = 0
    fired: set[str] = dataclasses.field(default_factory=set)

    def read(self, check: dict) -> list[str]:
        """The warnings ``check`` (one monitor record, unprefixed) raises for the first time."""
        warnings = [self._saturation(check), self._overfitting(check)]
        return [warning for warning in warnings if warning]

    def _saturation(self, check: dict) -> str | None:
        gradient = check[f"grad_norm/{self.cost}"]
        if self.peak is None or gradient > self.peak[1]:
            self.peak = (check["step"], gradient)
        fallen = orders_fallen(self.peak[1], gradient)
        if ("saturation" in self.fired or check["held_out_accuracy"] < spec.MONITOR_PERFECT_ACCURACY
                or fallen < spec.MONITOR_COLLAPSE_ORDERS):
            return None
        self.fired.add("saturation")
        other = check[f"grad_norm/{self.other}"]
        return (f"step {check['step']}: D is perfect on held-out data (accuracy "
                f"{check['held_out_accuracy']:.3f}, D(G(z)) {check['d_fake']:.2g}, epsilon "
                f"{check['epsilon']:.2g}) and |grad G| under {self.cost} fell {fallen:.1f} "
                f"orders since step {self.peak[0]} ({self.peak[1]:.2g} -> {gradient:.2g}; "
                f"under {self.other} {other:.2g}): consider --instance-noise ~ "
                f"{spec.SIGMA_OVER_DELTA_MIN:g} delta = "
                f"{spec.SIGMA_OVER_DELTA_MIN * check['delta']:.2g} or --cost minus-log-d")

    def _overfitting(self, check: dict) -> str | None:
        gap = check["training_real_accuracy"] - check["held_out_real_accuracy"]
        self.overfit_streak = self.overfit_streak + 1 if gap >= spec.MONITOR_OVERFIT_GAP else 0
        if "overfitting" in self.fired or self.overfit_streak < spec.MONITOR_OVERFIT_CHECKS:
            return None
        self.fired.add("overfitting")
        return (f"step {check['step']}: D overfits its training reals: it calls "
                f"{check['training_real_accuracy']:.2f} of them real but "
                f"{check['held_out_real_accuracy']:.2f} of held-out reals (r_t "
                f"{check['r_t']:.2f}; StyleGAN2-ADA aims at 0.6): consider more data, "
                "augmentation or --r1")


def orders_fallen(peak: float, value: float) -> float:
    """log10(peak / value): how many orders of magnitude ``value`` lies below ``peak``."""
    if value <= 0:
        return math.inf if peak > 0 else 0.0
    return math.log10(peak / value) if peak > 0 else 0.0


def warnings_of(found: list[dict], cost: str, other: str) -> list[str]:
    """Every warning a run's checks (``checks``) raise, in order, as training printed them."""
    watch = HealthWatch(cost, other)
    return [warning for check in found for warning in watch.read(check)]
