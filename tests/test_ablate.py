"""`gandiag ablate`: the rule that judges a factor, each study's mechanics on a tiny model."""

import dataclasses
import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from typer.testing import CliRunner

from gandiag.analysis.ablate import registry, study_verdicts
from gandiag.analysis.ablate.registry import Context
from gandiag.analysis.spec import ABLATION_MIN_SEEDS, ABLATION_NULL_RATE
from gandiag.cli import app
from gandiag.config import AblateConfig, ModelConfig, ProbeConfig, TrainConfig
from gandiag.core import artefacts, workers
from gandiag.core.networks import build_networks
from gandiag.core.state import init_discriminator
from gandiag.errors import GandiagError
from gandiag.experiments.ablate import ablate, ablate_preset
from gandiag.store import layout, records
from gandiag.views.ablate import ablate_section as ablation_views


def _cells(baseline_values, variant_values, epoch=25):
    def values(held_out_error, decay):
        return {"held_out_error": held_out_error, "decay_original": decay,
                "iters_to_099": [None] * len(held_out_error)}
    return [study_verdicts.cell("separate", epoch, values(*baseline_values)),
            study_verdicts.cell("joint", epoch, values(*variant_values))]


def test_rule_flags_a_null_variant_at_the_rate_the_spec_states():
    rng = np.random.default_rng(0)
    draws = rng.normal(size=(20000, 2, ABLATION_MIN_SEEDS))
    spread = study_verdicts.Spread.of
    flagged = np.mean([study_verdicts.separated(spread(v), spread(b)) for b, v in draws])
    assert flagged <= ABLATION_NULL_RATE
    # An effect of five times the seeds' standard deviation is found almost always.
    shifted = np.mean([study_verdicts.separated(spread(v + 5), spread(b))
                       for b, v in draws[:2000]])
    assert shifted > 0.95


def test_verdict_follows_the_numbers():
    large = study_verdicts.judge("normalisation", "separate", _cells(
        ([1.2, 1.3, 1.4], [0.3, 0.35, 0.4]), ([0.5, 0.52, 0.55], [0.3, 0.34, 0.41])))
    assert large.verdict == study_verdicts.MATTERS
    assert [(e.variant, e.metric) for e in large.effects] == [("joint", "held_out_error")]
    assert "joint vs separate at epoch 25: held-out cross-entropy 0.523" in large.sentence
    null = study_verdicts.judge("normalisation", "separate", _cells(
        ([1.2, 1.3, 1.4], [0.3, 0.35, 0.4]), ([1.25, 1.5, 1.1], [0.32, 0.38, 0.2])))
    assert null.verdict == study_verdicts.NO_EFFECT and not null.effects
    # Disjoint ranges, but the means are no further apart than a range is wide.
    small = study_verdicts.judge("normalisation", "separate", _cells(
        ([1.0, 1.2, 1.4], [0.3, 0.35, 0.4]), ([1.45, 1.5, 1.75], [0.32, 0.38, 0.36])))
    assert small.verdict == study_verdicts.NO_EFFECT
    few = study_verdicts.judge("normalisation", "separate", _cells(
        ([1.2, 1.3], [0.3, 0.35]), ([0.5, 0.52], [0.3, 0.34])))
    assert few.verdict == study_verdicts.INCONCLUSIVE and "2 D seed(s)" in few.sentence


def test_the_answer_names_the_decay_per_g_and_the_factors_that_move_it():
    def baseline(epoch, decay, error):
        return study_verdicts.cell("separate", epoch, {
            "decay_original": decay, "held_out_error": error, "in_batch_error": [0.3] * 3,
            "held_out_accuracy": [0.7, 0.75, 0.8], "iters_to_099": [None] * 3})
    moved = study_verdicts.judge("normalisation", "separate", [
        baseline(25, [0.7, 0.8, 0.9], [1.2, 1.3, 1.4]),
        study_verdicts.cell("joint", 25, {"decay_original": [3.6, 3.8, 4.0],
                                     "held_out_error": [1.2, 1.3, 1.35],
                                     "iters_to_099": [None] * 3})])
    unmoved = study_verdicts.judge("memorisation", "separate", _cells(
        ([1.2, 1.3, 1.4], [0.7, 0.8, 0.9]), ([1.25, 1.5, 1.1], [0.75, 0.85, 0.7])))
    cells = [baseline(1, [3.5, 3.8, 4.0], [1e-4, 2e-4, 3e-4]),
             baseline(25, [0.7, 0.8, 0.9], [1.2, 1.3, 1.4])]
    plateau = study_verdicts.Verdict("epoch 25 PLATEAU", [], "")
    answer = study_verdicts.decay_answer(cells, {"normalisation": moved, "memorisation": unmoved},
                                    plateau)
    assert "Epoch 1: original-cost decay 3.77 [3.5, 4] orders" in answer
    assert "(D not perfect out of sample; on its own" in answer  # held-out accuracy 0.7-0.8
    assert "epoch-1 and epoch-25 Gs differs by more than the seed spread" in answer
    assert "beyond the seed spread: normalisation: joint at epoch 25 3.8 [3.6, 4]" in answer
    assert "Studies that do not move it: memorisation" in answer
    assert "on its own batches 0.3 [0.3, 0.3]" in answer
    assert answer.endswith("(the baseline of the length study): epoch 25 PLATEAU.")
    same = [baseline(1, [0.7, 0.85, 0.9], [1.2, 1.3, 1.4]), cells[1]]
    quiet = study_verdicts.decay_answer(same, {"memorisation": unmoved})
    assert "does not differ" in quiet and "beyond the seed spread: none" in quiet


