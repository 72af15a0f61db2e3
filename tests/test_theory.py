"""`gandiag theory`: each exact agreement at a tolerance stated here, and checks that can fail.

Tolerances: Theorem 2.5's identity within a relative 1e-4 (the spec's); the tail index of
the white-noise premise within 0.1 of 1 and its interval holding 1, the sigmoid control's
within 0.1 of 2 (the calibration of tests/test_statistics.py); Theorem 3.4's bound at least
W in every cell of the grid; Theorem 2.4's |grad| <= M eps / (1 - eps) at every logged
iteration where eps < 1. Sizes are small, so the file runs in well under a minute.
"""

import dataclasses
import math
import pathlib
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from gandiag import config
from gandiag.analysis import spec
from gandiag.analysis.evidence import Verdict
from gandiag.analysis.theory import dirac, divergences, heavy_tails, segments, theory_claims
from gandiag.cli import app
from gandiag.config import TheoryConfig
from gandiag.experiments.theory import theory, theory_noise, theory_vanishing
from gandiag.store import layout
from gandiag.store.schema import Estimate, TailRow, TheorySummary, read_summary, write_summary
from gandiag.views.render import Table
from gandiag.views.theory import theory_section

IDENTITY_TOLERANCE = 1e-4
ALPHA_TOLERANCE = 0.1
SMALL = TheoryConfig(dimensions=(2, 8), d_updates=200, log_every=20, batch_size=128,
                     eval_size=256, latent_grid=256, noise_updates=400, noise_sigmas=(0.1,))


def summary_with(**fields) -> TheorySummary:
    return TheorySummary(config={}, seconds={}, **fields)


def row(results, claim) -> object:
    return next(result for result in results if result.spec is claim)


@pytest.mark.parametrize(("mean", "scale"), [(-2.0, 0.5), (-1.0, 1.0), (0.0, 2.0), (0.5, 1.0),
                                             (2.0, 2.0)])
def test_theorem_25_identity_holds_by_quadrature(mean, scale):
    point = divergences.identity_point(mean, scale)
    assert point.relative_error <= IDENTITY_TOLERANCE
    assert np.linalg.norm(point.rhs) > 0.1  # a test of a non-trivial gradient


def test_theorem_25_fails_for_a_wrong_discriminator():
    wrong = divergences.identity_point(1.0, 1.0, fake_weight=2.0)  # D = p_r / (p_r + 2 p_g)
    assert wrong.relative_error > 100 * IDENTITY_TOLERANCE
    results = theory_claims.evaluate(summary_with(identity=[wrong]))
    assert row(results, spec.THEORY_MINUS_LOG_D).verdict is Verdict.CONTRADICTED


def test_minus_log_d_objective_seeks_a_mode_where_likelihood_covers_both():
    curves = divergences.two_mode_objectives(np.linspace(-4, 4, 81), 2.0, 0.5)
    seeking = curves.mean[int(np.argmin(curves.minus_log_d))]
    covering = curves.mean[int(np.argmin(curves.kl_r_g))]
    assert abs(abs(seeking) - 2.0) < 0.1
    assert abs(covering) < 0.1


def tail(case: str):
    setting = heavy_tails.TailSetting(samples=20_000)
    return heavy_tails.run_case(case, setting, seed=3)[0]


@pytest.mark.slow
def test_theorem_26_premise_gives_a_cauchy_and_the_sigmoid_a_gaussian():
    white, sigmoid = tail("white"), tail("sigmoid")
    assert abs(white.alpha.value - 1.0) < ALPHA_TOLERANCE
    assert white.alpha.low <= 1.0 <= white.alpha.high
    assert white.near_zero_share > spec.NEAR_ZERO_SHARE_MIN
    assert abs(sigmoid.alpha.value - 2.0) < ALPHA_TOLERANCE
    assert sigmoid.near_zero_share == 0.0
    results = theory_claims.evaluate(summary_with(tails=[white, sigmoid, tail("clipped")]))
    for claim in (spec.THEORY_CAUCHY, spec.THEORY_SIGMOID, spec.THEORY_CLIPPED):
        assert row(results, claim).verdict is Verdict.SUPPORTED, claim.key


