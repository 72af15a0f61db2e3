"""`gandiag judge`'s answer: the claims table on the console, or one JSON object per claim."""

import json
import math

from gandiag.analysis.evidence import ClaimResult, Effect, Verdict
from gandiag.analysis.judge.judge_claims import Judged
from gandiag.analysis.spec import SPEC_VERSION
from gandiag.views import claims_table, console


def json_number(value: float) -> float | str | None:
    """A JSON number; "inf"/"-inf" for an infinity (a norm that fell to 0), None for NaN."""
    if math.isnan(value):
        return None
    return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")


def deciding(result: ClaimResult) -> Effect | None:
    """The part that gave the row its verdict (the first part with it), else the first."""
    measured = [effect for effect in result.effects if effect.interval is not None]
    return next((e for e in measured if e.verdict is result.verdict),
                measured[0] if measured else None)


def reason(result: ClaimResult) -> str:
    """Why the row reads as it does, in one sentence."""
    effect = deciding(result)
    if result.verdict is Verdict.NOT_RUN or effect is None:
        return result.note or "not measured"
    because = f"{effect.label}: {effect.interval} judged by {result.spec.criterion}"
    if result.verdict is Verdict.PREMISE_NOT_MET:
        return f"{because}; the premise is not met ({claims_table.premise_text(result)})"
    return because


def as_json(judged: Judged) -> list[dict]:
    """One object per claim: claim, verdict, estimate, interval, units, premise, reason."""
    objects = []
    for result in judged.results:
        effect = deciding(result)
        interval = effect.interval if effect is not None else None
        objects.append({
            "claim": result.spec.key, "verdict": str(result.verdict),
            "estimate": None if interval is None else json_number(interval.estimate),
            "interval": None if interval is None else [json_number(interval.low),
                                                        json_number(interval.high)],
            "units": judged.units, "premise": claims_table.premise_text(result),
            "reason": reason(result), "measured": result.measured,
            "parts": [{"label": e.label, "verdict": str(e.verdict),
                       "estimate": json_number(e.interval.estimate),
                       "interval": [json_number(e.interval.low), json_number(e.interval.high)]}
                      for e in result.effects if e.interval is not None]})
    return objects


def to_json(judged: Judged) -> str:
    """``as_json`` as indented JSON text."""
    return json.dumps(as_json(judged), indent=2)


def show(judged: Judged, title: str) -> None:
    """The claims table (claim, effect, verdict) and the units it rests on."""
    claims_table.show(judged.results, f"{title}: {judged.units}")
    console.say(f"Claims spec version {SPEC_VERSION}: each row's threshold and its reason are "
                "in gandiag/analysis/spec.py; `gandiag judge --json` gives every interval.")