def test_cleaned_fakes_lie_on_the_8_bit_grid_and_pass_g_gradient_through():
    fake = jnp.tanh(jax.random.normal(jax.random.key(0), (4, 8, 8, 1)) * 3)
    cleaned = artefacts.clean_fakes(fake)
    levels = (np.asarray(cleaned) + 1) / artefacts.QUANTUM
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-3)
    assert np.all(np.asarray(cleaned)[np.asarray(fake) < artefacts.SNAP_BELOW] == -1)
    assert not np.allclose(cleaned, fake)
    np.testing.assert_allclose(jax.grad(lambda x: jnp.sum(artefacts.clean_fakes(x)))(fake), 1.0)
    real = jnp.round((fake + 1) / artefacts.QUANTUM) * artefacts.QUANTUM - 1
    dequantised = artefacts.dequantise_reals(real, jax.random.key(1))
    assert np.max(np.abs(dequantised - real)) <= artefacts.QUANTUM / 2 + 1e-6
    off_grid = (np.asarray(dequantised) + 1) / artefacts.QUANTUM
    assert np.mean(np.abs(off_grid - np.round(off_grid)) > 0.01) > 0.9


@pytest.mark.parametrize("batching, depends", [("joint", True), ("running", False)])
def test_eval_mode_d_scores_each_real_independently_of_the_fakes(batching, depends):
    config = TrainConfig(model=ModelConfig(ndf=8), d_batching=batching)
    networks = build_networks(config, (16, 16, 1))
    params, stats = init_discriminator(networks.discriminator, jax.random.key(0), (16, 16, 1), 8)
    real, fake = jax.random.normal(jax.random.key(1), (2, 8, 16, 16, 1))
    first = networks.discriminate_pair(params, stats, real, fake)[0]
    second = networks.discriminate_pair(params, stats, real, fake + 2.0)[0]
    assert (not np.allclose(first, second, atol=1e-6)) == depends


def test_variants_are_one_factor_at_a_time_from_a_shared_baseline():
    config = ablate_preset.preset("digits")
    digits = Context(1497, upsampled=True, image_size=32, dataset="digits", image_sizes=(16, 32))
    names = {study: [v.name for v in registry.variants(study, config, digits)]
             for study in registry.STUDY_NAMES}
    assert names == {"normalisation": ["separate", "joint", "eval-mode", "none", "spectral",
                                       "r1-10"],
                     "memorisation": ["separate", "n-1000"],
                     "artefacts": ["separate", "clean", "project"],
                     "concentration": ["separate"],
                     "length-optimiser": ["separate-2000-iters", "adam-lr-1e-3",
                                          "adam-beta1-0.9", "sgd-lr-0.01"],
                     "resolution": ["32px", "16px"]}
    assert [v.name for v in registry.variants("artefacts", config, Context(1497))] == [
        "separate", "clean"]
    baselines = {(v.probe, v.train_subset) for v in (
        registry.variants(s.name, config, digits)[0]
        for s in registry.STUDIES if s.shares_baseline or s.role == "resolution")}
    assert len(baselines) == 1


def test_the_studies_are_one_registry():
    assert registry.STUDY_NAMES[:2] == ("normalisation", "memorisation")
    assert len(set(registry.STUDY_NAMES)) == len(registry.STUDIES)
    with pytest.raises(GandiagError, match="study 'colour' is not allowed; choose one of: "
                                           "normalisation, memorisation"):
        registry.study("colour")
    result = CliRunner().invoke(app, ["ablate", "--help"], terminal_width=200)
    assert all(name in result.output for name in registry.STUDY_NAMES)


@pytest.fixture(scope="module")
def ablated(tiny_run):
    config = AblateConfig(studies=("memorisation", "artefacts"), train_subsets=(64,),
                          probe=ProbeConfig(epochs=(1,), iters=120, seeds=1, eval_size=128,
                                            held_out=300), workers=0)
    return ablate.run(tiny_run, config, quiet=True), layout.RunDir(tiny_run)


