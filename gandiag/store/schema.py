"""The typed records behind every summary.json, and their one JSON codec.

Writers build these records and ``write_summary`` stamps them with ``schema_version``;
readers go through ``read_summary``, which checks the version and every key. A key
renamed on one side is therefore a ``SchemaError`` naming the key, never a claim that
silently reads as NOT RUN.

A field's JSON key is its name unless its metadata gives another (``json_key``), for
keys that are not Python names such as ``iters_to_acc_0.99``.
"""

import dataclasses
import pathlib
import types
import typing
from typing import Any

from gandiag.errors import GandiagError
from gandiag.store import records

SCHEMA_VERSION = 2
VERSION_KEY = "schema_version"


class SchemaError(GandiagError):
    """A summary whose keys or version are not those this gandiag reads."""


def json_key(key: str) -> dict:
    """Field metadata giving the field's key in JSON."""
    return {"json_key": key}


def _key(field: dataclasses.Field) -> str:
    return field.metadata.get("json_key", field.name)


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A number with its 90% interval (from a bootstrap within one curve)."""

    value: float
    low: float
    high: float


@dataclasses.dataclass(frozen=True)
class CostSummary:
    """One generator cost's numbers on one D seed's curve.

    Start is the median norm over the first iterations, end over the last ones (the
    windows are in ``gandiag.analysis.spec``); ``decay_orders`` = log10(start / end).
    ``jitter_null`` is the 90% band of ``jitter_growth`` for stationary noise of the same
    length and autocorrelation. ``growth_after_accurate`` and ``variance_growth`` (Figure
    3) run from the window where D is accurate to the end (None if D never is);
    ``hill_index`` is the Hill tail index of the late projections (Theorem 2.6).
    """

    grad_norm_start: float
    grad_norm_end: float
    decay_orders: Estimate
    jitter_growth: Estimate
    jitter_null_low: float
    jitter_null_high: float
    tail_index: Estimate
    kurtosis: float
    growth_after_accurate: Estimate | None = None
    variance_growth: Estimate | None = None
    hill_index: Estimate | None = None


@dataclasses.dataclass(frozen=True)
class HeldOutSummary:
    """D on held-out reals and fresh fakes (BatchNorm on running statistics).

    ``iters_to_acc_099``: D updates until the held-out accuracy first reached 0.99.
    ``correct_at`` of ``count_at`` at ``updates_at`` D updates: the Figure-1 number;
    ``*_secondary``: the same after the spec's secondary number of updates.
    """

    iters_to_acc_099: int | None = dataclasses.field(metadata=json_key("iters_to_acc_0.99"))
    updates_at: int
    correct_at: int
    count_at: int
    final_accuracy: float
    final_error: float
    final_mixed_accuracy: float
    updates_secondary: int | None = None
    correct_secondary: int | None = None
    count_secondary: int | None = None


@dataclasses.dataclass(frozen=True)
class PremiseSummary:
    """Theorem 2.4's premise along one curve (noise-free probes only).

    ``epsilon_end`` etc. are the last measurement; ``bound_checks`` counts the
    measurements with epsilon < 1, ``bound_holds`` those where |grad| <= M eps / (1 - eps);
    ``bound_ratio_max`` is the largest |grad| / bound among them.
    """

    epsilon_end: float
    d_fake_max_end: float
    grad_x_d_max_end: float
    jacobian_norm_end: float
    bound_checks: int
    bound_holds: int
    bound_ratio_max: float | None


@dataclasses.dataclass(frozen=True)
class SeedSummary:
    """A fresh D (one seed) trained against one frozen G.

    ``iters_to_acc_099_train`` and ``final_train_error`` are in-sample (D's own training
    batches, BatchNorm as in training); ``d_fake_start``/``d_fake_end`` are the mean
    D(G(z)) over the start and end windows, for the decomposition of the decay.
    """

    seed: int
    iters_to_acc_099_train: int | None = dataclasses.field(
        metadata=json_key("iters_to_acc_0.99_train"))
    final_train_error: float
    d_fake_start: float
    d_fake_end: float
    held_out: HeldOutSummary | None
    costs: dict[str, CostSummary] | None = None
    premises: PremiseSummary | None = None


@dataclasses.dataclass(frozen=True)
class CheckpointSummary:
    """Every D seed trained against one frozen G."""

    seeds: list[SeedSummary]


@dataclasses.dataclass(frozen=True)
class FrozenSummary:
    """summary.json of freeze_g_train_d/ and probe/: one block per checkpoint epoch."""

    iters: int
    held_out: int
    eval_size: int
    checkpoints: dict[int, CheckpointSummary]


@dataclasses.dataclass(frozen=True)
class NoiseSeed:
    """One D seed at one noise level: held-out numbers at the end, and the decays."""

    seed: int
    final_accuracy: float
    final_error: float
    jsd_lower_bound: float
    decay_orders: dict[str, Estimate]


@dataclasses.dataclass(frozen=True)
class NoiseRow:
    """One (checkpoint, sigma) of add-noise.

    ``w_empirical`` is exact OT between n held-out reals and n fakes; ``w_bias`` the
    same between two disjoint real samples of n (its finite-sample floor); ``delta``
    the median distance from a fake to its nearest held-out real (noise-free).
    """

    epoch: int
    sigma: float
    seeds: list[NoiseSeed]
    w_empirical: float
    w_bias: float
    delta: float


@dataclasses.dataclass(frozen=True)
class NoiseSummary:
    """summary.json of add_noise/: the noise distribution and one row per (epoch, sigma)."""

    noise_dist: str
    dimensions: int
    transport_samples: int
    rows: list[NoiseRow]


@dataclasses.dataclass(frozen=True)
class ToyPoint:
    epoch: int
    modes_covered: int
    mean_distance: float


@dataclasses.dataclass(frozen=True)
class ToySummary:
    """summary.json of toy-noise: per noise level, G's modes covered and distance by epoch."""

    dataset: str
    modes: int
    config: dict[str, Any]
    curves: dict[str, list[ToyPoint]]


