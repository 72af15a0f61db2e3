"""Tests of gandiag.data: every data set on real or hand-made files, and every error."""

import gzip
import os
import pathlib
import pickle
import struct
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from gandiag.data import datasets as data
from gandiag.errors import GandiagError

SHARED_DATA_DIR = pathlib.Path(
    os.environ.get("GANDIAG_TEST_MNIST_DIR",
                   pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"))
MNIST_TEST_FILE = "t10k-images-idx3-ubyte.gz"
needs_mnist = pytest.mark.skipif(
    not any((folder / MNIST_TEST_FILE).is_file()
            for folder in (SHARED_DATA_DIR, SHARED_DATA_DIR / "mnist")),
    reason=f"no {MNIST_TEST_FILE} in {SHARED_DATA_DIR} (set GANDIAG_TEST_MNIST_DIR)")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fails any test that reaches for the network instead of hanging on a timeout."""
    def refuse(url, *args, **kwargs):
        raise AssertionError(f"test tried to download {url}")
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    for variable in ("GANDIAG_DATA_DIR", "GANDIAG_NO_DOWNLOAD"):
        monkeypatch.delenv(variable, raising=False)


def one_line_error(match: str, function, *args, **kwargs) -> str:
    """Runs ``function``, asserts it raises a one-line GandiagError matching ``match``."""
    with pytest.raises(GandiagError, match=match) as error_info:
        function(*args, **kwargs)
    message = str(error_info.value)
    assert "\n" not in message
    return message


def assert_unit_range(images: np.ndarray) -> None:
    assert images.dtype == np.float32
    assert images.min() >= -1.0 and images.max() <= 1.0


def write_idx_images(path: pathlib.Path, images: np.ndarray) -> None:
    header = struct.pack(">4I", 2051, *images.shape)
    path.write_bytes(header + images.tobytes())


def write_cifar10_batch(path: pathlib.Path, pixels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as file:
        pickle.dump({b"data": pixels, b"labels": [0] * len(pixels)}, file)


# Digits.

def test_digits_default_is_16x16_in_unit_range():
    dataset = data.load_dataset("digits")
    assert dataset.kind == "image"
    assert dataset.array.shape == (1797, 16, 16, 1)
    assert dataset.shape == (16, 16, 1) and len(dataset) == 1797
    assert_unit_range(dataset.array)
    assert dataset.array.min() == -1.0
    assert dataset.array.max() > 0.9


def test_digits_at_32():
    images = data.load_dataset("digits", image_size=32).array
    assert images.shape == (1797, 32, 32, 1)
    assert_unit_range(images)


def test_digits_three_channels_when_not_grayscale():
    images = data.load_dataset("digits", grayscale=False).array
    assert images.shape == (1797, 16, 16, 3)
    np.testing.assert_array_equal(images[..., 0], images[..., 2])


def test_digits_rejects_other_sizes():
    message = one_line_error("image size 64", data.load_dataset, "digits", image_size=64)
    assert "16, 32" in message


# MNIST and Fashion-MNIST.

@needs_mnist
@pytest.mark.parametrize("layout", ["root", "dataset folder"])
def test_real_mnist_test_split(layout):
    folder = SHARED_DATA_DIR if layout == "root" else SHARED_DATA_DIR / "mnist"
    if not (folder / MNIST_TEST_FILE).is_file() and layout == "dataset folder":
        pytest.skip(f"{MNIST_TEST_FILE} is not in a mnist/ subfolder of {SHARED_DATA_DIR}")
    # Loading at all means the official MD5 matched; a mismatch raises.
    images = data.load_dataset("mnist", data_dir=folder, split="test", download=False).array
    assert images.shape == (10000, 32, 32, 1)
    assert_unit_range(images)
    assert images.max() == 1.0
    for border in (images[:, :2], images[:, -2:], images[:, :, :2], images[:, :, -2:]):
        assert np.all(border == -1.0)


def test_corrupt_gzip_is_reported(tmp_path):
    (tmp_path / MNIST_TEST_FILE).write_bytes(gzip.compress(b"not the real images"))
    message = one_line_error("corrupt file", data.load_dataset, "mnist", data_dir=tmp_path,
                             split="test", download=False)
    assert MNIST_TEST_FILE in message and "9fb629c4189551a2d022fa330f9573f3" in message


def test_missing_mnist_names_file_and_folder(tmp_path):
    message = one_line_error("missing file", data.load_dataset, "fashion-mnist",
                             data_dir=tmp_path, download=False)
    assert "train-images-idx3-ubyte.gz" in message and str(tmp_path) in message


def test_no_download_env_var_turns_downloads_off(tmp_path, monkeypatch):
    monkeypatch.setenv("GANDIAG_NO_DOWNLOAD", "1")
    one_line_error("missing file t10k-images", data.load_dataset, "mnist", data_dir=tmp_path,
                   split="test", download=True)


def test_failed_download_says_where_to_put_the_file(tmp_path, monkeypatch):
    def unreachable(url, *args, **kwargs):
        raise urllib.error.URLError("no route\nto host")
    monkeypatch.setattr(urllib.request, "urlopen", unreachable)
    message = one_line_error("missing file t10k-images-idx3-ubyte.gz", data.load_dataset,
                             "mnist", data_dir=tmp_path, split="test")
    assert str(tmp_path) in message and "ossci-datasets" in message
    assert list(tmp_path.iterdir()) == []


def test_uncompressed_idx_is_checked_by_header_and_resized(tmp_path):
    images = np.zeros((10000, 28, 28), np.uint8)
    images[:, 10:18, 10:18] = 255
    write_idx_images(tmp_path / "t10k-images-idx3-ubyte", images)
    loaded = data.load_dataset("mnist", data_dir=tmp_path, split="test", image_size=16,
                               download=False).array
    assert loaded.shape == (10000, 16, 16, 1)
    assert_unit_range(loaded)
    assert loaded[0, 8, 8, 0] > 0.9 and loaded[0, 0, 0, 0] == pytest.approx(-1.0)


def test_uncompressed_idx_with_wrong_count_is_corrupt(tmp_path):
    write_idx_images(tmp_path / "t10k-images-idx3-ubyte", np.zeros((5, 28, 28), np.uint8))
    message = one_line_error("corrupt file", data.load_dataset, "mnist", data_dir=tmp_path,
                             split="test", download=False)
    assert "t10k-images-idx3-ubyte" in message


# CIFAR-10.

def test_fake_cifar10_test_batch(tmp_path):
    pixels = np.zeros((5, 3, 32, 32), np.uint8)
    pixels[:, 0] = 255  # the red plane comes first in each row
    write_cifar10_batch(tmp_path / "cifar-10-batches-py" / "test_batch", pixels.reshape(5, -1))
    images = data.load_dataset("cifar10", data_dir=tmp_path, split="test", download=False).array
    assert images.shape == (5, 32, 32, 3)
    np.testing.assert_array_equal(images[0, 0, 0], [1.0, -1.0, -1.0])


def test_cifar10_missing_batch_is_named(tmp_path):
    write_cifar10_batch(tmp_path / "cifar10" / "data_batch_1", np.zeros((2, 3072), np.uint8))
    message = one_line_error("missing file data_batch_2", data.load_dataset, "cifar10",
                             data_dir=tmp_path, download=False)
    assert str(tmp_path / "cifar10") in message


def test_corrupt_cifar10_pickle(tmp_path):
    (tmp_path / "test_batch").write_bytes(b"\x80\x04garbage")
    one_line_error("corrupt file .*test_batch", data.load_dataset, "cifar10", data_dir=tmp_path,
                   split="test", download=False)


# Folders of images.

@pytest.fixture
def image_folder(tmp_path):
    """A wide RGB PNG (red | green | blue thirds), a grey JPEG and a grey PNG in a subfolder."""
    wide = np.zeros((20, 60, 3), np.uint8)
    wide[:, :20, 0] = wide[:, 20:40, 1] = wide[:, 40:, 2] = 255
    Image.fromarray(wide).save(tmp_path / "a_wide.png")
    Image.fromarray(np.full((30, 30, 3), 128, np.uint8)).save(tmp_path / "b_grey.JPG")
    (tmp_path / "nested").mkdir()
    Image.fromarray(np.full((40, 25), 200, np.uint8)).save(tmp_path / "nested" / "c_tall.PNG")
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


def test_folder_centre_crops_and_resizes(image_folder):
    dataset = data.load_dataset("folder", data_dir=image_folder, image_size=16)
    assert dataset.array.shape == (3, 16, 16, 3)
    assert_unit_range(dataset.array)
    # The centre square of the wide image is its green third.
    np.testing.assert_allclose(dataset.array[0], np.broadcast_to([-1.0, 1.0, -1.0], (16, 16, 3)),
                               atol=1e-6)


def test_folder_default_size_and_grayscale(image_folder):
    images = data.load_dataset("folder", data_dir=image_folder, grayscale=True).array
    assert images.shape == (3, 64, 64, 1)


def test_folder_of_grey_images_has_one_channel(image_folder):
    (image_folder / "a_wide.png").unlink()
    (image_folder / "b_grey.JPG").unlink()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(image_folder / "grey.jpeg")
    assert data.load_dataset("folder", data_dir=image_folder, image_size=32).shape == (32, 32, 1)


def test_unreadable_image_is_named(image_folder):
    (image_folder / "broken.png").write_bytes(b"not a png")
    one_line_error("1 of [0-9]+ images cannot be read: .*broken.png", data.load_dataset, "folder",
                   data_dir=image_folder)


@pytest.mark.parametrize("make_folder", ["empty", "missing"])
def test_empty_or_missing_folder(tmp_path, make_folder):
    folder = tmp_path / "images"
    if make_folder == "empty":
        folder.mkdir()
    one_line_error(str(folder), data.load_dataset, "folder", data_dir=folder)


def test_folder_needs_a_data_dir():
    one_line_error("--data-dir", data.load_dataset, "folder")


# .npz arrays.

def test_npz_grey_keeps_an_allowed_size(tmp_path):
    path = tmp_path / "grey.npz"
    np.savez(path, images=np.full((4, 16, 16), 255, np.uint8))
    dataset = data.load_dataset("npz", data_dir=path)
    assert dataset.array.shape == (4, 16, 16, 1)
    assert np.all(dataset.array == 1.0)


def test_npz_colour_of_odd_size_goes_to_64_or_asked_size(tmp_path):
    path = tmp_path / "colour.npz"
    np.savez(path, np.random.default_rng(0).integers(0, 256, (3, 20, 20, 3), dtype=np.uint8))
    assert data.load_dataset("npz", data_dir=path).array.shape == (3, 64, 64, 3)
    images = data.load_dataset("npz", data_dir=path, image_size=32).array
    assert images.shape == (3, 32, 32, 3)
    assert_unit_range(images)


@pytest.mark.parametrize("arrays, match", [
    ({"images": np.zeros((2, 8, 8), np.float32)}, "float32"),
    ({"images": np.zeros((2, 8), np.uint8)}, r"shape \(2, 8\)"),
    ({"images": np.zeros((2, 8, 6), np.uint8)}, "H == W"),
    ({"a": np.zeros((2, 8, 8), np.uint8), "b": np.zeros(1)}, "2 arrays"),
])
def test_npz_rejects_bad_arrays(tmp_path, arrays, match):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    one_line_error(match, data.load_dataset, "npz", data_dir=path)


def test_npz_rejects_a_file_that_is_not_npz(tmp_path):
    path = tmp_path / "images.npy"
    np.save(path, np.zeros((2, 8, 8), np.uint8))
    one_line_error("not an .npz", data.load_dataset, "npz", data_dir=path)


# Toy mixtures.

@pytest.mark.parametrize("name, num_modes", [("ring", 8), ("grid", 25)])
def test_toy_points_sit_on_every_mode(name, num_modes):
    # A 2-D Gaussian puts exp(-8) ~ 3e-4 of its mass beyond 4 std, so 1,000 points
    # (seed 0) all land inside.
    dataset = data.load_dataset(name, num_points=1000)
    assert dataset.kind == "points" and dataset.array.shape == (1000, 2)
    assert dataset.array.dtype == np.float32
    modes = data.toy_modes(name)
    assert modes.shape == (num_modes, 2)
    distances = np.linalg.norm(dataset.array[:, None] - modes[None], axis=-1)
    assert np.all(distances.min(axis=1) < 4 * data.toy_std(name))
    assert set(distances.argmin(axis=1)) == set(range(num_modes))


def test_toy_points_follow_the_seed():
    first, again, other = (data.load_dataset("ring", num_points=50, seed=seed).array
                           for seed in (1, 1, 2))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_toy_rejects_image_options():
    one_line_error("do not apply", data.load_dataset, "grid", image_size=32)


# Names, splits and folders.

def test_unknown_dataset_lists_choices():
    message = one_line_error("unknown dataset 'mnsit'", data.load_dataset, "mnsit")
    assert "digits, mnist, fashion-mnist, cifar10, folder, npz, ring, grid" in message


def test_unknown_split():
    message = one_line_error("unknown split 'val'", data.load_dataset, "mnist", split="val")
    assert "train, test" in message


def test_digits_has_no_test_split():
    one_line_error("no 'test' split", data.load_dataset, "digits", split="test")


def test_default_image_sizes():
    sizes = {name: data.default_image_size(name) for name in data.DATASETS}
    assert sizes == {"digits": 16, "mnist": 32, "fashion-mnist": 32, "cifar10": 32,
                     "folder": 64, "npz": 64, "ring": 0, "grid": 0}


def test_resolve_data_dir_order(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert data.resolve_data_dir("mnist", None) == tmp_path / "cache" / "gandiag" / "mnist"
    monkeypatch.setenv("GANDIAG_DATA_DIR", str(tmp_path / "shared"))
    assert data.resolve_data_dir("cifar10", None) == tmp_path / "shared" / "cifar10"
    assert data.resolve_data_dir("mnist", tmp_path / "mine") == tmp_path / "mine"
