"""The report on a hand-made run: a probe but no Figure 1 run, no noise runs."""

import json
import math
import re

import numpy as np
import pytest
from PIL import Image

from gandiag.store import schema
from gandiag.views import render, report

TRAIN_CONFIG = {
    "data": {"dataset": "digits", "data_dir": None, "split": "train", "image_size": 16,
             "grayscale": None},
    "model": {"nz": 16, "ngf": 8, "ndf": 8, "d_norm": "batch"},
    "optimizer": {"lr": 2e-4, "beta1": 0.5, "beta2": 0.999},
    "epochs": 2, "batch_size": 64, "cost": "minus-log-d", "d_steps": 1, "d_batching": "separate",
    "save_epochs": [1, 2], "instance_noise": 0.0, "noise_schedule": "constant", "seed": 0,
}


def write_png(path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (8, 8), dtype=np.uint8)
    Image.fromarray(pixels).save(path)


def cost_block(start: float, end: float) -> dict:
    return {"grad_norm_start": start, "grad_norm_end": end,
            "decay_orders": math.log10(start / end), "variance_growth": 2.0,
            "tail_index": 1.9, "kurtosis": 0.1}


@pytest.fixture
def fake_run(tmp_path):
    """config, 50 metrics records, one sample grid, and a probe of the original cost only."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(json.dumps(TRAIN_CONFIG))
    records = [{"step": step, "epoch": 1 + (step - 1) // 25, "d_loss": 1.4 - step / 50,
                "g_loss": 0.7 + step / 50, "d_real": 0.5 + step / 200, "d_fake": 0.5 - step / 200,
                "d_accuracy": 0.9, "g_grad_norm": 1.0 / step, "d_grad_norm": 5.0,
                "instance_noise": 0.0} for step in range(1, 51)]
    (run_dir / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    write_png(run_dir / "samples" / "epoch_0002.png", 0)
    # Epoch 1's gradient falls 4 orders, epoch 2's only 2.5: Figure 2's claim fails.
    summary = {"checkpoints": {
        str(epoch): {"iters_to_acc_0.99": 30, "iters_to_acc_0.999": None, "final_error": 0.01,
                     "final_accuracy": 0.999, "costs": {"original": cost_block(1.0, end)}}
        for epoch, end in ((1, 1e-4), (2, 10**-2.5))}}
    (run_dir / "probe").mkdir()
    schema.write_summary(run_dir / "probe" / "summary.json",
                         schema.decode(schema.FrozenSummary, summary))
    (run_dir / "probe" / "config.json").write_text(json.dumps({"iters": 1000, "seeds": 1}))
    # The norm's iteration-to-iteration changes: the same size at the start and the end.
    curves = [{"epoch": epoch, "seed": 0, "sigma": 0.0, "iter": i + 1,
               "grad_norm": {"original": 1.0 + i % 2 * (3 - epoch)}}
              for epoch in (1, 2) for i in range(40)]
    (run_dir / "probe" / "curves.jsonl").write_text("".join(json.dumps(c) + "\n" for c in curves))
    write_png(run_dir / "probe" / "figure1.png", 1)
    write_png(run_dir / "probe" / "figure2.png", 2)
    return run_dir


def claim_rows(markdown: str) -> dict[str, str]:
    """Claim name -> verdict, from the claims table of REPORT.md."""
    rows = [line.strip("|").split(" | ") for line in markdown.splitlines()
            if line.startswith("| ") and line.rstrip().endswith(("PASS |", "FAIL |", "NOT RUN |"))]
    return {cells[0].strip(): cells[-1].strip() for cells in rows}


def test_report_of_a_partial_run(fake_run):
    html_path = report.run(fake_run, quiet=True)
    report_dir = fake_run / "report"
    assert html_path == report_dir / "report.html"
    markdown = (report_dir / "REPORT.md").read_text()
    page = html_path.read_text()
    assert (report_dir / "training.png").stat().st_size > 0

    verdicts = claim_rows(markdown)
    assert verdicts["Vanishing gradient, original cost (Figure 2)"] == "FAIL"
    assert verdicts["Perfect discrimination (Figure 1)"] == "PASS"
    assert verdicts["Noise keeps gradients alive (Theorems 3.2-3.3)"] == "NOT RUN"
    assert verdicts["Wasserstein bound (Theorem 3.5)"] == "NOT RUN"
    assert len(verdicts) == 6
    assert '<td class="verdict FAIL">FAIL</td>' in page

    # Every image is linked in the markdown and embedded in the page, none by path.
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    assert linked == ["training.png", "../samples/epoch_0002.png", "../probe/figure1.png",
                      "../probe/figure2.png"]
    assert page.count('src="data:image/png;base64,') == len(linked)
    assert 'src="../' not in page and "<img" in page

    assert f"Not run: `gandiag add-noise --run-dir {fake_run}`" in markdown
    assert "Not run: `gandiag probe-gradients" in markdown  # Figure 3
    assert "Not run: `gandiag toy-noise" in markdown
    assert "| 2 | 1 | 0.003162 | 2.5 | 2 | 1 | 1.9 | 0.1 |" in markdown  # ... jitter growth 1


def test_report_without_metrics_or_samples(fake_run):
    (fake_run / "metrics.jsonl").unlink()
    (fake_run / "samples" / "epoch_0002.png").unlink()
    markdown = report.run(fake_run, quiet=True).with_name("REPORT.md").read_text()
    assert "Not run: `gandiag train" in markdown
    assert "training.png" not in markdown


def test_markdown_tables_escape_pipes(tmp_path):
    table = render.to_markdown([render.Table(["a", "b"], [["x||y", None]])], tmp_path)
    assert table == "| a | b |\n| --- | --- |\n| x\\|\\|y | - |\n"
