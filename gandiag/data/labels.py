"""Class labels of the labelled data sets, in the order ``gandiag.data.datasets`` loads images.

digits: the last column of the embedded table; mnist and fashion-mnist: the idx label
files beside the image files (checked by header and length); cifar10: ``b"labels"`` of its
batches. The label files are never downloaded here: they sit beside the images (which
``load_dataset`` fetches), or a one-line error says where to put them.
"""

import gzip
import importlib.resources
import io
import pathlib
import pickle
import struct

import numpy as np

from gandiag.config import DataConfig
from gandiag.data import datasets
from gandiag.data import files as datafiles
from gandiag.errors import GandiagError

LABELLED_DATASETS = ("digits", "mnist", "fashion-mnist", "cifar10")
CLASS_COUNT = 10
IDX_LABEL_STEMS = {"train": "train-labels-idx1-ubyte", "test": "t10k-labels-idx1-ubyte"}
IDX_LABELS_MAGIC = 2049
IDX_LABEL_HEADER = struct.Struct(">2I")  # magic, label count


def has_labels(dataset: str) -> bool:
    return dataset in LABELLED_DATASETS


def load_labels(config: DataConfig) -> np.ndarray:
    """The int64 class (0-9) of each example of the data set ``config`` names.

    Raises:
        GandiagError: The data set has no labels, or its label file is missing or malformed.
    """
    if not has_labels(config.dataset):
        raise GandiagError(f"dataset '{config.dataset}' has no class labels; labelled data sets "
                           f"are: {', '.join(LABELLED_DATASETS)}")
    if config.dataset == "digits":
        compressed = importlib.resources.files("gandiag.data").joinpath(
            datasets.DIGITS_ASSET).read_bytes()
        table = np.loadtxt(io.BytesIO(gzip.decompress(compressed)), delimiter=",",
                           dtype=np.float32)
        return table[:, -1].astype(np.int64)
    folder = datasets.resolve_data_dir(config.dataset, config.data_dir)
    if config.dataset == "cifar10":
        return _cifar10_labels(config.split, folder)
    return _idx_labels(config.dataset, config.split, folder)


def _idx_labels(name: str, split: str, folder: pathlib.Path) -> np.ndarray:
    stem = IDX_LABEL_STEMS[split]
    path = None
    for candidate in (folder / name, folder):
        for filename in (stem + ".gz", stem):
            if path is None and (candidate / filename).is_file():
                path = candidate / filename
    if path is None:
        raise GandiagError(f"missing file {stem}.gz for {name}'s labels: put it in {folder} "
                           "beside the image file")
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    count = datafiles.IDX_IMAGE_COUNTS[split]
    header = IDX_LABEL_HEADER.unpack_from(data) if len(data) >= IDX_LABEL_HEADER.size else None
    if header != (IDX_LABELS_MAGIC, count) or len(data) != IDX_LABEL_HEADER.size + count:
        raise GandiagError(f"corrupt file {path}: idx header {header} and length {len(data)} do "
                           f"not match ({IDX_LABELS_MAGIC}, {count}); delete it and download again")
    return np.frombuffer(data, np.uint8, offset=IDX_LABEL_HEADER.size).astype(np.int64)


def _cifar10_labels(split: str, folder: pathlib.Path) -> np.ndarray:
    labels = []
    for batch in datafiles.CIFAR10_BATCHES[split]:
        candidates = [folder / datafiles.CIFAR10_BATCH_DIR / batch,
                      folder / "cifar10" / datafiles.CIFAR10_BATCH_DIR / batch,
                      folder / "cifar10" / batch, folder / batch]
        path = next((c for c in candidates if c.is_file()), None)
        if path is None:
            raise GandiagError(f"missing file {batch} for cifar10's labels: put it in {folder}")
        try:
            with open(path, "rb") as file:
                labels.append(np.asarray(pickle.load(file, encoding="bytes")[b"labels"]))
        # Unpickling arbitrary bytes can fail with almost any exception type.
        except Exception as error:
            raise GandiagError(f"corrupt file {path}: no CIFAR-10 labels ({error}); delete it "
                               "and download again") from error
    return np.concatenate(labels).astype(np.int64)
