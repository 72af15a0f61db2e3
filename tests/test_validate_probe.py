"""`gandiag validate` for the probe and theory rows: every verdict a row can give is reached
in some simulated world, a row that misses its targets is demoted, and the rates the
reports print are those of the current spec."""

import dataclasses

import pytest

from gandiag.analysis import spec
from gandiag.analysis.evidence import ClaimResult, Verdict
from gandiag.analysis.validate import suite, topics
from gandiag.analysis.validate.world import World, calibrate
from gandiag.views import claims_table

SUP, CON, INC, PNM = (Verdict.SUPPORTED, Verdict.CONTRADICTED, Verdict.INCONCLUSIVE,
              Verdict.PREMISE_NOT_MET)
# (claim, verdict): the world that reaches it. Theorem 2.6's probe row cannot read PREMISE
# NOT MET (its premise is not measured on a probe); the exact theory rows have no
# sampling error to be INCONCLUSIVE about.
REACH = {
    ("figure1", SUP): "true (gpu)", ("figure1", CON): "false (quick)",
    ("figure1", INC): "few-images (quick)",
    ("figure2", SUP): "true (quick)", ("figure2", CON): "false (quick)",
    ("figure2", INC): "boundary (cpu)", ("figure2", PNM): "premise-fails (quick)",
    ("figure3-growth", SUP): "true (quick)", ("figure3-growth", CON): "stationary (quick)",
    ("figure3-growth", INC): "boundary (quick)", ("figure3-growth", PNM): "premise-fails (quick)",
    ("figure3-jitter", SUP): "true (quick)", ("figure3-jitter", CON): "stationary (quick)",
    ("figure3-jitter", INC): "stationary (cpu)", ("figure3-jitter", PNM): "premise-fails (quick)",
    ("theorem26", SUP): "cauchy (quick)", ("theorem26", CON): "gaussian (quick)",
    ("theorem26", INC): "student-t 1.5 (cpu)",
    ("relativistic-vanishing", SUP): "true (quick)",
    ("relativistic-vanishing", CON): "false (quick)",
    ("relativistic-vanishing", INC): "boundary (cpu)",
    ("theory-cauchy", SUP): "white", ("theory-cauchy", CON): "white-alpha-2",
    ("theory-cauchy", PNM): "sigmoid",
    ("theory-sigmoid", SUP): "sigmoid", ("theory-sigmoid", CON): "heavy-logit",
    ("theory-sigmoid", PNM): "white",
    ("theory-clipped", SUP): "clipped", ("theory-clipped", CON): "heavy-gradient",
    ("theory-clipped", PNM): "white",
    ("theory-plateau", SUP): "full-dimensional", ("theory-plateau", CON): "vanishes",
    ("theory-plateau", PNM): "near-optimal",
    ("theory-discrimination", SUP): "perfect", ("theory-discrimination", CON): "imperfect",
    ("theory-discrimination", PNM): "touching",
}


def world(claim: str, name: str) -> World:
    return next(w for w in topics.worlds() if w.claim == claim and w.name == name)


@pytest.mark.parametrize(("claim", "verdict"), list(REACH), ids=lambda v: str(v))
def test_each_verdict_of_each_row_is_reached_in_some_world(claim, verdict):
    # The theory rows read 10^5 samples a draw and barely vary: a few draws show them.
    reached = calibrate(world(claim, REACH[claim, verdict]),
                        repeats=3 if claim.startswith("theory") else 20)
    assert reached.rates[verdict] > 0


def test_a_row_that_misses_its_targets_is_demoted_with_its_reason():
    always_wrong = dataclasses.replace(world("figure2", "false (quick)"), judge=lambda _: (
        ClaimResult(spec.FIGURE2, (), Verdict.SUPPORTED)))
    result = suite.ClaimCalibration("figure2", (calibrate(always_wrong, repeats=10),))
    assert result.status == "information"
    assert "false SUPPORTED 100%" in result.reason


def test_the_topics_collect_worlds_present_and_skip_absent_ones(monkeypatch):
    monkeypatch.setattr(topics, "TOPICS", ("probe_worlds", "no_such_worlds"))
    assert {w.claim for w in topics.worlds()} == {"figure1", "figure2", "figure3-growth",
                                                    "figure3-jitter", "theorem26",
                                                    "relativistic-vanishing"}


def test_the_rates_file_is_current_for_every_claim_with_worlds():
    rates = suite.read_rates()
    assert rates, f"{suite.RATES_PATH} is stale: run `gandiag validate --write-spec-rates`"
    assert set(topics.claims()) <= set(rates)


def test_a_report_prints_the_rates_beside_the_verdict():
    row = claims_table.rows([ClaimResult(spec.FIGURE2, (), Verdict.SUPPORTED)])[0]
    assert "validated: false SUPPORTED" in row[-2] and row[-1] == "SUPPORTED"
    assert "not validated" in suite.rates_text("no-such-claim", {})


def test_validate_command_writes_its_table_and_figure(tmp_path):
    from typer.testing import CliRunner

    from gandiag.cli.commands import app

    result = CliRunner().invoke(app, ["validate", "--claim", "figure1", "--repeats", "10",
                                      "--output", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "VALIDATE.md").read_text()
    assert "| figure1 | d-at-chance (gpu) | false |" in text
    assert (tmp_path / "validate.png").stat().st_size > 0
    bad = CliRunner().invoke(app, ["validate", "--repeats", "2"])
    assert bad.exit_code == 2 and "--repeats must be at least 10, got 2" in bad.output
