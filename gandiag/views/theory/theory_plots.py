"""`gandiag theory`'s figures, one per check, drawn from the summary's records."""

import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from gandiag.analysis.spec import TAIL_CUT
from gandiag.analysis.theory import dirac as dirac_fields
from gandiag.analysis.theory import segments
from gandiag.analysis.theory.heavy_tails import TailSetting
from gandiag.views.plots import save


def vanishing(runs: list, path: pathlib.Path) -> None:
    """Theorem 2.4: |grad| of the original cost (solid) under its bound (dashed) per run;
    the -log D gradient; the controls' gradients, which do not vanish."""
    figure, (bound_axes, minus_axes, control_axes) = plt.subplots(1, 3, figsize=(15, 4))
    curves = [run for run in runs if run.generator == "curve"]
    for index, run in enumerate(curves):
        color = plt.cm.tab10(index)
        iterations = np.asarray(run.iterations)
        epsilon = np.asarray(run.epsilon)
        bound = np.where(epsilon < 1, run.m_hat * epsilon / (1 - epsilon), np.nan)
        bound_axes.plot(iterations, run.grad_original, color=color, label=run.label)
        bound_axes.plot(iterations, bound, color=color, linestyle="--", linewidth=0.8)
        minus_axes.plot(iterations, run.grad_minus_log_d, color=color, label=run.label)
    for index, run in enumerate(run for run in runs if run.generator != "curve"):
        control_axes.plot(run.iterations, run.grad_original, color=plt.cm.Dark2(index),
                          label=f"{run.label} (eps end {run.epsilon[-1]:.2g})")
    bound_axes.set(yscale="log", xlabel="D updates", ylabel="|grad_theta|",
                   title="Theorem 2.4: original cost (solid) <= M eps/(1-eps) (dashed)")
    minus_axes.set(yscale="log", xlabel="D updates", title="-log D cost")
    control_axes.set(yscale="log", xlabel="D updates",
                     title="controls (premise not met): original cost")
    for axes in (bound_axes, minus_axes, control_axes):
        axes.legend(fontsize=7)
    save(figure, path)


def minus_log_d(rows: list, curves, path: pathlib.Path) -> None:
    """Theorem 2.5: both sides on the grid, and the -log D objective on two modes."""
    figure, (identity_axes, modes_axes) = plt.subplots(1, 2, figsize=(10, 4))
    lhs = np.array([row.lhs for row in rows])
    rhs = np.array([row.rhs for row in rows])
    for component, name in enumerate(("mean", "scale")):
        identity_axes.scatter(rhs[:, component], lhs[:, component], s=14,
                              label=f"d/d{name}")
    limits = [float(min(lhs.min(), rhs.min())), float(max(lhs.max(), rhs.max()))]
    identity_axes.plot(limits, limits, color="0.6", linewidth=0.8)
    worst = max(row.relative_error for row in rows)
    identity_axes.set(xlabel="grad [KL(P_g||P_r) - 2 JSD]", ylabel="E[-grad log D*]",
                      title=f"Theorem 2.5 (largest relative error {worst:.1e})")
    identity_axes.legend(fontsize=8)
    for key, label in (("minus_log_d", "KL(P_g||P_r) - 2 JSD (-log D)"),
                       ("kl_r_g", "KL(P_r||P_g) (max. likelihood)"), ("jsd", "JSD")):
        modes_axes.plot(curves.mean, getattr(curves, key), label=label)
    modes_axes.set(xlabel="mean m of P_g = N(m, s^2)", ylabel="divergence",
                   title=f"two modes at +-{curves.separation:g}: -log D seeks a mode")
    modes_axes.legend(fontsize=8)
    save(figure, path)


def cauchy(samples: dict, setting: TailSetting, path: pathlib.Path) -> None:
    """Theorem 2.6: P(|update| > t) for each discriminator, log-log (slope -alpha)."""
    figure, axes = plt.subplots(figsize=(6, 4))
    for case, values in samples.items():
        magnitudes = np.sort(np.abs(values.ravel()) / np.median(np.abs(values)))
        survival = 1.0 - np.arange(magnitudes.size) / magnitudes.size
        axes.loglog(magnitudes, survival, label=case)
    cut = TAIL_CUT * setting.gradient_noise / setting.clip_floor
    axes.axvline(cut / np.median(np.abs(samples["clipped"])), color="0.5", linestyle=":",
                 label=f"clip cut {TAIL_CUT:g} s_r / delta")
    axes.set(xlabel="|update| / median", ylabel="P(|update| > t)",
             title="Theorem 2.6: Cauchy tail (slope -1) only under D* + white noise")
    axes.legend(fontsize=8)
    save(figure, path)