@pytest.mark.slow
def test_ablate_runs_a_sub_run_per_variant_and_builds_the_tables(ablated):
    verdicts, run = ablated
    assert set(verdicts) == {"memorisation", "artefacts"}
    for study, variants in (("memorisation", ("separate", "n-64")),
                            ("artefacts", ("separate", "clean", "project"))):
        for variant in variants:
            output = run.ablation(study, variant)
            assert output.summary.is_file() and output.curves.is_file()
        _, (columns, rows), verdict = ablation_views.study_table(run, study)
        assert all(len(row) == len(columns) for row in rows)
        assert [row[:2] for row in rows] == [[v, 1] for v in variants]
        assert verdict.verdict == study_verdicts.INCONCLUSIVE  # one D seed cannot be judged
    # The shared baseline ran once and was copied, not rerun.
    assert (records.read_jsonl(run.ablation("artefacts", "separate").curves)
            == records.read_jsonl(run.ablation("memorisation", "separate").curves))
    # On the digits every final D is also scored on projected fakes.
    for variant in ("separate", "clean", "project"):
        endpoints = records.read_jsonl(run.ablation("artefacts", variant).path
                                       / layout.ENDPOINTS)
        assert "held-out-project" in {e["split"] for e in endpoints}
    _, (columns, rows), _ = ablation_views.study_table(run, "artefacts")
    assert all(row[columns.index("held-out acc, projected fakes")] != "-" for row in rows)
    blocks = ablation_views.section(run)
    assert any(getattr(block, "text", "") == "Ablations" for block in blocks)


@pytest.mark.slow
def test_a_study_run_later_copies_the_baseline_another_command_ran(ablated):
    _, run = ablated
    later = AblateConfig(studies=("normalisation",), variants=("separate",),
                         probe=ProbeConfig(epochs=(1,), iters=120, seeds=1, eval_size=128,
                                           held_out=300))
    ablate.run(run.path, later, quiet=True)
    copied = run.ablation("normalisation", "separate")
    assert records.read_jsonl(copied.curves) == records.read_jsonl(
        run.ablation("memorisation", "separate").curves)
    assert records.read_json(copied.config)["study"] == "memorisation"  # a copy, not a rerun
    # A variant on fewer reals is another experiment: it ran on its own.
    assert (records.read_json(run.ablation("memorisation", "n-64").config)["identity"]
            != records.read_json(copied.config)["identity"])


@pytest.mark.slow
def test_d_on_few_reals_fits_them_better_than_held_out_ones(ablated):
    _, run = ablated
    endpoints = records.read_jsonl(run.ablation("memorisation", "n-64").path
                                   / layout.ENDPOINTS)
    by_split = {e["split"]: e for e in endpoints}
    assert by_split["train"]["error"] < by_split["held-out"]["error"]


def test_unknown_study_is_a_one_line_error(tiny_run):
    from gandiag.cli.commands import app

    result = CliRunner().invoke(app, ["ablate", str(tiny_run), "--study", "bogus"])
    assert result.exit_code == 2
    assert "study 'bogus' is not allowed; choose one of: normalisation" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_workers_give_the_records_of_one_worker_byte_for_byte(tiny_run, tmp_path):
    # Every variant runs single-threaded in a worker whether one or two run; the baseline
    # both studies share runs once and is copied.
    config = AblateConfig(studies=("memorisation", "artefacts"), train_subsets=(64,),
                          probe=ProbeConfig(epochs=(1,), iters=60, seeds=1, eval_size=128,
                                            held_out=300))
    made = {}
    for count in (1, 2):
        run_dir = tmp_path / f"workers-{count}"
        shutil.copytree(tiny_run, run_dir, ignore=shutil.ignore_patterns("ablate", ".lock*"))
        ablate.run(run_dir, dataclasses.replace(config, workers=count), quiet=True)
        made[count] = layout.RunDir(run_dir)
    variants = [(study, name) for study in config.studies for name in records.read_json(
        made[1].ablation_study(study) / layout.STUDY)["variants"]]
    assert len(variants) >= 3
    for study, name in variants:
        for part in ("curves.jsonl", "heldout.jsonl", layout.ENDPOINTS, "summary.json"):
            first = made[1].ablation(study, name).path / part
            assert first.read_bytes() == (made[2].ablation(study, name).path / part
                                          ).read_bytes(), (study, name, part)


def test_ablate_uses_workers_only_for_two_variants_or_more():
    assert ablate.choose_workers(0, [1000] * 5) == 0
    assert ablate.choose_workers(3, [1000] * 2) == 2
    assert ablate.choose_workers(None, [1000]) == 0
    assert ablate.choose_workers(None, [1000] * 4) == min(4, len(workers.available_cores()))

