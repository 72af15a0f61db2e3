"""The claims table on hand-made summaries: PASS, FAIL and NOT RUN for each claim."""

import json
import math

import numpy as np
import pytest

from gandiag.analysis import claims
from gandiag.analysis.claims import FAIL, NOT_RUN, PASS
from gandiag.errors import GandiagError
from gandiag.store import schema
from gandiag.store.schema import FrozenSummary, NoiseSummary, SchemaError


def cost_block(start=1.0, end=1e-4, variance_growth=0.1, tail_index=1.9, kurtosis=0.2) -> dict:
    return {"grad_norm_start": start, "grad_norm_end": end,
            "decay_orders": math.log10(start / end), "variance_growth": variance_growth,
            "tail_index": tail_index, "kurtosis": kurtosis}


def checkpoint(iters=40, original=None, minus_log_d=None) -> dict:
    block = {"iters_to_acc_0.99": iters, "iters_to_acc_0.999": iters, "final_error": 0.01,
             "final_accuracy": 1.0}
    costs = {name: value for name, value in (("original", original),
                                            ("minus-log-d", minus_log_d)) if value}
    return {**block, "costs": costs} if costs else block


def probe_json(**by_epoch: dict) -> dict:
    """probe_json(e1=checkpoint(...), e25=...) -> {"checkpoints": {"1": ..., "25": ...}}."""
    return {"checkpoints": {name.removeprefix("e"): block for name, block in by_epoch.items()}}


def probe_summary(**by_epoch: dict) -> FrozenSummary:
    """The typed summary that summary.json's reader gives for ``probe_json(**by_epoch)``."""
    return schema.decode(FrozenSummary, probe_json(**by_epoch))


def noise_summary(rows: list[dict]) -> NoiseSummary:
    return schema.decode(NoiseSummary, {"rows": rows})


def noise_row(epoch, sigma, original_decay, w_empirical=10.0, w_bound=50.0) -> dict:
    return {"epoch": epoch, "sigma": sigma, "final_accuracy": 1.0 - sigma / 10,
            "final_error": 0.01, "jsd_lower_bound": 0.69, "w_upper_bound": w_bound,
            "w_empirical": w_empirical,
            "costs": {"original": {"grad_norm_start": 1.0, "grad_norm_end": 1.0,
                                   "decay_orders": original_decay}}}


def test_perfect_discrimination_passes_when_every_checkpoint_is_fast():
    claim = claims.perfect_discrimination(probe_summary(e1=checkpoint(23), e10=checkpoint(41),
                                                        e25=checkpoint(118)))
    assert claim.verdict == PASS
    assert "23 / 41 / 118 (epochs 1 / 10 / 25)" in claim.measured


@pytest.mark.parametrize("slow", [None, 501])
def test_perfect_discrimination_fails_when_one_checkpoint_is_slow_or_never_perfect(slow):
    claim = claims.perfect_discrimination(probe_summary(e1=checkpoint(23), e25=checkpoint(slow)))
    assert claim.verdict == FAIL


def test_vanishing_gradient_needs_three_orders_at_every_checkpoint():
    passing = probe_summary(e1=checkpoint(original=cost_block(end=1e-4)),
                            e25=checkpoint(original=cost_block(end=1e-3)))
    failing = probe_summary(e1=checkpoint(original=cost_block(end=1e-4)),
                            e25=checkpoint(original=cost_block(end=10**-2.5)))
    assert claims.vanishing_gradient(passing).verdict == PASS
    claim = claims.vanishing_gradient(failing)
    assert claim.verdict == FAIL and "4.00 / 2.50" in claim.measured


def test_minus_log_d_must_grow_and_get_noisier():
    growing = cost_block(start=1.0, end=20.0, variance_growth=0.2)
    steady = probe_summary(e1=checkpoint(minus_log_d=growing))
    claim = claims.minus_log_d_grows(steady, {1: 3.0})
    assert claim.verdict == PASS
    assert "jitter growth 3 (epochs 1)" in claim.measured and "0.2" in claim.measured
    shrinking = cost_block(start=1.0, end=0.5, variance_growth=6.0)
    summary = probe_summary(e1=checkpoint(minus_log_d=growing),
                            e2=checkpoint(minus_log_d=shrinking))
    assert claims.minus_log_d_grows(summary, {1: 3.0, 2: 3.0}).verdict == FAIL
    summary = probe_summary(e1=checkpoint(minus_log_d=growing), e2=checkpoint(minus_log_d=growing))
    assert claims.minus_log_d_grows(summary, {1: 3.0, 2: 0.9}).verdict == FAIL
    # The jitter must cover the same checkpoints as the summary, else there is nothing to judge.
    assert claims.minus_log_d_grows(summary, {1: 3.0}).verdict == NOT_RUN
    assert claims.minus_log_d_grows(summary, None).verdict == NOT_RUN


