"""Data sets for GAN experiments, loaded whole into memory as float32 arrays.

Images come back NHWC in [-1, 1], the range of a tanh generator. The 2-D toy mixtures
come back as (N, 2) points, and ``toy_modes`` / ``toy_std`` describe their modes so that
later code can count the modes a generator covers. Files are read by
``gandiag.data.files``; this module checks the choices, scales and resizes.
"""

import dataclasses
import gzip
import importlib.resources
import io
import os
import pathlib
import typing
from typing import Literal

import jax
import numpy as np

from gandiag.config import DATASETS, TOY_DATASETS, DataConfig, Split
from gandiag.data import files as datafiles
from gandiag.errors import GandiagError

SPLITS: tuple[str, ...] = typing.get_args(Split)
SPLIT_DATASETS = ("mnist", "fashion-mnist", "cifar10")  # the only ones with a test split
PATH_DATASETS = ("folder", "npz")  # data_dir is the data itself, so it has no default

IMAGE_SIZES = {
    "digits": (16, 32),
    "mnist": (16, 32, 64),
    "fashion-mnist": (16, 32, 64),
    "cifar10": (16, 32, 64),
    "folder": (16, 32, 64, 128),
    "npz": (16, 32, 64, 128),
}
DEFAULT_IMAGE_SIZES = {"digits": 16, "mnist": 32, "fashion-mnist": 32, "cifar10": 32,
                       "folder": 64, "npz": 64}

DIGITS_ASSET = "assets/digits.csv.gz"
DIGITS_SIDE = 8
DIGITS_MAX_PIXEL = 16
# MNIST is padded from 28 to 32 so that a DCGAN can halve it down to 4x4.
MNIST_PADDING = 2

# ITU-R BT.601 luma, the weights PIL uses for convert("L").
LUMA_WEIGHTS = np.array([[0.299], [0.587], [0.114]], dtype=np.float32)

# The mixtures of the unrolled-GAN (Metz et al., 2017) and VEEGAN (Srivastava et al.,
# 2017) experiments: 8 modes on a circle of radius 2, and a 5x5 grid of modes.
RING_MODES = 8
RING_RADIUS = 2.0
GRID_COORDINATES = (-4.0, -2.0, 0.0, 2.0, 4.0)
TOY_STDS = {"ring": 0.02, "grid": 0.05}


# eq=False: arrays have no single truth value, so datasets compare by identity.
@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """A whole data set held in memory.

    Attributes:
        name: The data set's name, one of ``DATASETS``.
        array: float32 examples: images (N, H, W, C) in [-1, 1], or points (N, 2).
        kind: "image" or "points".
        note: what reading the files changed (an image folder's conversions and crops).
    """

    name: str
    array: np.ndarray
    kind: Literal["image", "points"]
    note: str = ""

    @property
    def summary(self) -> str:
        """One line for the start of a run, e.g. '300 images, 1 channel, 32x32, converted 0'."""
        if self.kind == "points":
            return f"{len(self)} points in 2-D"
        _, side, _, channels = self.array.shape
        return (f"{len(self)} images, {channels} channel{'s' if channels > 1 else ''}, "
                f"{side}x{side}" + (f", {self.note}" if self.note else ""))

    @property
    def shape(self) -> tuple[int, ...]:
        """One example's shape, e.g. (32, 32, 1) or (2,)."""
        return tuple(self.array.shape[1:])

    def __len__(self) -> int:
        return int(self.array.shape[0])


def load_data(config: DataConfig) -> Dataset:
    """The data set a config names, at its resolved image size."""
    return load_dataset(config.dataset, data_dir=config.data_dir, split=config.split,
                        image_size=config.image_size or None, grayscale=config.grayscale)


def require_batches(batch_size: int, examples: int, what: str = "the data set") -> None:
    """A one-line error unless ``examples`` hold at least one batch of ``batch_size``."""
    if batch_size > examples:
        raise GandiagError(f"batch size {batch_size} is larger than {what} ({examples} "
                           "examples); pass a smaller --batch-size")


