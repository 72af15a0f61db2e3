"""Readers for the image data sets that live in files: idx, CIFAR-10 pickles, folders, .npz.

Each reader returns uint8 images shaped (N, H, W, C). Anything missing or malformed
raises ``GandiagError`` with one line naming the file and what to do about it; scaling to
[-1, 1], resizing and channel choice happen in ``gandiag.data``.
"""

import collections
import dataclasses
import gzip
import hashlib
import http.client
import pathlib
import pickle
import shutil
import struct
import tarfile
import urllib.request
import zipfile
import zlib

import numpy as np
from PIL import Image

from gandiag.errors import GandiagError

DOWNLOAD_TIMEOUT_SECONDS = 15

IDX_URLS = {
    "mnist": "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "fashion-mnist": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
}
IDX_FILE_STEMS = {"train": "train-images-idx3-ubyte", "test": "t10k-images-idx3-ubyte"}
# MD5 of the official gzipped image files, as listed by torchvision's datasets/mnist.py
# and by zalandoresearch/fashion-mnist.
IDX_GZIP_MD5 = {
    "mnist": {"train": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
              "test": "9fb629c4189551a2d022fa330f9573f3"},
    "fashion-mnist": {"train": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                      "test": "bef4ecab320f06d8554ea6380940ec79"},
}
IDX_IMAGE_COUNTS = {"train": 60_000, "test": 10_000}
IDX_IMAGES_MAGIC = 2051
IDX_HEADER = struct.Struct(">4I")  # magic, image count, rows, columns
IDX_SIDE = 28

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_ARCHIVE_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_BATCH_DIR = "cifar-10-batches-py"
CIFAR10_BATCHES = {"train": tuple(f"data_batch_{number}" for number in range(1, 6)),
                   "test": ("test_batch",)}
CIFAR10_SIDE = 32

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
SINGLE_CHANNEL_MODES = ("1", "L", "LA")


def read_idx_images(name: str, split: str, folder: pathlib.Path, download: bool) -> np.ndarray:
    """Reads MNIST or Fashion-MNIST images, downloading the file if it is missing.

    Args:
        name: "mnist" or "fashion-mnist".
        split: "train" or "test".
        folder: Where the files are (directly, or in ``folder/name``) or should go.
        download: Whether to fetch a missing file from the official mirror.

    Returns:
        uint8 images shaped (N, 28, 28, 1).
    """
    stem = IDX_FILE_STEMS[split]
    path = _find_file([folder / name, folder], [stem + ".gz", stem])
    if path is None:
        path = folder / (stem + ".gz")
        _download(IDX_URLS[name] + path.name, path, _missing(path.name, name, folder), download)
    if path.suffix == ".gz":
        _check_md5(path, IDX_GZIP_MD5[name][split])
        data = gzip.decompress(_read_bytes(path))
    else:
        # The official MD5 values cover only the .gz files, so an uncompressed file is
        # checked by its header and its exact length instead.
        data = _read_bytes(path)
    return _parse_idx_images(data, IDX_IMAGE_COUNTS[split], path)


def read_cifar10(split: str, folder: pathlib.Path, download: bool) -> np.ndarray:
    """Reads CIFAR-10 python batches, fetching and unpacking the archive if they are missing.

    Batch files carry no published checksums, so they are checked by structure (which
    also lets a hand-made subset load); the downloaded archive is checked by MD5.

    Args:
        split: "train" or "test".
        folder: Holds ``cifar-10-batches-py/`` (or the batches, or ``cifar10/``), or
            is where the archive should go.
        download: Whether to fetch the archive when the batches are missing.

    Returns:
        uint8 images shaped (N, 32, 32, 3).
    """
    batches = CIFAR10_BATCHES[split]
    candidates = [folder / CIFAR10_BATCH_DIR, folder / "cifar10" / CIFAR10_BATCH_DIR,
                  folder / "cifar10", folder]
    first_batch = _find_file(candidates, [batches[0]])
    if first_batch is None:
        archive = folder / pathlib.PurePath(CIFAR10_URL).name
        if not archive.is_file():
            missing = _missing(f"{CIFAR10_BATCH_DIR}/{batches[0]}", "cifar10", folder)
            _download(CIFAR10_URL, archive, missing, download)
        _check_md5(archive, CIFAR10_ARCHIVE_MD5)
        _extract(archive, folder)
        first_batch = folder / CIFAR10_BATCH_DIR / batches[0]
    batch_dir = first_batch.parent
    for batch in batches:
        if not (batch_dir / batch).is_file():
            raise GandiagError(_missing(batch, "cifar10", batch_dir))
    return np.concatenate([_read_cifar10_batch(batch_dir / batch) for batch in batches])


