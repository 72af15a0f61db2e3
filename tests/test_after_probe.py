"""Figure 3's caption as an experiment, at tiny size: its rows, its null, its claim row."""

import numpy as np
import pytest

from gandiag.analysis.evidence import Verdict
from gandiag.analysis.quality import quality_claims
from gandiag.config import AfterProbeConfig, DataConfig, QualityConfig
from gandiag.data import datasets
from gandiag.experiments.quality import caption, classifier
from gandiag.store import layout
from gandiag.store.quality_schema import AfterProbeSummary
from gandiag.store.schema import Estimate, read_summary

# The longer science tier: `make test-all`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def caption_summary(tiny_run, tmp_path_factory):
    cache = tmp_path_factory.mktemp("classifiers")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GANDIAG_CLASSIFIER_DIR", str(cache))
        data = DataConfig("digits", image_size=16)
        classifier.load_or_train(data, datasets.load_data(data).array, examples_seen=40_000,
                                 quiet=True)
        return caption.run(tiny_run, AfterProbeConfig(iters=30, g_steps=20),
                               QualityConfig(epochs=(2,), samples=300, bootstrap=40), quiet=True)


def test_each_variant_is_measured_before_and_after_and_written(tiny_run, caption_summary):
    assert [(row.cost, row.sigma) for row in caption_summary.rows] == [
        ("minus-log-d", 0.0), ("original", 0.0), ("minus-log-d", 0.5)]
    written = read_summary(layout.RunDir(tiny_run).quality.figure(layout.AFTER_PROBE),
                           AfterProbeSummary)
    assert written == caption_summary
    for row in caption_summary.rows:
        # Same G, same latents before: the "before" FCD is one number for all variants.
        assert row.fcd_before == caption_summary.rows[0].fcd_before
        assert row.fcd_change.low <= row.fcd_change.value <= row.fcd_change.high
        assert 0.0 <= row.d_accuracy <= 1.0


def test_g_moved_and_the_null_stays_near_zero(caption_summary):
    # 20 Adam steps change G's samples (FCD after differs from before); the null (same G,
    # fresh latents) straddles 0 and stays below the claim's threshold: sampling alone
    # does not pass for a change in quality.
    assert any(row.fcd_after.value != row.fcd_before.value for row in caption_summary.rows)
    for row in caption_summary.rows:
        assert row.null_change.low < 0 < row.null_change.high
        assert row.null_change.high < quality_claims.FIGURE3_CAPTION.threshold


def test_the_caption_row_judges_each_epoch_against_its_threshold():
    def summary(change):
        one = Estimate(1.0, 0.9, 1.1)
        rows = [caption.AfterProbeRow(2, "minus-log-d", 0.0, 1.0, one, one, change,
                                          Estimate(0.0, -0.05, 0.05), 10, 10),
                caption.AfterProbeRow(2, "original", 0.0, 1.0, one, one,
                                          Estimate(0.0, -0.05, 0.05), one, 10, 10)]
        return AfterProbeSummary(30, 20, 300, "note", rows, 1.0)

    worse = quality_claims.figure3_caption(summary(Estimate(0.5, 0.3, 0.7)))
    assert worse.verdict is Verdict.SUPPORTED and "original" in worse.note
    assert quality_claims.figure3_caption(summary(Estimate(0.0, -0.05, 0.05))).verdict is \
        Verdict.CONTRADICTED
    assert quality_claims.figure3_caption(None).verdict is Verdict.NOT_RUN
    assert np.isfinite(worse.effects[0].interval.low)
