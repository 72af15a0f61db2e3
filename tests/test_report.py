"""The report on a hand-made run: a probe but no Figure 1 run, no noise runs."""

import json
import pathlib
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from gandiag.analysis.evidence import Verdict
from gandiag.store import schema
from gandiag.views import render
from gandiag.views.report import report

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


def seed_summary(decay: float) -> schema.SeedSummary:
    """One D seed: perfect on 600 held-out examples; the original cost decaying ``decay``."""
    cost = schema.CostSummary(
        grad_norm_start=1.0, grad_norm_end=10.0**-decay,
        decay_orders=schema.Estimate(decay, decay - 0.1, decay + 0.1),
        jitter_growth=schema.Estimate(1.0, 0.9, 1.1), jitter_null_low=0.8, jitter_null_high=1.2,
        tail_index=schema.Estimate(1.9, 1.85, 1.95), kurtosis=0.1)
    return schema.SeedSummary(
        seed=0, iters_to_acc_099_train=30, final_train_error=0.01, d_fake_start=0.5,
        d_fake_end=1e-3,
        held_out=schema.HeldOutSummary(30, 500, 600, 600, 1.0, 0.01, 0.99),
        costs={"original": cost},
        premises=schema.PremiseSummary(0.01, 0.005, 0.005, 3.0, 10, 10, 0.2))


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
    # Epoch 1's gradient falls 4 orders, epoch 2's only 2.5 with D near-optimal: Figure 2's
    # claim is contradicted.
    summary = schema.FrozenSummary(1000, 300, 300, {
        epoch: schema.CheckpointSummary([seed_summary(decay)])
        for epoch, decay in ((1, 4.0), (2, 2.5))})
    (run_dir / "probe").mkdir()
    schema.write_summary(run_dir / "probe" / "summary.json", summary)
    (run_dir / "probe" / "config.json").write_text(json.dumps({"iters": 1000, "seeds": 1}))
    write_png(run_dir / "probe" / "figure1.png", 1)
    write_png(run_dir / "probe" / "figure2.png", 2)
    return run_dir


def claim_rows(markdown: str) -> dict[str, str]:
    """Claim name -> verdict, from the claims table of REPORT.md."""
    rows = [line.strip("|").split(" | ") for line in markdown.splitlines()
            if line.startswith("| ") and line.rstrip().endswith(
                tuple(f"{verdict} |" for verdict in Verdict))]
    return {cells[0].strip(): cells[-1].strip() for cells in rows}


def test_report_of_a_partial_run(fake_run):
    html_path = report.run(fake_run, quiet=True)
    report_dir = fake_run / "report"
    assert html_path == report_dir / "report.html"
    markdown = (report_dir / "REPORT.md").read_text()
    page = html_path.read_text()
    assert (report_dir / "run-training.png").stat().st_size > 0

    verdicts = claim_rows(markdown)
    assert verdicts["Vanishing gradient, original cost (Figure 2)"] == "CONTRADICTED"
    assert verdicts["Perfect discrimination (Figure 1)"] == "SUPPORTED"
    assert verdicts["-log D gradient grows (Figure 3)"] == "NOT RUN"
    assert verdicts["Noise keeps gradients alive (Theorems 3.2-3.3)"] == "NOT RUN"
    assert verdicts["Wasserstein bound (Theorem 3.4)"] == "NOT RUN"
    assert verdicts["Vanishing gradient, relativistic pairing (extension)"] == "NOT RUN"
    assert len(verdicts) == 8
    assert '<td class="verdict CONTRADICTED">CONTRADICTED</td>' in page
    assert "(epsilon 0.01)" in markdown and "Claims spec version" in markdown

    # Every image is linked in the markdown and embedded in the page, none by path.
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    assert linked == ["run-training.png", "../samples/epoch_0002.png", "../probe/figure1.png",
                      "../probe/figure2.png"]
    assert page.count('src="data:image/png;base64,') == len(linked)
    assert 'src="../' not in page and "<img" in page

    assert f"Not run: `gandiag add-noise --run-dir {fake_run}`" in markdown
    assert f"Not run: `gandiag probe --run-dir {fake_run}`" in markdown  # Figure 3
    assert "Not run: `gandiag toy-noise" in markdown
    assert "| 2 | 0 | 1 | 0.003162 | 2.5 [2.4, 2.6] | 1 [0.9, 1.1] |" in markdown


def test_report_without_metrics_or_samples(fake_run):
    (fake_run / "metrics.jsonl").unlink()
    (fake_run / "samples" / "epoch_0002.png").unlink()
    markdown = report.run(fake_run, quiet=True).with_name("REPORT.md").read_text()
    assert "Not run: `gandiag train" in markdown
    assert "training.png" not in markdown