@dataclasses.dataclass(frozen=True)
class FolderImages:
    """A folder's images and what reading them changed.

    Attributes:
        array: uint8 images shaped (N, side, side, C).
        converted: source mode -> how many images of it were converted to C channels.
        cropped: how many images were not square (centre-cropped).
    """

    array: np.ndarray
    converted: dict[str, int]
    cropped: int

    @property
    def note(self) -> str:
        """E.g. 'converted 3 (RGBA 2, P 1), 5 not square (centre-cropped)'."""
        modes = ", ".join(f"{mode} {count}" for mode, count in sorted(self.converted.items()))
        total = sum(self.converted.values())
        return (f"converted {total}" + (f" ({modes})" if modes else "")
                + f", {self.cropped} not square (centre-cropped)")


def read_image_folder(folder: pathlib.Path, image_size: int) -> FolderImages:
    """Reads every PNG and JPEG under ``folder``, centre-cropped to square and resized.

    Args:
        folder: A directory searched recursively, in sorted path order.
        image_size: The side of the square output images.

    Returns:
        uint8 images shaped (N, image_size, image_size, C), C 1 when every image is
        single-channel, else 3, with what was converted or cropped.

    Raises:
        GandiagError: naming every file that cannot be read, in one line.
    """
    if not folder.is_dir():
        raise GandiagError(f"image folder {folder} does not exist; "
                           "pass --data-dir with a folder of .png/.jpg/.jpeg images")
    paths = sorted(path for path in folder.rglob("*")
                   if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file())
    if not paths:
        raise GandiagError(f"no images in {folder}: found no .png, .jpg or .jpeg files; "
                           "pass --data-dir with a folder of images")
    read, unreadable = [], []
    for path in paths:
        try:
            read.append(_read_square_image(path, image_size))
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            unreadable.append(f"{path} ({_one_line(error)})")
    if unreadable:
        # Every bad file at once, so one run finds them all.
        raise GandiagError(f"{len(unreadable)} of {len(paths)} images cannot be read: "
                           f"{'; '.join(unreadable)}; fix or remove them, or pass another "
                           "--data-dir")
    mode = "L" if all(image.mode == "L" for image, _, _ in read) else "RGB"
    converted = collections.Counter(source for _, source, _ in read if source != mode)
    array = np.stack([np.asarray(image.convert(mode)) for image, _, _ in read])
    return FolderImages(array.reshape(*array.shape[:3], -1), dict(converted),
                        sum(not square for _, _, square in read))


def read_npz(path: pathlib.Path) -> np.ndarray:
    """Reads the single uint8 image array stored in an .npz file.

    Args:
        path: An .npz file holding one array, (N, H, W) or (N, H, W, C) with C 1 or 3
            and H == W.

    Returns:
        uint8 images shaped (N, H, W, C).
    """
    if not path.is_file():
        raise GandiagError(f"npz file {path} does not exist; "
                           "pass --data-dir with the path of an .npz file")
    if not zipfile.is_zipfile(path):
        raise GandiagError(f"{path} is not an .npz archive; "
                           "save one uint8 image array with numpy.savez")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise GandiagError(f"cannot read {path} as .npz ({_one_line(error)}); "
                           "save one uint8 image array with numpy.savez") from error
    if len(arrays) != 1:
        raise GandiagError(f"{path} holds {len(arrays)} arrays ({', '.join(arrays) or 'none'}); "
                           "it must hold exactly one uint8 image array")
    (key, images), = arrays.items()
    if not isinstance(images, np.ndarray):  # a zip member that is not a .npy file
        raise GandiagError(f"{path}: member '{key}' is not a NumPy array; save one uint8 "
                           "image array with numpy.savez")
    if images.dtype != np.uint8:
        raise GandiagError(f"{path}: array '{key}' is {images.dtype}; only uint8 (0..255) "
                           "is allowed; convert it with .astype(numpy.uint8)")
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if (images.ndim != 4 or images.shape[-1] not in (1, 3) or images.shape[1] != images.shape[2]
            or len(images) == 0):
        raise GandiagError(f"{path}: array '{key}' has shape {arrays[key].shape}; allowed "
                           "shapes are (N, H, W) or (N, H, W, C) with N >= 1, H == W and C 1 or 3")
    return images


