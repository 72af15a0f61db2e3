"""The claims spec: for each claim, what is measured, the threshold that judges it and why,
the paper's statement and number, and the premise that must hold for a verdict.

Thresholds were fixed here before the runs they judge (spec version below; the report
prints it). Changing one is a new spec version, with its reason in the rationale.
History: version 1 (stop 8) judged single numbers (PASS/FAIL); version 2 judges effects
with 90% intervals, four verdicts, held-out accuracy and measured premises.
"""

from gandiag.analysis.evidence import ClaimSpec

SPEC_VERSION = "2 (2026-11-23)"

# Windows of a curve. Iteration i is measured with D after i - 1 updates (iteration 1 is
# the fresh D); "start" is iterations 1-10, before D has learnt much (D reaches 0.99
# accuracy after ~20 updates on the digits), "end" the last 500 of a 4000-iteration
# probe, or the last eighth of a shorter one.
START_ITERATIONS = 10
END_ITERATIONS = 500
# Held-out evaluations: every 10 iterations up to 500, then every 100, and the last.
EVALUATE_EVERY_EARLY = 10
EVALUATE_EARLY_UNTIL = 500
EVALUATE_EVERY_LATE = 100
# Premises (epsilon, M) are measured every 100 iterations, at the first and the last.
PREMISE_EVERY = 100
# Figure 1 is judged on the held-out accuracy after this many D updates (or at the end of
# a shorter probe).
FIGURE1_ITERATIONS = 500
# Theorem 2.4's premise: D within epsilon of D* on the fakes (sup D + sup |grad_x D|).
EPSILON_NEAR_OPTIMAL = 0.1
# Theorems 3.2-3.3: noise can only keep the gradient alive once sigma is comparable with
# the distance delta between the supports (the weights fall as exp(-delta^2 / 2 sigma^2)).
SIGMA_OVER_DELTA_MIN = 0.25


FIGURE1 = ClaimSpec(
    key="figure1", name="Perfect discrimination (Figure 1)",
    paper="D reaches ~100% accuracy within ~50 iterations, even against a good G",
    paper_number="~1.00 within ~50 iterations",
    statistic=f"D's held-out accuracy after {FIGURE1_ITERATIONS} updates (held-out reals "
              "and fresh fakes, BatchNorm on running statistics)",
    threshold=0.99, direction="above",
    rationale="'~100%' read as at least 99% on data D never trained on; 500 updates is ten "
              "times the paper's ~50, for smaller data sets and slower early training. "
              "Held-out, because accuracy on the training batch also measures memorisation.")

FIGURE2 = ClaimSpec(
    key="figure2", name="Vanishing gradient, original cost (Figure 2)",
    paper="the norm of G's gradient under E[log(1 - D(G(z)))] falls as D trains",
    paper_number="~5 orders of magnitude over 4000 D iterations (the best case)",
    statistic=f"decay orders log10(median norm of iterations 1-{START_ITERATIONS} / median "
              f"of the last {END_ITERATIONS})",
    threshold=3.0, direction="above",
    rationale="5 orders is the paper's best case; a thousandfold fall is unmistakably "
              "vanishing and leaves room for shorter probes and smaller networks (threshold "
              "unchanged from spec 1).",
    premise=f"Theorem 2.4: D near-optimal on the fakes, epsilon = sup D + sup |grad_x D| < "
            f"{EPSILON_NEAR_OPTIMAL:g} at the end; the bound |grad| <= M eps / (1 - eps) "
            "checked wherever eps < 1")

FIGURE3_GROWTH = ClaimSpec(
    key="figure3-growth", name="-log D gradient grows (Figure 3)",
    paper="the gradient under E[-log D(G(z))] does not vanish: it grows as D trains",
    paper_number="grows over 4000 D iterations",
    statistic=f"growth orders log10(median of the last {END_ITERATIONS} / median of "
              f"iterations 1-{START_ITERATIONS})",
    threshold=0.0, direction="above",
    rationale="any reliable growth; the paper gives no size.")

FIGURE3_JITTER = ClaimSpec(
    key="figure3-jitter", name="-log D gradient gets noisier (Figure 3)",
    paper="and its variance grows",
    paper_number="variance grows",
    statistic="jitter growth: robust variance of the change in log(norm) from one iteration "
              "to the next, last quarter / first quarter (1 = stationary noise)",
    threshold=1.0, direction="above",
    rationale="stationary noise gives 1; the interval must clear 1, which simulated "
              "stationary AR(1) noise of the same length does in about 5% of runs "
              "(tests/test_statistics.py); the null band is shown beside it.")

THEOREM26 = ClaimSpec(
    key="theorem26", name="Heavy-tailed -log D updates (Theorem 2.6)",
    paper="with D = D* + white noise, the -log D updates are centred Cauchy (infinite "
          "variance)",
    paper_number="tail index alpha = 1 (Cauchy)",
    statistic="tail index alpha of G's gradient projected on 8 fixed random directions, "
              "second half of the probe, each direction standardised in a sliding window",
    threshold=1.5, direction="below",
    rationale="1.5 is halfway between Cauchy (1) and Gaussian (2).",
    premise="D = D* + white Gaussian noise with a density at 0 on the fakes: a sigmoid D "
            "cannot meet it (grad log D = (1 - D) grad logit is bounded); `gandiag theory` "
            "checks the theorem where it holds",
    premise_gates=True)

NOISE = ClaimSpec(
    key="noise", name="Noise keeps gradients alive (Theorems 3.2-3.3)",
    paper="with instance noise on D's inputs the original cost's gradient no longer vanishes",
    paper_number="no number; Figure 5 of the paper shows the gradient stays alive",
    statistic="original-cost decay orders at each sigma of the sweep; sigma* = the smallest "
              "sigma whose decay interval is below the threshold, stated against delta "
              "(median distance from a generated sample to its nearest real one)",
    threshold=1.0, direction="below",
    rationale="'no longer vanishes': less than one order of decay over the probe; without "
              "noise the decay must exceed one order for there to be anything to rescue.",
    premise=f"sigma comparable with the supports' distance: largest sigma >= "
            f"{SIGMA_OVER_DELTA_MIN:g} delta")

WASSERSTEIN = ClaimSpec(
    key="wasserstein", name="Wasserstein bound (Theorem 3.4)",
    paper="W(P_r, P_g) <= 2 sqrt(V) + 2 C sqrt(JSD(P_r+e || P_g+e))",
    paper_number="an upper bound",
    statistic="W / bound, W from exact optimal transport less its finite-sample bias (two "
              "real samples), the JSD as D's held-out cross-entropy estimates it",
    threshold=1.0, direction="below",
    rationale="the bound holds when the ratio is below 1; a bound at least the diameter C "
              "cannot fail and is judged INCONCLUSIVE.",
    premise="C is the diameter of the noisy supports: finite only for bounded noise "
            "(--noise-dist ball: C = 2 sqrt(d) + 2r); with Gaussian noise C is infinite",
    premise_gates=True)

CLAIMS: tuple[ClaimSpec, ...] = (FIGURE1, FIGURE2, FIGURE3_GROWTH, FIGURE3_JITTER, THEOREM26,
                                 NOISE, WASSERSTEIN)