def test_markdown_tables_escape_pipes(tmp_path):
    table = render.to_markdown([render.Table(["a", "b"], [["x||y", None]])], tmp_path)
    assert table == "| a | b |\n| --- | --- |\n| x\\|\\|y | - |\n"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Appended to a copy of the page: counts the images the browser could not decode.
IMAGE_CHECK = """<script>window.addEventListener("load", () => {
  const images = [...document.images];
  document.body.dataset.images = images.length;
  document.body.dataset.broken = images.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  document.body.dataset.width = window.innerWidth;
  document.body.dataset.overflow = document.documentElement.scrollWidth > window.innerWidth;
  document.body.dataset.clipped = [...document.querySelectorAll("td.verdict")].filter(
    cell => cell.getBoundingClientRect().right >
            cell.closest(".table-scroll").getBoundingClientRect().right + 1).length;
});</script>"""


def open_in_chromium(page: pathlib.Path, profile: pathlib.Path,
                     width: int = 1200) -> tuple[str, str]:
    """(the DOM after load, Chromium's log) of ``page`` in headless Chromium ``width``
    pixels wide."""
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         f"--window-size={width},1600", "--hide-scrollbars",
         "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    return result.stdout, result.stderr


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (Debian: apt install chromium)")
def test_browser_check_catches_a_corrupt_image(fake_run, tmp_path):
    page = report.run(fake_run, quiet=True)
    checked = tmp_path / "checked.html"
    broken = page.read_text().replace('base64,', 'base64,AAAA', 1)
    checked.write_text(broken.replace("</body>", IMAGE_CHECK + "</body>"))
    assert 'data-broken="1"' in open_in_chromium(checked, tmp_path / "profile")[0]


def test_report_html_links_resolve_and_it_has_contents(fake_run):
    page = report.run(fake_run, quiet=True).read_text()
    ids = set(re.findall(r' id="([^"]+)"', page))
    links = re.findall(r'href="#([^"]+)"', page)
    assert links and not set(links) - ids  # every link lands on the page
    assert "<nav><strong>Contents</strong>" in page and 'href="#the-run"' in page
    row = next(line for line in page.split("<tr>") if "Vanishing gradient, original" in line)
    assert ('href="#figure-figure2"' in row and 'href="#spec-figure2"' in row
            and 'href="#premise-figure2"' in row)
    # Figure 3 was not run: its row links to its spec and premise, not to a figure.
    row = next(line for line in page.split("<tr>") if "-log D gradient grows" in line)
    assert 'href="#figure-' not in row and 'href="#spec-figure3-growth"' in row
    assert '<figure id="figure-figure2">' in page


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (Debian: apt install chromium)")
@pytest.mark.parametrize("width", [1200, 800])
def test_report_html_at_reading_widths(fake_run, tmp_path, width):
    page = report.run(fake_run, quiet=True)
    checked = tmp_path / "checked.html"
    checked.write_text(page.read_text().replace("</body>", IMAGE_CHECK + "</body>"))
    dom, log = open_in_chromium(checked, tmp_path / "profile", width)
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert f'data-width="{width}"' in body
    assert 'data-images="4"' in body and 'data-broken="0"' in body
    assert 'data-overflow="false"' in body  # wide tables scroll inside their box
    assert 'data-clipped="0"' in body  # and every verdict is in view without scrolling
    assert "CONSOLE" not in log  # the page runs no script of its own: any message is an error


def test_grid_sets_every_claim_across_runs(fake_run, tmp_path):
    from typer.testing import CliRunner

    from gandiag.cli import app

    other = tmp_path / "mnist-run"
    shutil.copytree(fake_run, other)
    config = json.loads((other / "config.json").read_text())
    config["data"]["dataset"] = "mnist"
    (other / "config.json").write_text(json.dumps(config))
    (other / "probe" / "summary.json").unlink()
    result = CliRunner().invoke(app, ["report", "--grid", str(fake_run), str(other),
                                      "--output", str(tmp_path / "grid"), "--quiet"])
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "grid" / "GRID.md").read_text()
    header = next(line for line in markdown.splitlines() if line.startswith("| Claim"))
    assert "digits 16 (run, 1 G run)" in header and "mnist 16 (mnist-run, 1 G run)" in header
    figure2 = next(line for line in markdown.splitlines() if "(Figure 2)" in line)
    assert "CONTRADICTED" in figure2 and "NOT RUN" in figure2
    assert (tmp_path / "grid" / "grid.png").stat().st_size > 0
    two = CliRunner().invoke(app, ["report", str(fake_run), str(other)])
    assert two.exit_code == 2 and "pass --grid" in two.output