def _missing(filename: str, dataset: str, folder: pathlib.Path) -> str:
    return f"missing file {filename} for {dataset}: put it in {folder} (or pass --data-dir)"


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _find_file(folders: list[pathlib.Path], filenames: list[str]) -> pathlib.Path | None:
    for folder in folders:
        for filename in filenames:
            if (folder / filename).is_file():
                return folder / filename
    return None


def _download(url: str, path: pathlib.Path, missing_message: str, download: bool) -> None:
    """Fetches ``url`` to ``path``, or raises ``missing_message`` saying where to put it."""
    if not download:
        raise GandiagError(missing_message)
    # A partial file under the final name would later read as corrupt; write beside it.
    partial = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with (urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response,
              open(partial, "wb") as file):
            shutil.copyfileobj(response, file)
        partial.replace(path)
    except (OSError, ValueError, http.client.HTTPException) as error:
        partial.unlink(missing_ok=True)
        raise GandiagError(f"{missing_message}; downloading {url} failed: "
                           f"{_one_line(error)}") from error


def _read_bytes(path: pathlib.Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise GandiagError(f"cannot read {path} ({_one_line(error)}); "
                           "check its permissions or download it again") from error


def _check_md5(path: pathlib.Path, expected: str) -> None:
    try:
        with open(path, "rb") as file:
            actual = hashlib.file_digest(file, "md5").hexdigest()
    except OSError as error:
        raise GandiagError(f"cannot read {path} ({_one_line(error)}); "
                           "check its permissions or download it again") from error
    if actual != expected:
        raise GandiagError(f"corrupt file {path}: MD5 {actual} does not match the official "
                           f"{expected}; delete it and download again")


def _parse_idx_images(data: bytes, count: int, path: pathlib.Path) -> np.ndarray:
    header = IDX_HEADER.unpack_from(data) if len(data) >= IDX_HEADER.size else None
    expected_header = (IDX_IMAGES_MAGIC, count, IDX_SIDE, IDX_SIDE)
    expected_length = IDX_HEADER.size + count * IDX_SIDE * IDX_SIDE
    if header != expected_header or len(data) != expected_length:
        raise GandiagError(
            f"corrupt file {path}: idx header {header} and length {len(data)} do not match "
            f"the expected {expected_header} and {expected_length} bytes; "
            "delete it and download again")
    images = np.frombuffer(data, np.uint8, offset=IDX_HEADER.size)
    return images.reshape(count, IDX_SIDE, IDX_SIDE, 1)


def _extract(archive: pathlib.Path, folder: pathlib.Path) -> None:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(folder, filter="data")
    except (OSError, EOFError, tarfile.TarError, zlib.error) as error:
        raise GandiagError(f"cannot unpack {archive} ({_one_line(error)}); "
                           "delete it and download again") from error


def _read_cifar10_batch(path: pathlib.Path) -> np.ndarray:
    try:
        with open(path, "rb") as file:
            pixels = np.asarray(pickle.load(file, encoding="bytes")[b"data"])
    # Unpickling arbitrary bytes can fail with almost any exception type.
    except Exception as error:
        raise GandiagError(f"corrupt file {path}: not a CIFAR-10 batch ({_one_line(error)}); "
                           "delete it and download again") from error
    pixels_per_image = 3 * CIFAR10_SIDE * CIFAR10_SIDE
    if pixels.dtype != np.uint8 or pixels.ndim != 2 or pixels.shape[1] != pixels_per_image:
        raise GandiagError(f"corrupt file {path}: b'data' is {pixels.dtype} {pixels.shape}, "
                           f"expected uint8 (N, {pixels_per_image}); delete it and download again")
    # Rows store the red, green and blue planes one after another.
    return pixels.reshape(-1, 3, CIFAR10_SIDE, CIFAR10_SIDE).transpose(0, 2, 3, 1)


def _read_square_image(path: pathlib.Path, image_size: int) -> tuple[Image.Image, str, bool]:
    """The image as "L" or "RGB", centre-cropped to square and resized; its own mode, and
    whether it was square."""
    with Image.open(path) as image:
        source = image.mode
        # Converting first: PIL resizes modes "1" and "P" with nearest-neighbour only.
        image = image.convert("L" if image.mode in SINGLE_CHANNEL_MODES else "RGB")
        width, height = image.size
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        square = image.crop((left, top, left + side, top + side))
        return (square.resize((image_size, image_size), Image.Resampling.BICUBIC), source,
                width == height)
