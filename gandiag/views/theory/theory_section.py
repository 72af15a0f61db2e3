"""The report's Theory section: `gandiag theory`'s rows and figures, when the run has them."""

import pathlib

from gandiag.analysis.theory import theory_claims
from gandiag.store import layout
from gandiag.store.schema import TheorySummary, read_summary
from gandiag.views import claims_table
from gandiag.views.render import Figure, Heading, Table, Text

READING = ("Each theorem where P_r, P_g and the optimal discriminator D* are known exactly, so "
           "its premise holds by construction (or provably fails, in the rows marked Control) "
           "and its prediction is a number: quadrature and closed forms, MLPs trained against "
           "them on the CPU. A claim of the table above that is PREMISE NOT MET on this run "
           "is judged here where its premise holds. Exact numbers have no sampling error, so "
           "their interval is the number itself.")
CAPTIONS = {
    "vanishing": "Theorems 2.1-2.4: G's gradient under its bound as D trains; controls",
    "minus-log-d": "Theorem 2.5: both sides of the identity; mode seeking on two modes",
    "cauchy": "Theorem 2.6: tails of the -log D updates at three discriminators",
    "wasserstein": "Theorem 3.4: the bound against sigma and delta on parallel segments",
    "noise": "Theorems 3.1-3.3: learned D against D*_sigma; G's gradient against sigma",
    "dirac": "The Dirac GAN: both costs rotate around the equilibrium, noise makes it attract",
}


def section(root: pathlib.Path) -> list:
    """The Theory heading, table and figures of ``<root>/theory/``; [] if it was not run."""
    theory = layout.ExperimentDir(pathlib.Path(root) / layout.THEORY)
    summary = read_summary(theory.summary, TheorySummary)
    if summary is None:
        return []
    results = theory_claims.evaluate(summary)
    figures = [Figure(theory.figure(name), CAPTIONS[check])
               for check, name in layout.THEORY_FIGURES.items()
               if theory.figure(name).is_file()]
    seconds = sum(summary.seconds.values())
    return [Heading("Theory"), Text(READING),
            Table(claims_table.COLUMNS, claims_table.rows(results)),
            Text(f"`gandiag theory` ran in {seconds:.0f} s (checks: "
                 f"{', '.join(summary.seconds)})."), *figures]