def default_image_size(name: str) -> int:
    """The side images of ``name`` get when no size is asked for; 0 for toy data sets.

    An .npz array keeps its own size when it is an allowed one; 64 is the fallback.
    """
    _check_dataset(name)
    return DEFAULT_IMAGE_SIZES.get(name, 0)


def resolve_data_dir(name: str, data_dir: str | os.PathLike | None) -> pathlib.Path:
    """The folder (or, for "folder" and "npz", the path) that holds a data set's files.

    Args:
        name: The data set's name.
        data_dir: An explicit path, used as given. For mnist, fashion-mnist and cifar10
            the files may sit in it directly or in its ``<name>/`` subfolder.

    Returns:
        ``data_dir`` if given; else ``$GANDIAG_DATA_DIR/<name>``, the env var naming a
        root shared by all data sets (so MNIST and Fashion-MNIST, whose files have the
        same names, never mix); else ``$XDG_CACHE_HOME/gandiag/<name>``, with
        ``~/.cache`` when ``XDG_CACHE_HOME`` is unset.
    """
    _check_dataset(name)
    if data_dir is not None:
        return pathlib.Path(data_dir).expanduser()
    if name in PATH_DATASETS:
        what = "a folder of images" if name == "folder" else "the path of an .npz file"
        raise GandiagError(f"dataset '{name}' has no default location; pass --data-dir with {what}")
    shared_root = os.environ.get("GANDIAG_DATA_DIR")
    if shared_root:
        return pathlib.Path(shared_root).expanduser() / name
    cache_root = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(cache_root) / "gandiag" / name


def load_dataset(name: str, *, data_dir: str | os.PathLike | None = None, split: str = "train",
                 image_size: int | None = None, grayscale: bool | None = None,
                 download: bool = True, num_points: int = 10_000, seed: int = 0) -> Dataset:
    """Loads a whole data set.

    Args:
        name: One of ``DATASETS``.
        data_dir: Where the files are; see ``resolve_data_dir``. For "folder" a
            directory of PNG/JPEG images, for "npz" an .npz file.
        split: "train" or "test"; only mnist, fashion-mnist and cifar10 have "test".
        image_size: Side of the square images; None or 0 means ``default_image_size``.
        grayscale: True gives 1 channel, False 3, None the data set's own channels.
        download: Whether to fetch missing mnist, fashion-mnist or cifar10 files;
            the env var GANDIAG_NO_DOWNLOAD=1 turns it off.
        num_points: How many points a toy data set draws.
        seed: Seed of the toy data sets' numpy generator.

    Returns:
        The data set, float32.

    Raises:
        GandiagError: A bad choice, or a missing or malformed file.
    """
    _check_dataset(name)
    if split not in SPLITS:
        raise GandiagError(f"unknown split {split!r}; choose one of: {', '.join(SPLITS)}")
    if split != "train" and name not in SPLIT_DATASETS:
        raise GandiagError(f"dataset '{name}' has no {split!r} split; use split 'train', or "
                           f"one of {', '.join(SPLIT_DATASETS)} for a test split")
    if name in TOY_DATASETS:
        if image_size or grayscale is not None:
            raise GandiagError(f"image size and grayscale do not apply to the toy data set "
                               f"'{name}'; leave them unset")
        return Dataset(name, _sample_toy(name, num_points, seed), "points")
    if image_size and image_size not in IMAGE_SIZES[name]:
        raise GandiagError(f"image size {image_size} is not available for {name}; choose one "
                           f"of: {', '.join(map(str, IMAGE_SIZES[name]))}")
    download = download and os.environ.get("GANDIAG_NO_DOWNLOAD", "") in ("", "0")
    images, note = _read_images(name, data_dir, split,
                                image_size or DEFAULT_IMAGE_SIZES[name], download)
    native_size = images.shape[1]
    if not image_size:
        image_size = native_size if native_size in IMAGE_SIZES[name] else DEFAULT_IMAGE_SIZES[name]
    images = _set_channels(_resize(images, image_size), grayscale)
    return Dataset(name, images, "image", note)


