"""The offline classifier behind the FCD and KCD: trained by gandiag, cached per data set.

No Inception, no download: a small convnet (``gandiag.core.classifier_net``) is trained on the
labelled images of the run's data set at the run's size and channels. The examples are
shuffled by a fixed seed and the last fifth is held out (for the MNIST test split: 8,000
train, 2,000 held out); the held-out accuracy is recorded beside the weights. The cache is
``$GANDIAG_CLASSIFIER_DIR`` or ``$XDG_CACHE_HOME/gandiag/classifiers`` (``~/.cache`` when
unset), one folder per data set, split, image size and channel count.
"""

import dataclasses
import os
import pathlib
import time

import flax.serialization
import jax
import numpy as np

from gandiag.config import DataConfig, to_dict
from gandiag.core import classifier_net as network
from gandiag.data import labels
from gandiag.errors import GandiagError
from gandiag.store import records
from gandiag.views import console

HELD_OUT_FRACTION = 0.2
BATCH_SIZE = 128
# Training length in examples seen (about 20 epochs of the MNIST test split's 8,000).
EXAMPLES_SEEN = 160_000
FEATURE_BATCH = 500
SPLIT_SEED = 0
CACHE_VERSION = 1
PARAMS_FILE = "params.msgpack"
INFO_FILE = "classifier.json"


@dataclasses.dataclass(frozen=True)
class TrainedClassifier:
    """The classifier's weights and what it was trained on; ``info`` is its JSON record."""

    params: dict
    classes: int
    info: dict

    @property
    def accuracy(self) -> float:
        return self.info["held_out_accuracy"]

    def predict(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(predicted classes, penultimate features) of images, computed in chunks."""
        predicted, features = [], []
        for start in range(0, len(images), FEATURE_BATCH):
            batch_classes, batch_features = network.predict(
                self.params, images[start:start + FEATURE_BATCH], self.classes)
            predicted.append(np.asarray(batch_classes))
            features.append(np.asarray(batch_features, dtype=np.float64))
        return np.concatenate(predicted), np.concatenate(features)


def cache_root() -> pathlib.Path:
    explicit = os.environ.get("GANDIAG_CLASSIFIER_DIR")
    if explicit:
        return pathlib.Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "gandiag" / "classifiers"


def split_indices(count: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, held-out) indices: a fixed shuffle, the last fifth held out."""
    order = np.random.default_rng(SPLIT_SEED).permutation(count)
    held_out = max(1, round(count * HELD_OUT_FRACTION))
    return order[:-held_out], order[-held_out:]


def _cache_dir(data: DataConfig, images: np.ndarray, root: pathlib.Path) -> pathlib.Path:
    side, channels = images.shape[1], images.shape[-1]
    return root / f"{data.dataset}-{data.split}-{side}px-{channels}ch"


def load_or_train(data: DataConfig, images: np.ndarray, *, examples_seen: int = EXAMPLES_SEEN,
                  cache: pathlib.Path | None = None, quiet: bool = False) -> TrainedClassifier:
    """The cached classifier for ``data`` (whose loaded images are ``images``), trained once.

    Raises:
        GandiagError: The data set has no labels (use random-projection features instead).
    """
    folder = _cache_dir(data, images, cache or cache_root())
    template = network.init(labels.CLASS_COUNT, images.shape[1:], jax.random.key(0))
    info = records.read_json(folder / INFO_FILE)
    if info and info.get("version") == CACHE_VERSION and (folder / PARAMS_FILE).is_file():
        params = flax.serialization.from_bytes(template, (folder / PARAMS_FILE).read_bytes())
        return TrainedClassifier(params, labels.CLASS_COUNT, info)
    classes = labels.load_labels(data)
    if len(classes) != len(images):
        raise GandiagError(f"{data.dataset}: {len(classes)} labels for {len(images)} images; "
                           "the label file does not belong to the image file")
    console.say(f"training the FCD classifier for {folder.name} (cached afterwards)", quiet)
    trained = train(images, classes, template, examples_seen)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / PARAMS_FILE).write_bytes(flax.serialization.to_bytes(trained.params))
    records.write_json(folder / INFO_FILE, {**trained.info, "data": to_dict(data)})
    console.say(f"classifier: held-out accuracy {trained.accuracy:.4f} "
                f"({trained.info['held_out']} held out) in {trained.info['seconds']:.0f} s", quiet)
    return dataclasses.replace(trained, info={**trained.info, "data": to_dict(data)})


def train(images: np.ndarray, classes: np.ndarray, params: dict,
          examples_seen: int = EXAMPLES_SEEN, seed: int = 0) -> TrainedClassifier:
    """Train on the fixed four fifths; measure accuracy on the held-out fifth."""
    started = time.perf_counter()
    train_index, held_out_index = split_indices(len(images))
    batch = min(BATCH_SIZE, len(train_index))
    steps = max(1, examples_seen // batch)
    opt_state = network.optimizer(steps).init(params)
    train_step = network.make_train_step(labels.CLASS_COUNT, steps)
    rng = np.random.default_rng(seed)
    key = jax.random.key(seed)
    for step in range(steps):
        chosen = train_index[rng.integers(len(train_index), size=batch)]
        params, opt_state, _ = train_step(params, opt_state, images[chosen], classes[chosen],
                                          jax.random.fold_in(key, step))
    model = TrainedClassifier(params, labels.CLASS_COUNT, {})
    predicted, _ = model.predict(images[held_out_index])
    info = {"version": CACHE_VERSION, "held_out_accuracy": float(
                (predicted == classes[held_out_index]).mean()),
            "train": len(train_index), "held_out": len(held_out_index), "steps": steps,
            "batch_size": batch, "seconds": time.perf_counter() - started,
            "split": f"fixed shuffle (seed {SPLIT_SEED}), last {HELD_OUT_FRACTION:.0%} held out"}
    return dataclasses.replace(model, info=info)