def test_theorem_26_on_a_sigmoid_d_is_premise_not_met_and_no_cut_without_clipping():
    sigmoid, white = tail("sigmoid"), tail("white")
    # The premise's case judged on the sigmoid D: the premise fails, whatever alpha says;
    # the controls judged on the white D's tail (the control's premise met) contradict.
    heavy = {"alpha": white.alpha, "hill": white.hill, "beyond_cut_share": 0.1,
             "beyond_cut_count": white.values // 10}
    results = theory_claims.evaluate(summary_with(tails=[
        dataclasses.replace(sigmoid, case="white"),
        dataclasses.replace(sigmoid, case="sigmoid", **heavy),
        dataclasses.replace(sigmoid, case="clipped", **heavy)]))
    assert row(results, spec.THEORY_CAUCHY).verdict is Verdict.PREMISE_NOT_MET
    assert row(results, spec.THEORY_SIGMOID).verdict is Verdict.CONTRADICTED
    assert row(results, spec.THEORY_CLIPPED).verdict is Verdict.CONTRADICTED


GRID_DELTAS, GRID_SIGMAS = (0.02, 0.1, 0.5), (0.01, 0.05, 0.2, 1.0)


def test_wasserstein_bound_holds_in_every_cell_of_the_grid():
    cells = [segments.bound_cell(delta, sigma) for delta in GRID_DELTAS for sigma in GRID_SIGMAS]
    for cell in cells:
        assert cell.mass_error < 5e-3, cell
        assert cell.wasserstein <= cell.bound, cell
        if cell.sigma < cell.delta / 2:  # disjoint noisy supports
            assert cell.jsd == pytest.approx(math.log(2), abs=1e-3)
    assert any(cell.bound < cell.diameter for cell in cells)  # somewhere informative
    results = theory_claims.evaluate(summary_with(bounds=cells))
    assert row(results, spec.THEORY_WASSERSTEIN).verdict is Verdict.SUPPORTED


def test_wasserstein_bound_with_gaussian_noise_is_premise_not_met():
    cells = [segments.bound_cell(0.1, sigma, "gaussian") for sigma in (0.05, 0.2)]
    assert all(math.isinf(cell.bound) for cell in cells)
    assert all(0 < cell.jsd < math.log(2) for cell in cells)
    results = theory_claims.evaluate(summary_with(bounds=cells))
    assert row(results, spec.THEORY_WASSERSTEIN).verdict is Verdict.PREMISE_NOT_MET


@pytest.fixture(scope="module")
def vanishing_runs():
    return [theory_vanishing.run(setting, SMALL, seed)
            for seed, setting in enumerate([theory_vanishing.VanishingSetting(2, "adam"),
                                            theory_vanishing.VanishingSetting(8, "sgd")])]


@pytest.mark.slow
def test_theorem_24_bound_holds_at_every_logged_iteration(vanishing_runs):
    for run in vanishing_runs:
        assert len(run.iterations) == SMALL.d_updates // SMALL.log_every + 1
        ratios = theory_claims.bound_ratios(run)
        applicable = np.isfinite(ratios)
        assert applicable.sum() >= len(ratios) // 2, run.label
        assert np.all(ratios[applicable] <= 1.0), run.label
        assert run.grad_original[-1] < max(run.grad_original) / 2  # falls as D learns
        assert run.support_gap > 0
    results = theory_claims.evaluate(summary_with(vanishing=vanishing_runs))
    assert row(results, spec.THEORY_VANISHING).verdict is Verdict.SUPPORTED


@pytest.mark.slow
def test_theorem_24_without_eps_below_one_is_premise_not_met(vanishing_runs):
    far = dataclasses.replace(vanishing_runs[0], epsilon=[2.0] * len(vanishing_runs[0].epsilon))
    results = theory_claims.evaluate(summary_with(vanishing=[far]))
    assert row(results, spec.THEORY_VANISHING).verdict is Verdict.PREMISE_NOT_MET


@pytest.mark.slow
def test_learned_noisy_discriminator_follows_the_exact_one():
    rows, _ = theory_noise.match_optimal(SMALL)
    assert rows[0].cosine > spec.GRADIENT_COSINE
    assert rows[0].gradient_learned == pytest.approx(rows[0].gradient_exact, rel=0.5)
    # Theorem 3.2's decomposition is the closed-form gradient, with b / a = P_r+e / P_g+e.
    assert rows[0].decomposition_error <= IDENTITY_TOLERANCE
    delta, sigma = rows[0].delta, rows[0].sigma
    assert rows[0].push_over_pull == pytest.approx(math.exp(-delta**2 / (2 * sigma**2)))
    results = theory_claims.evaluate(summary_with(noise=rows))
    assert row(results, spec.THEORY_DECOMPOSITION).verdict is Verdict.SUPPORTED
    assert row(results, spec.THEORY_NOISE_MATCH).verdict is Verdict.SUPPORTED


def test_exact_noisy_gradient_falls_as_exp_minus_delta_squared_over_two_sigma_squared():
    delta, sigmas = 0.1, [0.01, 0.0125, 0.0167, 0.025]
    fake = np.array([[0.5, delta]])
    gradients = [float(np.linalg.norm(segments.optimal_generator_gradient(fake, delta, s)))
                 for s in sigmas]
    assert segments.exponential_slope(sigmas, gradients, delta) == pytest.approx(
        -delta**2 / 2, rel=1e-3)


@pytest.mark.parametrize("cost", dirac.GENERATOR_COSTS)
def test_dirac_gan_rotates_without_noise_and_converges_with_it(cost):
    # The Jacobian at (0, 0) is [[0, 1/2], [-1/2, -sigma^2 / 2]]: real parts -sigma^2 / 4.
    for sigma in (0.0, 0.5, 1.0):
        eigenvalues = dirac.equilibrium_eigenvalues(cost, sigma)
        assert eigenvalues.real == pytest.approx([-sigma**2 / 4] * 2, abs=1e-6)
        assert abs(eigenvalues.imag).max() > 0.4  # it still turns


def test_every_check_has_a_figure_and_a_runner():
    assert set(layout.THEORY_FIGURES) == set(config.THEORY_CHECKS) == set(theory.CHECKS)


def test_summary_round_trip_and_rows_not_run(tmp_path):
    rows = [TailRow("white", Estimate(1.0, 0.9, 1.1), 0.005, 0.006, 6, 1000)]
    write_summary(tmp_path / "summary.json", summary_with(tails=rows))
    summary = read_summary(tmp_path / "summary.json", TheorySummary)
    assert summary.tails == rows and summary.bounds is None
    verdicts = {r.spec.key: r.verdict for r in theory_claims.evaluate(summary)}
    assert verdicts["theory-wasserstein"] is Verdict.NOT_RUN
    assert set(verdicts) == {claim.key for claim in spec.THEORY}


def test_cli_runs_one_check_and_refuses_an_unknown_one(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["theory", "--only", "minus-log-d", "--run-dir",
                                 str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    theory = layout.RunDir(tmp_path).theory
    summary = read_summary(theory.summary, TheorySummary)
    assert summary.identity and summary.vanishing is None
    assert theory.figure(layout.THEORY_FIGURES["minus-log-d"]).is_file()
    blocks = theory_section.section(tmp_path)
    table = next(block for block in blocks if isinstance(block, Table))
    assert len(table.rows) == len(spec.THEORY)
    assert {r[-1] for r in table.rows} == {str(Verdict.SUPPORTED), str(Verdict.NOT_RUN)}
    assert theory_section.section(tmp_path / "elsewhere") == []
    refused = runner.invoke(app, ["theory", "--only", "everything"])
    assert refused.exit_code == 2
    assert "minus-log-d" in refused.output and "Traceback" not in refused.output


def test_a_runs_report_gains_the_theory_section(tiny_run, tmp_path):
    from gandiag.views.report import report

    run_dir = tmp_path / "run"
    shutil.copytree(tiny_run, run_dir)
    theory.run(TheoryConfig(only=("minus-log-d",)), run_dir, quiet=True)
    html = pathlib.Path(report.run(run_dir, quiet=True)).read_text()
    markdown = (run_dir / layout.REPORT / layout.REPORT_MARKDOWN).read_text()
    assert "## Theory" in markdown and spec.THEORY_MINUS_LOG_D.name in markdown
    assert "theory_minus_log_d.png" in markdown and '<h2 id="theory">Theory</h2>' in html