def toy_modes(name: str) -> np.ndarray:
    """The (K, 2) float32 mode centres of the toy data set ``name``."""
    _check_toy(name)
    if name == "ring":
        angles = 2 * np.pi * np.arange(RING_MODES) / RING_MODES
        modes = RING_RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    else:
        modes = np.array([(x, y) for x in GRID_COORDINATES for y in GRID_COORDINATES])
    return modes.astype(np.float32)


def toy_std(name: str) -> float:
    """The standard deviation of each Gaussian mode of the toy data set ``name``."""
    _check_toy(name)
    return TOY_STDS[name]


def _check_dataset(name: str) -> None:
    if name not in DATASETS:
        raise GandiagError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")


def _check_toy(name: str) -> None:
    if name not in TOY_DATASETS:
        raise GandiagError(f"{name!r} is not a toy dataset; choose one of: "
                           f"{', '.join(TOY_DATASETS)}")


def _sample_toy(name: str, num_points: int, seed: int) -> np.ndarray:
    if num_points < 1:
        raise GandiagError(f"num_points {num_points} is too small; ask for at least 1 point")
    rng = np.random.default_rng(seed)
    modes = toy_modes(name)
    centres = modes[rng.integers(len(modes), size=num_points)]
    points = centres + rng.normal(scale=toy_std(name), size=(num_points, 2))
    return points.astype(np.float32)


def _read_images(name: str, data_dir: str | os.PathLike | None, split: str, folder_size: int,
                 download: bool) -> tuple[np.ndarray, str]:
    """Reads images at their stored size, float32 NHWC in [-1, 1], and what reading changed.

    ``folder_size`` is used only by "folder", whose images are resized while read.
    """
    if name == "digits":
        return _read_digits(), ""
    path = resolve_data_dir(name, data_dir)
    if name == "folder":
        folder = datafiles.read_image_folder(path, folder_size)
        return _to_unit_range(folder.array), folder.note
    if name == "npz":
        return _to_unit_range(datafiles.read_npz(path)), ""
    if name == "cifar10":
        return _to_unit_range(datafiles.read_cifar10(split, path, download)), ""
    images = _to_unit_range(datafiles.read_idx_images(name, split, path, download))
    padding = ((0, 0), (MNIST_PADDING, MNIST_PADDING), (MNIST_PADDING, MNIST_PADDING), (0, 0))
    return np.pad(images, padding, constant_values=-1.0), ""


def _read_digits() -> np.ndarray:
    compressed = importlib.resources.files("gandiag.data").joinpath(DIGITS_ASSET).read_bytes()
    table = np.loadtxt(io.BytesIO(gzip.decompress(compressed)), delimiter=",", dtype=np.float32)
    pixels = table[:, :DIGITS_SIDE * DIGITS_SIDE]  # the last column is the label
    images = pixels / (DIGITS_MAX_PIXEL / 2) - 1
    return images.reshape(-1, DIGITS_SIDE, DIGITS_SIDE, 1)


def _to_unit_range(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32) / 127.5 - 1


def _resize(images: np.ndarray, size: int) -> np.ndarray:
    """Resizes square images smoothly; clips the overshoot cubic interpolation can add."""
    if images.shape[1] == size:
        return images
    count, _, _, channels = images.shape
    resized = jax.image.resize(images, (count, size, size, channels), method="cubic")
    return np.clip(np.asarray(resized, dtype=np.float32), -1.0, 1.0)


def _set_channels(images: np.ndarray, grayscale: bool | None) -> np.ndarray:
    channels = images.shape[-1]
    if grayscale and channels == 3:
        return images @ LUMA_WEIGHTS
    if grayscale is False and channels == 1:
        return np.repeat(images, 3, axis=-1)
    return images


def available_split(config: DataConfig) -> Split:
    """MNIST-style sets: the train split if its images are in the data dir, else test."""
    if config.dataset not in ("mnist", "fashion-mnist"):
        return config.split
    folder = resolve_data_dir(config.dataset, config.data_dir)
    stem = datafiles.IDX_FILE_STEMS["train"]
    candidates = [folder / name for name in (stem, stem + ".gz")]
    candidates += [folder / config.dataset / c.name for c in candidates]
    return "train" if any(path.is_file() for path in candidates) else "test"
