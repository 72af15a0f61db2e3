"""`gandiag validate`'s numbers: every world calibrated, each claim's worst error rates, and
the rates file the reports read.

A claim keeps its verdicts when every one of its worlds meets the targets (see ``world``);
otherwise it is demoted to information, with the worlds that failed as the reason. Each
claim also lists the verdicts its worlds reached: a row whose verdict no world reaches is
named, since a verdict never reached is one no one has seen the judge give.

The rates file (``RATES_PATH``, committed) holds each claim's worst false SUPPORTED and
false CONTRADICTED rates, keyed by the spec's content hash: a report prints them beside
the verdict only while the hash matches the spec it judged under.
"""

import dataclasses
import math
import pathlib
from collections.abc import Sequence

from gandiag.analysis import spec
from gandiag.analysis.evidence import Verdict
from gandiag.analysis.validate import topics
from gandiag.analysis.validate.world import Calibration, calibrate
from gandiag.store import records

RATES_PATH = pathlib.Path(__file__).with_name("rates.json")
# 200 draws a world take about 2 CPU-minutes, under 5 minutes on 2 shared cores; the
# Monte-Carlo standard error of a 5% rate is then 1.5 points, of a 90% coverage 2.1.
REPEATS = 200
JUDGED = (Verdict.SUPPORTED, Verdict.CONTRADICTED, Verdict.INCONCLUSIVE,
          Verdict.PREMISE_NOT_MET)


@dataclasses.dataclass(frozen=True)
class ClaimCalibration:
    """One claim over its worlds: worst error rates, coverage range, verdicts reached."""

    claim: str
    calibrations: tuple[Calibration, ...]

    @property
    def false_supported(self) -> float:
        return max(c.false_supported for c in self.calibrations)

    @property
    def false_contradicted(self) -> float:
        return max(c.false_contradicted for c in self.calibrations)

    @property
    def coverage(self) -> tuple[float, float] | None:
        values = [c.coverage for c in self.calibrations if c.coverage is not None]
        return (min(values), max(values)) if values else None

    @property
    def reached(self) -> tuple[Verdict, ...]:
        return tuple(v for v in JUDGED if any(c.rates[v] > 0 for c in self.calibrations))

    @property
    def failing(self) -> tuple[Calibration, ...]:
        return tuple(c for c in self.calibrations if not c.meets_targets)

    @property
    def status(self) -> str:
        """"verdict" when every world meets the targets, else "information"."""
        return "information" if self.failing else "verdict"

    @property
    def reason(self) -> str:
        """Why the claim is demoted, world by world ("" when it is not)."""
        return "; ".join(f"{c.world.name}: {_misses(c)}" for c in self.failing)


def _misses(calibration: Calibration) -> str:
    parts = []
    if calibration.false_supported > 0.05:
        parts.append(f"false SUPPORTED {calibration.false_supported:.0%}")
    if calibration.false_contradicted > 0.05:
        parts.append(f"false CONTRADICTED {calibration.false_contradicted:.0%}")
    if calibration.coverage is not None and not 0.85 <= calibration.coverage <= 0.95:
        parts.append(f"coverage {calibration.coverage:.0%}")
    return ", ".join(parts)


def run(repeats: int = REPEATS, seed: int = 0,
        claims: Sequence[str] | None = None) -> list[ClaimCalibration]:
    """Calibrate every world (of ``claims`` only, if given), grouped by claim."""
    worlds = [w for w in topics.worlds() if claims is None or w.claim in claims]
    by_claim: dict[str, list[Calibration]] = {}
    for world in worlds:
        by_claim.setdefault(world.claim, []).append(calibrate(world, repeats, seed))
    return [ClaimCalibration(claim, tuple(found)) for claim, found in by_claim.items()]


def monte_carlo_error(rate: float, repeats: int) -> float:
    """The binomial standard error of a rate measured over ``repeats`` draws."""
    return math.sqrt(max(rate * (1 - rate), 1 / repeats) / repeats)


def rates_record(results: Sequence[ClaimCalibration], repeats: int) -> dict:
    """The rates file's content: worst error rates per claim under this spec's hash."""
    return {"spec_hash": spec.SPEC_HASH, "spec_version": spec.SPEC_NUMBER, "repeats": repeats,
            "claims": {r.claim: {"false_supported": r.false_supported,
                                 "false_contradicted": r.false_contradicted,
                                 "status": r.status, "reason": r.reason,
                                 "worlds": len(r.calibrations)} for r in results}}


def write_rates(results: Sequence[ClaimCalibration], repeats: int,
                path: pathlib.Path = RATES_PATH) -> None:
    records.write_json(path, rates_record(results, repeats))


def read_rates(path: pathlib.Path = RATES_PATH) -> dict[str, dict]:
    """{claim: its rates} measured under the current spec; {} if stale or absent."""
    record = records.read_json(path)
    if record is None or record.get("spec_hash") != spec.SPEC_HASH:
        return {}
    return record["claims"]


def rates_text(claim: str, rates: dict[str, dict]) -> str:
    """'false S <= 2%, false C <= 0%' for a report's row, or what is missing."""
    found = rates.get(claim)
    if found is None:
        return "error rates not validated under this spec"
    text = (f"validated: false SUPPORTED {found['false_supported']:.0%}, false CONTRADICTED "
            f"{found['false_contradicted']:.0%}")
    return text if found["status"] == "verdict" else f"{text}; INFORMATION ONLY: {found['reason']}"
