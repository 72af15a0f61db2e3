"""`gandiag quality` on the tiny digits run: every saved epoch measured, the floor below G."""

import numpy as np
import pytest
from typer.testing import CliRunner

from gandiag.cli import app
from gandiag.config import DataConfig, QualityConfig
from gandiag.data import datasets
from gandiag.experiments.quality import classifier, quality
from gandiag.store import layout
from gandiag.store.quality_schema import QualitySummary
from gandiag.store.saved_run import SavedRun
from gandiag.store.schema import read_summary


@pytest.fixture(scope="module")
def classifier_cache(tmp_path_factory):
    """A digits classifier trained briefly (40,000 examples seen) into a private cache."""
    cache = tmp_path_factory.mktemp("classifiers")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GANDIAG_CLASSIFIER_DIR", str(cache))
        data = DataConfig("digits", image_size=16)
        classifier.load_or_train(data, datasets.load_data(data).array, examples_seen=40_000,
                                 quiet=True)
        yield cache


@pytest.fixture(scope="module")
def measured(tiny_run, classifier_cache):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GANDIAG_CLASSIFIER_DIR", str(classifier_cache))
        return quality.run(tiny_run, QualityConfig(samples=300, bootstrap=20), quiet=True)


def test_every_saved_epoch_is_measured_and_written(tiny_run, measured):
    assert [row.epoch for row in measured.rows] == [1, 2]
    assert all(row.samples == 300 for row in measured.rows)
    written = read_summary(layout.RunDir(tiny_run).quality.summary, QualitySummary)
    assert written == measured
    assert layout.RunDir(tiny_run).quality.figure(layout.QUALITY_FIGURE).is_file()
    assert "not comparable with published FID" in written.note


def test_a_two_epoch_generator_is_far_above_the_real_floor(measured):
    # Two epochs of an 8-channel DCGAN make blobs, not digits: its FCD must be far above
    # the FCD of real held-out images against real training images.
    for row in measured.rows:
        assert row.fcd.low > 5 * measured.floor_fcd.high
        assert row.kcd.low > measured.floor_kcd.high
        assert row.precision.value < 0.5
        assert sum(row.class_histogram) == pytest.approx(1.0)


def test_the_reference_reals_score_as_real(classifier_cache, monkeypatch):
    # The same metrics on real images in place of G's: precision and recall near 1,
    # all 10 classes covered: the measure can tell a good generator from a bad one.
    monkeypatch.setenv("GANDIAG_CLASSIFIER_DIR", str(classifier_cache))
    data = DataConfig("digits", image_size=16)
    dataset = datasets.load_data(data)
    measure = quality.Measure(quality.TrainConfig(data=data), dataset,
                              QualityConfig(samples=600, bootstrap=20), quiet=True)
    others = np.setdiff1d(np.arange(len(dataset)),
                          np.random.default_rng(0).permutation(len(dataset))[:600])
    row = measure.row(0, dataset.array[others[:600]])
    assert row.precision.value > 0.8 and row.recall.value > 0.8
    assert row.classes_covered.value == 10


def test_pixel_realism_tells_a_generator_that_learnt_from_noise():
    # The mode-dropping premise (spec 5), calibrated on synthetic inputs: other reals and
    # real images of one class (the most extreme mode dropping) pass it; uniform noise,
    # grey noise and a flat grey image, what a DCGAN G that never learnt emits, do not.
    from gandiag.analysis.quality.quality_metrics import pixel_realism
    from gandiag.analysis.spec import MODE_DROPPING_MAX_REALISM as LIMIT

    data = DataConfig("digits", image_size=16)
    images = datasets.load_data(data).array
    classes = np.asarray(quality.labels.load_labels(data))
    order = np.random.default_rng(0).permutation(len(images))
    reference, others = images[order[:900]], images[order[900:]]
    rng = np.random.default_rng(1)
    shape = (600, 16, 16, 1)
    passing = {"other reals": others, "one class": images[classes == 0]}
    failing = {"uniform": rng.uniform(-1, 1, shape),
               "grey noise": np.clip(rng.normal(-0.5, 0.3, shape), -1, 1),
               "flat grey": np.full(shape, -0.5)}
    for name, fake in passing.items():
        ratio = pixel_realism(reference, fake, draws=20)
        assert ratio.estimate <= LIMIT, (name, ratio)
    for name, fake in failing.items():
        ratio = pixel_realism(reference, fake, draws=20)
        assert ratio.low > LIMIT, (name, ratio)
    assert 0.8 < pixel_realism(reference, others, draws=20).estimate < 1.2


def test_bad_quality_options_are_one_line_errors(tiny_run):
    result = CliRunner().invoke(app, ["quality", str(tiny_run), "--samples", "3"])
    assert result.exit_code == 2 and "samples 3 is too few" in result.output
    result = CliRunner().invoke(app, ["quality", str(tiny_run), "--epochs", "7"])
    assert result.exit_code == 2 and "epoch(s) 7 have no checkpoint" in result.output


def test_the_report_shows_quality_beside_the_other_sections(tiny_run, measured):
    from gandiag.views.report import report

    markdown = (report.run(tiny_run, quiet=True).parent / layout.REPORT_MARKDOWN).read_text()
    assert "Sample quality (FCD and KCD: classifier features, not FID)" in markdown
    assert "not comparable with published FID" in markdown and "Floor (real vs real" in markdown


def test_train_quality_every_save_measures_each_saved_epoch(tmp_path, classifier_cache,
                                                            monkeypatch):
    monkeypatch.setenv("GANDIAG_CLASSIFIER_DIR", str(classifier_cache))
    run_dir = tmp_path / "run"
    result = CliRunner().invoke(app, [
        "train", "--dataset", "digits", "--epochs", "1", "--ngf", "8", "--ndf", "8", "--nz", "16",
        "--run-dir", str(run_dir), "--quiet", "--quality-every-save"])
    assert result.exit_code == 0, result.output
    summary = read_summary(layout.RunDir(run_dir).quality.summary, QualitySummary)
    assert [row.epoch for row in summary.rows] == [1]
    assert summary.rows[0].fcd.low > summary.floor_fcd.high


def test_a_toy_run_gets_modes_covered_counted_as_toy_noise_counts_them(tmp_path):
    from gandiag.analysis.quality.modes import mode_statistics
    from gandiag.config import train_config_from_dict
    from gandiag.store import runs

    run_dir = tmp_path / "grid"
    result = CliRunner().invoke(app, [
        "train", "--dataset", "grid", "--epochs", "2", "--nz", "4", "--ngf", "16", "--ndf", "16",
        "--batch-size", "256", "--run-dir", str(run_dir), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = quality.run(run_dir, QualityConfig(samples=500, bootstrap=20), quiet=True)
    assert summary.features == quality.FEATURES_POINTS and summary.floor_fcd is None
    config = train_config_from_dict(runs.read_config(run_dir))
    g_variables = SavedRun(run_dir).generator(2, (2,))
    samples = quality.generate_images(config, (2,), g_variables, 500, 0 + 2)
    modes = datasets.toy_modes("grid")
    covered, _ = mode_statistics(samples, modes)
    row = summary.rows[-1]
    assert row.fcd is None and row.modes_covered.value == covered
    assert row.modes_covered.low <= covered <= row.modes_covered.high
    close = np.linalg.norm(samples[:, None] - modes[None], axis=-1).min(axis=1) <= 0.25
    assert row.high_quality.value == pytest.approx(close.mean())
