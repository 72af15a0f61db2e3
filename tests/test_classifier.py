"""The offline classifier behind the FCD: its labels, its accuracy on a small run, its cache."""

import gzip
import os
import pathlib
import struct

import jax
import numpy as np
import pytest

from gandiag.config import DataConfig
from gandiag.core import classifier_net as network
from gandiag.data import datasets, labels
from gandiag.errors import GandiagError
from gandiag.experiments.quality import classifier

SHARED_MNIST = pathlib.Path(
    os.environ.get("GANDIAG_TEST_MNIST_DIR",
                   pathlib.Path(__file__).resolve().parents[2] / "shared" / "data")) / "mnist"
needs_mnist = pytest.mark.skipif(
    not (SHARED_MNIST / "t10k-labels-idx1-ubyte.gz").is_file(),
    reason=f"no MNIST test labels in {SHARED_MNIST} (set GANDIAG_TEST_MNIST_DIR)")


def test_digits_labels_are_ten_balanced_classes_beside_their_images():
    digit_labels = labels.load_labels(DataConfig("digits"))
    assert len(digit_labels) == len(datasets.load_data(DataConfig("digits", image_size=16)))
    counts = np.bincount(digit_labels)
    assert len(counts) == 10 and counts.min() > 150


@needs_mnist
def test_mnist_test_labels_are_read_from_the_shared_folder():
    mnist_labels = labels.load_labels(DataConfig("mnist", data_dir=str(SHARED_MNIST), split="test"))
    assert len(mnist_labels) == 10_000 and set(np.unique(mnist_labels)) == set(range(10))


def test_a_corrupt_or_missing_label_file_is_one_line(tmp_path):
    config = DataConfig("mnist", data_dir=str(tmp_path), split="test")
    with pytest.raises(GandiagError, match=r"missing file t10k-labels-idx1-ubyte\.gz"):
        labels.load_labels(config)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(struct.pack(">2I", 2049, 5) + bytes(5)))
    with pytest.raises(GandiagError, match="corrupt file"):
        labels.load_labels(config)
    with pytest.raises(GandiagError, match="has no class labels"):
        labels.load_labels(DataConfig("ring"))


def test_the_classifier_reaches_its_accuracy_on_the_digits_and_is_cached(tmp_path):
    data = DataConfig("digits", image_size=16)
    images = datasets.load_data(data).array
    trained = classifier.load_or_train(data, images, examples_seen=40_000, cache=tmp_path,
                                       quiet=True)
    assert trained.accuracy >= 0.95
    assert trained.info["held_out"] == 359 and trained.info["train"] == 1438
    cached = classifier.load_or_train(data, images, cache=tmp_path, quiet=True)
    assert cached.info["seconds"] == trained.info["seconds"]
    held_out = images[classifier.split_indices(len(images))[1]]
    np.testing.assert_array_equal(cached.predict(held_out)[1], trained.predict(held_out)[1])


def test_an_untrained_classifier_is_at_chance():
    # The accuracy above is learnt: the same network before training is near 10%.
    data = DataConfig("digits", image_size=16)
    images = datasets.load_data(data).array
    untrained = classifier.train(images, labels.load_labels(data),
                                 network.init(10, images.shape[1:], jax.random.key(0)),
                                 examples_seen=1)
    assert untrained.accuracy < 0.3