@dataclasses.dataclass(frozen=True)
class VanishingRun:
    """Theorems 2.1-2.4: one fresh D against a frozen G, logged every few updates.

    ``epsilon`` = sup |D| + sup |grad_x D| over the latent grid's fakes; ``m_hat`` = the root
    mean square Frobenius norm of G's Jacobian over the same grid; ``support_gap`` the
    smallest distance from a fake on the grid to the real circle (0 for the controls).
    ``accuracy`` is on ``eval_count`` fresh reals and fakes, never trained on;
    ``bayes_accuracy`` the best any D can reach (1 unless the supports overlap).
    """

    label: str
    dimensions: int
    optimizer: str
    generator: str
    m_hat: float
    support_gap: float
    eval_count: int
    bayes_accuracy: float
    iterations: list[int]
    epsilon: list[float]
    grad_original: list[float]
    grad_minus_log_d: list[float]
    accuracy: list[float]


@dataclasses.dataclass(frozen=True)
class IdentityRow:
    """Theorem 2.5 at P_g = N(mean, scale^2): both sides' gradients in (mean, scale)."""

    mean: float
    scale: float
    lhs: list[float]
    rhs: list[float]
    relative_error: float


@dataclasses.dataclass(frozen=True)
class TwoModeCurves:
    """Divergences of N(m, scale^2) from two modes at +-separation, over the means m."""

    separation: float
    scale: float
    mean: list[float]
    minus_log_d: list[float]
    jsd: list[float]
    kl_g_r: list[float]
    kl_r_g: list[float]


@dataclasses.dataclass(frozen=True)
class TailRow:
    """Theorem 2.6 at one fixed discriminator: the tail index of the per-sample updates,
    the premise's near-zero share of D, and the share beyond the clipping cut."""

    case: str
    alpha: Estimate
    near_zero_share: float
    beyond_cut_share: float
    beyond_cut_count: int
    values: int
    hill: Estimate | None = None


@dataclasses.dataclass(frozen=True)
class BoundRow:
    """Theorem 3.4 at one (delta, sigma): exact W, noisy JSD (quadrature), bound, C.

    ``jsd_estimated``: log 2 - L / 2 from a trained D's held-out cross-entropy L, where
    measured; ``mass_error``: the quadrature's error on the noisy densities' total mass.
    """

    delta: float
    sigma: float
    wasserstein: float
    jsd: float
    bound: float
    diameter: float
    mass_error: float
    jsd_estimated: float | None = None
    bound_estimated: float | None = None


@dataclasses.dataclass(frozen=True)
class NoiseMatchRow:
    """Theorems 3.1-3.3 at one sigma: a D trained on noisy segments against D*_sigma.

    ``logit_error``: mean |logit - logit*| on noisy samples; ``cosine``: the smallest
    cosine over the fakes between G's per-sample input gradients under D and under
    D*_sigma; ``gradient_exact``: the mean norm of the latter. Theorem 3.2:
    ``decomposition_error``, the largest relative error of its right side against the
    closed-form gradient on the fakes; ``push_over_pull``, the mean b(z) / a(z) there.
    """

    sigma: float
    delta: float
    logit_error: float
    cosine: float
    gradient_exact: float
    gradient_learned: float
    accuracy: float
    decomposition_error: float
    push_over_pull: float