def wasserstein(cells: list, path: pathlib.Path) -> None:
    """Theorem 3.4: the bound and C against sigma, one line per delta (W = delta dotted)."""
    figure, axes = plt.subplots(figsize=(6.5, 4))
    deltas = sorted({cell.delta for cell in cells})
    for index, delta in enumerate(deltas):
        row = [cell for cell in cells if cell.delta == delta]
        color = plt.cm.viridis(index / max(1, len(deltas) - 1))
        sigmas = [cell.sigma for cell in row]
        axes.plot(sigmas, [cell.bound for cell in row], color=color, marker="o", markersize=3,
                  label=f"bound, delta {delta:g}")
        axes.axhline(delta, color=color, linestyle=":", linewidth=0.8)
        estimated = [(cell.sigma, cell.bound_estimated) for cell in row
                     if cell.bound_estimated is not None]
        if estimated:
            axes.scatter(*zip(*estimated), color=color, marker="x", s=30,
                         label=f"with a trained D's JSD, delta {delta:g}")
    sigmas = sorted({cell.sigma for cell in cells})
    axes.plot(sigmas, [segments.diameter(deltas[0], sigma, "ball") for sigma in sigmas],
              color="0.4", linestyle="--", label="C (trivial bound), smallest delta")
    axes.set(xscale="log", yscale="log", xlabel="noise radius sigma", ylabel="W bound",
             title="Theorem 3.4 on parallel segments (W = delta, dotted)")
    axes.legend(fontsize=6)
    save(figure, path)


def noise(rows: list, profiles: dict, path: pathlib.Path) -> None:
    """Theorems 3.1-3.3: the learned logit against D*_sigma's across the segments, and G's
    gradient on the fakes (exact and learned) against sigma."""
    figure, (profile_axes, gradient_axes) = plt.subplots(1, 2, figsize=(10, 4))
    for index, row in enumerate(rows):
        profile = profiles[f"{row.sigma:g}"]
        color = plt.cm.plasma(index / max(1, len(rows) - 1))
        profile_axes.plot(profiles["across"], profile["exact"], color=color,
                          label=f"D*_sigma, sigma {row.sigma:g}")
        profile_axes.plot(profiles["across"], profile["learned"], color=color, linestyle="--")
    profile_axes.set(xlabel="x_2 (reals at 0, fakes at delta)", ylabel="logit",
                     ylim=(-30, 30), title="exact (solid) and learned (dashed) logits")
    profile_axes.legend(fontsize=7)
    sigmas, delta = [row.sigma for row in rows], rows[0].delta
    fine = np.geomspace(delta / 10, max(sigmas), 200)
    fake = np.array([[0.5, delta]])
    gradient_axes.plot(fine, [np.linalg.norm(segments.optimal_generator_gradient(fake, delta, s))
                              for s in fine], color="0.7", label="D*_sigma, closed form")
    gradient_axes.plot(sigmas, [row.gradient_exact for row in rows], marker="o", label="D*_sigma")
    gradient_axes.plot(sigmas, [row.gradient_learned for row in rows], marker="x",
                       label="learned D")
    gradient_axes.set(xscale="log", yscale="log", xlabel="sigma", ylabel="|grad_x log(1 - D)|",
                      title=f"G's gradient on the fakes (delta {rows[0].delta:g})")
    gradient_axes.legend(fontsize=8)
    save(figure, path)



DIRAC_PANELS = (("original", 0.0), ("minus-log-d", 0.0), ("original", 1.0))


def dirac(rows: list, path: pathlib.Path) -> None:
    """The Dirac GAN's fields as phase portraits: both costs rotate around the equilibrium;
    instance noise makes it attract."""
    figure, panels = plt.subplots(1, len(DIRAC_PANELS), figsize=(4.2 * len(DIRAC_PANELS), 4))
    theta, psi = np.meshgrid(np.linspace(-2, 2, 41), np.linspace(-2, 2, 41))
    found = {(row.cost, row.sigma): row for row in rows}
    for axes, (cost, sigma) in zip(panels, DIRAC_PANELS):
        velocity_theta, velocity_psi = dirac_fields.vector_field(theta, psi, cost, sigma)
        axes.streamplot(theta, psi, velocity_theta, velocity_psi, density=0.9, linewidth=0.7,
                        color=np.hypot(velocity_theta, velocity_psi), cmap="viridis")
        axes.plot(0, 0, "r*", markersize=9)
        real = max(found[(cost, sigma)].real) if (cost, sigma) in found else float("nan")
        axes.set(xlabel="theta (fake point)", ylabel="psi (D's slope)",
                 title=f"{cost}, sigma {sigma:g}: Re(eig) {real:.2g}")
    save(figure, path)
