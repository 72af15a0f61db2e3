"""`gandiag theory`: each theorem checked where P_r, P_g and D* are known exactly.

On DCGANs the paper's premises rarely hold, so a failed claim there cannot tell "the paper
is wrong" from "the premise does not hold". Here each theorem gets a setting where the
premise provably holds (and controls where it provably fails), the prediction is a number
computed exactly (quadrature, closed forms) and the measurement is compared with it:

- ``vanishing``: Theorems 2.1-2.4, an MLP D against a frozen G on a curve (JAX);
- ``minus-log-d``: Theorem 2.5 by quadrature on 1-D Gaussians, and mode seeking;
- ``cauchy``: Theorem 2.6 at three fixed discriminators, 10^5 z each;
- ``wasserstein``: Theorem 3.4 on parallel segments with disk noise, exact W and JSD,
  and the JSD a trained D estimates;
- ``noise``: Theorems 3.1-3.3, a D trained on noisy segments against the exact D*_sigma;
- ``dirac``: the Dirac GAN's vector fields, a sanity figure (no verdict).

Everything runs on the CPU in under three minutes and writes ``theory/summary.json``, one
figure per check, and the rows of the report's Theory section.
"""

import dataclasses
import pathlib
import time

import numpy as np

from gandiag.analysis.theory import dirac, divergences, heavy_tails, segments, theory_claims
from gandiag.config import TheoryConfig, to_dict
from gandiag.experiments.theory import theory_noise, theory_vanishing
from gandiag.store import layout, locks, records, runs
from gandiag.store.schema import TheorySummary, write_summary
from gandiag.views import claims_table, console
from gandiag.views.theory import theory_plots

TWO_MODE_SEPARATION, TWO_MODE_SCALE = 2.0, 0.5
TWO_MODE_MEANS = np.linspace(-4.0, 4.0, 161)


def output_dir(run_dir: pathlib.Path | None) -> layout.ExperimentDir:
    """``<run>/theory/``, or ``runs/theory/`` without a run."""
    return layout.ExperimentDir(pathlib.Path(run_dir or runs.runs_root()) / layout.THEORY)


def _vanishing(config: TheoryConfig, output: layout.ExperimentDir) -> dict:
    results = [theory_vanishing.run(setting, config, config.seed + index)
               for index, setting in enumerate(theory_vanishing.settings(config))]
    theory_plots.vanishing(results, output.figure(layout.THEORY_FIGURES["vanishing"]))
    return {"vanishing": results}


def _minus_log_d(config: TheoryConfig, output: layout.ExperimentDir) -> dict:
    rows = [divergences.identity_point(mean, scale) for mean in config.identity_means
            for scale in config.identity_scales if (mean, scale) != (0.0, 1.0)]
    curves = divergences.two_mode_objectives(TWO_MODE_MEANS, TWO_MODE_SEPARATION, TWO_MODE_SCALE)
    theory_plots.minus_log_d(rows, curves, output.figure(layout.THEORY_FIGURES["minus-log-d"]))
    return {"identity": rows, "two_modes": curves}


def _cauchy(config: TheoryConfig, output: layout.ExperimentDir) -> dict:
    setting = heavy_tails.TailSetting(samples=config.tail_samples)
    rows, samples = [], {}
    for index, case in enumerate(heavy_tails.TAIL_CASES):
        row, samples[case] = heavy_tails.run_case(case, setting, config.seed + index)
        rows.append(row)
    theory_plots.cauchy(samples, setting, output.figure(layout.THEORY_FIGURES["cauchy"]))
    return {"tails": rows}


def _wasserstein(config: TheoryConfig, output: layout.ExperimentDir) -> dict:
    cells = [segments.bound_cell(delta, sigma) for delta in config.bound_deltas
             for sigma in config.bound_sigmas]
    estimates = theory_noise.estimated_jsds(config)
    cells = [dataclasses.replace(cell, jsd_estimated=estimates[cell.sigma],
                                 bound_estimated=segments.bound(estimates[cell.sigma], cell.delta,
                                                                cell.sigma, "ball"))
             if cell.delta == config.noise_delta and cell.sigma in estimates else cell
             for cell in cells]
    theory_plots.wasserstein(cells, output.figure(layout.THEORY_FIGURES["wasserstein"]))
    return {"bounds": cells}


def _noise(config: TheoryConfig, output: layout.ExperimentDir) -> dict:
    rows, fields = theory_noise.match_optimal(config)
    theory_plots.noise(rows, fields, output.figure(layout.THEORY_FIGURES["noise"]))
    return {"noise": rows}


def _dirac(config: TheoryConfig, output: layout.ExperimentDir) -> dict:
    rows = dirac.rows(config.dirac_sigmas)
    theory_plots.dirac(rows, output.figure(layout.THEORY_FIGURES["dirac"]))
    return {"dirac": rows}


CHECKS = {"vanishing": _vanishing, "minus-log-d": _minus_log_d, "cauchy": _cauchy,
          "wasserstein": _wasserstein, "noise": _noise, "dirac": _dirac}


def run(config: TheoryConfig, run_dir: pathlib.Path | None = None,
        quiet: bool = False) -> TheorySummary:
    """Run the chosen checks, write ``theory/summary.json`` and the figures, print the rows.

    The folder holding ``theory/`` is locked while it is written (one writer per run dir).
    """
    output = output_dir(run_dir)
    with locks.hold(output.path.parent):
        output.path.mkdir(parents=True, exist_ok=True)
        records.write_config(output.config, to_dict(config))
        console.say(f"theory: {config}", quiet)
        found, seconds = {}, {}
        chosen = [name for name in CHECKS if config.runs(name)]
        with console.progress_bar("theory", len(chosen), quiet) as bar:
            for done, name in enumerate(chosen):
                bar.update(done, status=name)
                start = time.perf_counter()
                found.update(CHECKS[name](config, output))
                seconds[name] = round(time.perf_counter() - start, 2)
            bar.update(len(chosen), status="done")
        summary = TheorySummary(to_dict(config), seconds, **found)
        write_summary(output.summary, summary)
    if not quiet:
        claims_table.show(theory_claims.evaluate(summary), f"theory: {output.path} "
                          f"({sum(seconds.values()):.0f} s)")
    return summary