def write_curves(path, norms_by_epoch: dict[int, np.ndarray]) -> None:
    lines = [json.dumps({"epoch": epoch, "seed": 0, "sigma": 0.0, "iter": i + 1,
                         "grad_norm": {"minus-log-d": float(norm)}})
             for epoch, norms in norms_by_epoch.items() for i, norm in enumerate(norms)]
    path.write_text("\n".join(lines) + "\n")


def test_jitter_growths_read_the_probe_curves(tmp_path):
    rng = np.random.default_rng(0)
    trend = np.linspace(1.0, 100.0, 400)  # a steep rise; epoch 25's last quarter 10x noisier
    calm, noisier = trend + rng.normal(0, 1.0, 400), trend + rng.normal(0, 1.0, 400) * np.r_[
        np.ones(300), np.full(100, 10.0)]
    write_curves(tmp_path / "curves.jsonl", {1: calm, 25: noisier})
    jitter = claims.jitter_growths(tmp_path / "curves.jsonl")["minus-log-d"]
    assert list(jitter) == [1, 25]
    assert jitter[1] == pytest.approx(1.0, abs=0.3) and jitter[25] > 50
    assert claims.jitter_growths(tmp_path / "missing.jsonl") is None
    (tmp_path / "bad.jsonl").write_text('{"epoch": 1, "sigma": 0.0}\n')
    with pytest.raises(GandiagError, match=r"bad\.jsonl has a record without 'seed'"):
        claims.jitter_growths(tmp_path / "bad.jsonl")


def heavy(alphas, kurtoses) -> dict:
    return probe_summary(**{f"e{index}": checkpoint(
        minus_log_d=cost_block(tail_index=alpha, kurtosis=kurtosis), original=cost_block())
        for index, (alpha, kurtosis) in enumerate(zip(alphas, kurtoses), start=1)})


def test_heavy_tails_judges_the_medians_and_shows_the_original_cost_for_contrast():
    claim = claims.heavy_tails(heavy((1.1, 1.5, 1.95), (6.0, 3.0, 0.1)))
    assert claim.verdict == PASS
    assert "original (contrast): alpha 1.90" in claim.measured
    assert claims.heavy_tails(heavy((1.9, 1.95, 1.5), (6.0, 3.0, 2.0))).verdict == FAIL
    assert claims.heavy_tails(heavy((1.1, 1.2, 1.3), (0.5, 0.2, 3.0))).verdict == FAIL


def test_heavy_tails_ignores_a_failed_fit():
    assert claims.heavy_tails(heavy((math.nan, 1.2, 1.3), (0.5, 2.0, 3.0))).verdict == PASS
    assert claims.heavy_tails(heavy((math.nan,), (2.0,))).verdict == NOT_RUN


def test_noise_must_cut_the_decay_below_one_order_and_by_one_order():
    passing = noise_summary([noise_row(1, 0.0, 2.5), noise_row(1, 0.1, 1.8),
                             noise_row(1, 1.0, 0.2), noise_row(25, 0.0, 1.9),
                             noise_row(25, 1.0, 0.5)])
    claim = claims.noise_keeps_gradients(passing)
    assert claim.verdict == PASS
    assert "epoch 25: decay 1.90 at sigma 0 -> 0.50 at sigma 1" in claim.measured
    not_one_order_smaller = noise_summary([noise_row(1, 0.0, 1.5), noise_row(1, 1.0, 0.8)])
    still_vanishing = noise_summary([noise_row(1, 0.0, 4.0), noise_row(1, 1.0, 1.5)])
    assert claims.noise_keeps_gradients(not_one_order_smaller).verdict == FAIL
    assert claims.noise_keeps_gradients(still_vanishing).verdict == FAIL