@dataclasses.dataclass(frozen=True)
class DiracRow:
    """The Dirac GAN's field at its equilibrium: the Jacobian's eigenvalues, one cost and
    noise level (negative real parts: locally convergent; zero: a rotation)."""

    cost: str
    sigma: float
    real: list[float]
    imaginary: list[float]


@dataclasses.dataclass(frozen=True)
class TheorySummary:
    """summary.json of theory/: each check's numbers (absent when not run, see --only)."""

    config: dict[str, Any]
    seconds: dict[str, float]
    vanishing: list[VanishingRun] | None = None
    identity: list[IdentityRow] | None = None
    two_modes: TwoModeCurves | None = None
    tails: list[TailRow] | None = None
    bounds: list[BoundRow] | None = None
    noise: list[NoiseMatchRow] | None = None
    dirac: list[DiracRow] | None = None


def encode(value) -> Any:
    """A JSON-ready value of a record (dataclasses become dicts under their JSON keys).

    An optional field left at its default of None is left out, as an absent block.
    """
    if dataclasses.is_dataclass(value):
        return {_key(field): encode(getattr(value, field.name))
                for field in dataclasses.fields(value)
                if not (field.default is None and getattr(value, field.name) is None)}
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    return value


def decode(kind, value, where: str = "summary"):
    """``value`` (parsed JSON) as the type ``kind``; a ``SchemaError`` naming the bad key."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in arguments:
            return None
        return decode(next(a for a in arguments if a is not type(None)), value, where)
    if dataclasses.is_dataclass(kind):
        return _decode_record(kind, value, where)
    if origin is dict:
        key_type, item_type = arguments
        _expect(isinstance(value, dict), where, "an object", value)
        return {_decode_key(key_type, key, where): decode(item_type, item, f"{where}.{key}")
                for key, item in value.items()}
    if origin in (list, tuple):
        _expect(isinstance(value, list), where, "a list", value)
        return origin(decode(arguments[0], item, f"{where}[{index}]")
                      for index, item in enumerate(value))
    if kind is Any:
        return value
    if kind is float:
        _expect(isinstance(value, (int, float)) and not isinstance(value, bool), where,
                "a number", value)
        return float(value)
    _expect(isinstance(value, kind) and not (kind is int and isinstance(value, bool)), where,
            f"a {kind.__name__}", value)
    return value


def _decode_record(kind, value, where: str):
    _expect(isinstance(value, dict), where, "an object", value)
    hints = typing.get_type_hints(kind)
    fields = {_key(field): field for field in dataclasses.fields(kind)}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise SchemaError(f"{where} has unknown key(s) {', '.join(unknown)}; expected "
                          f"{', '.join(fields)}")
    kwargs = {}
    for key, field in fields.items():
        if key in value:
            kwargs[field.name] = decode(hints[field.name], value[key], f"{where}.{key}")
        elif field.default is dataclasses.MISSING:
            raise SchemaError(f"{where} lacks the key {key!r}")
    return kind(**kwargs)


def _decode_key(kind, key: str, where: str):
    if kind is int:
        try:
            return int(key)
        except ValueError:
            raise SchemaError(f"{where} has key {key!r} where an integer was expected") from None
    return key


def _expect(ok: bool, where: str, what: str, value) -> None:
    if not ok:
        raise SchemaError(f"{where} should be {what}, got {value!r}")


def write_summary(path: pathlib.Path, summary) -> dict:
    """Write a summary record as JSON with its schema version first; returns the JSON."""
    value = {VERSION_KEY: SCHEMA_VERSION, **encode(summary)}
    records.write_json(path, value)
    return value


def read_summary(path: pathlib.Path, kind):
    """The summary record of type ``kind`` at ``path``; None if the file does not exist."""
    value = records.read_json(path)
    if value is None:
        return None
    if not isinstance(value, dict) or value.get(VERSION_KEY) != SCHEMA_VERSION:
        found = value.get(VERSION_KEY) if isinstance(value, dict) else None
        raise SchemaError(f"{path} has schema version {found}, this gandiag reads "
                          f"{SCHEMA_VERSION}; rerun the experiment that wrote it")
    body = {key: item for key, item in value.items() if key != VERSION_KEY}
    return decode(kind, body, str(path))