@pytest.mark.parametrize("rows", [
    [noise_row(1, 0.1, 2.0), noise_row(1, 1.0, 0.1)],   # no sigma 0
    [noise_row(1, 0.0, 2.0)],                            # one sigma only
    [],
])
def test_noise_claim_needs_a_clean_and_a_noisy_row_per_checkpoint(rows):
    assert claims.noise_keeps_gradients(noise_summary(rows)).verdict == NOT_RUN


def test_wasserstein_bound_must_hold_in_every_row():
    rows = [noise_row(1, 0.0, 2.0, 10.0, 50.0), noise_row(1, 1.0, 0.1, 10.0, 40.0)]
    claim = claims.wasserstein_bound(noise_summary(rows))
    assert claim.verdict == PASS
    assert claim.measured == "holds in 2/2 rows; tightest ratio W/bound = 0.25"
    rows.append(noise_row(2, 0.0, 2.0, 12.0, 11.0))
    claim = claims.wasserstein_bound(noise_summary(rows))
    assert claim.verdict == FAIL and "holds in 2/3 rows" in claim.measured


def test_every_claim_is_not_run_without_its_summary():
    empty = {claims.perfect_discrimination: FrozenSummary({}),
             claims.vanishing_gradient: FrozenSummary({}),
             claims.minus_log_d_grows: FrozenSummary({}), claims.heavy_tails: FrozenSummary({}),
             claims.noise_keeps_gradients: NoiseSummary([]),
             claims.wasserstein_bound: NoiseSummary([])}
    for function, nothing in empty.items():
        for summary in (None, nothing):
            claim = function(summary)
            assert (claim.verdict, claim.measured) == (NOT_RUN, "-"), function.__name__


def test_a_cost_not_probed_gives_not_run():
    only_original = probe_summary(e1=checkpoint(original=cost_block()))
    assert claims.vanishing_gradient(only_original).verdict == PASS
    assert claims.minus_log_d_grows(only_original).verdict == NOT_RUN
    assert claims.heavy_tails(only_original).verdict == NOT_RUN
    row = noise_row(1, 0.0, 2.0)
    del row["costs"]["original"]
    assert claims.noise_keeps_gradients(noise_summary([row, noise_row(1, 1.0, 0.1)])).verdict \
        == NOT_RUN


def test_a_missing_or_renamed_key_is_a_schema_error_not_a_silent_not_run():
    older = cost_block(start=1.0, end=20.0, variance_growth=6.0)
    del older["tail_index"]
    with pytest.raises(SchemaError, match="lacks the key 'tail_index'"):
        probe_summary(e1=checkpoint(minus_log_d=older))
    renamed = probe_json(e1=checkpoint())
    renamed["checkpoints"]["1"]["iters_to_acc_99"] = renamed["checkpoints"]["1"].pop(
        "iters_to_acc_0.99")
    with pytest.raises(SchemaError, match="unknown key"):
        schema.decode(FrozenSummary, renamed)
    row = noise_row(1, 0.0, 2.0)
    del row["w_empirical"]
    with pytest.raises(SchemaError, match="lacks the key 'w_empirical'"):
        noise_summary([row])


def write_summary_json(path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"schema_version": schema.SCHEMA_VERSION, **value}))


def test_evaluate_claims_prefers_freeze_g_train_d_and_names_a_corrupt_summary(tmp_path):
    for folder, iters in (("freeze_g_train_d", 900), ("probe", 20)):
        write_summary_json(tmp_path / folder / "summary.json",
                           probe_json(e1=checkpoint(iters, original=cost_block())))
    table = claims.evaluate_claims(tmp_path)
    assert [claim.verdict for claim in table] == [FAIL, PASS, NOT_RUN, NOT_RUN, NOT_RUN, NOT_RUN]
    assert "Figure 1" in table[0].name and "Theorem 3.5" in table[5].name
    (tmp_path / "freeze_g_train_d" / "summary.json").unlink()
    assert claims.evaluate_claims(tmp_path)[0].verdict == PASS
    (tmp_path / "add_noise").mkdir()
    (tmp_path / "add_noise" / "summary.json").write_text("{ truncated")
    with pytest.raises(GandiagError, match=r"add_noise/summary\.json"):
        claims.evaluate_claims(tmp_path)
    (tmp_path / "add_noise" / "summary.json").write_text('{"rows": []}')
    with pytest.raises(SchemaError, match="schema version None"):
        claims.evaluate_claims(tmp_path)
