"""Property tests (hypothesis): every parser and reader of user input either returns a
correct value or raises a one-line GandiagError, never anything else."""

import io
import math
import pathlib
import struct
import tempfile
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from gandiag.cli.options import parse_costs, parse_floats, parse_ints
from gandiag.config import GENERATOR_COSTS, ProbeConfig, TrainConfig
from gandiag.data import files
from gandiag.errors import GandiagError
from gandiag.store import records

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
# Text that looks like what users type into a list option, and arbitrary text.
LISTISH = st.one_of(
    st.lists(st.one_of(st.integers(-5, 50).map(str), st.floats(allow_nan=True).map(str),
                       st.sampled_from(["", " ", "x", "1e3", "nan", "inf", "-0", "0x10", "½",
                                        *GENERATOR_COSTS, "both"])),
             max_size=5).map(",".join),
    st.text(max_size=20))


def one_line(error: GandiagError, option: str | None = None) -> None:
    text = str(error)
    assert text and "\n" not in text
    if option:
        assert option in text


@FAST
@given(LISTISH)
def test_save_epochs_and_epochs(text):
    try:
        epochs = parse_ints(text, "--save-epochs")
    except GandiagError as error:
        one_line(error, "--save-epochs")
        return
    assert all(isinstance(e, int) for e in epochs)
    try:
        config = TrainConfig(epochs=3, save_epochs=epochs)
    except GandiagError as error:
        one_line(error)
        assert any(e < 1 for e in epochs)
        return
    assert config.save_epochs == tuple(sorted({e for e in epochs if e <= 3} | {3}))


@FAST
@given(LISTISH)
def test_sigmas(text):
    try:
        sigmas = parse_floats(text, "--sigma")
        config = ProbeConfig(sigmas=sigmas)
    except GandiagError as error:
        one_line(error)
        return
    assert all(math.isfinite(s) and s >= 0 for s in config.sigmas)


@FAST
@given(LISTISH)
def test_costs(text):
    try:
        config = ProbeConfig(costs=parse_costs(text))
    except GandiagError as error:
        one_line(error)
        return
    assert set(config.costs) <= set(GENERATOR_COSTS)
    assert len(set(config.costs)) == len(config.costs)


def idx_bytes(count: int, side: int = 28) -> bytes:
    return struct.pack(">IIII", 2051, count, side, side) + bytes(count * side * side)


@FAST
@given(st.one_of(st.binary(max_size=64),
                 st.integers(0, 3).map(idx_bytes),
                 st.tuples(st.integers(1, 3), st.integers(0, 100)).map(
                     lambda t: idx_bytes(t[0])[: -t[1] or None])))
def test_idx_reader(data):
    count = struct.unpack_from(">I", data, 4)[0] if len(data) >= 8 else 1
    try:
        images = files._parse_idx_images(data, count, pathlib.Path("x-idx3-ubyte"))
    except GandiagError as error:
        one_line(error, "x-idx3-ubyte")
        return
    assert images.shape == (count, 28, 28, 1) and images.dtype == np.uint8
    assert len(data) == 16 + count * 784


def npz_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, images=array)
    return buffer.getvalue()


NPZ = st.one_of(
    st.binary(max_size=200),
    st.tuples(st.integers(0, 3), st.integers(1, 5), st.integers(1, 5),
              st.sampled_from([None, 1, 2, 3]), st.sampled_from(["uint8", "float32"])).map(
        lambda t: npz_bytes(np.zeros(t[:3] + ((t[3],) if t[3] else ()), t[4]))),
    st.tuples(st.integers(1, 3), st.integers(1, 400)).map(
        lambda t: npz_bytes(np.zeros((t[0], 4, 4), np.uint8))[: -t[1]]))


@FAST
@given(NPZ)
def test_npz_reader(data):
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "data.npz"
        path.write_bytes(data)
        try:
            images = files.read_npz(path)
        except GandiagError as error:
            one_line(error)
            return
    assert images.dtype == np.uint8 and images.ndim == 4 and len(images) >= 1
    assert images.shape[1] == images.shape[2] and images.shape[3] in (1, 3)


def png_bytes(size: int, mode: str) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (size, size + 1)).save(buffer, format="PNG")
    return buffer.getvalue()


@FAST
@given(st.one_of(st.binary(max_size=100),
                 st.tuples(st.integers(1, 9), st.sampled_from(["L", "RGB", "RGBA", "1", "P"]),
                           st.integers(0, 60)).map(
                     lambda t: png_bytes(t[0], t[1])[: -t[2] or None])))
def test_image_folder_reader(data):
    with tempfile.TemporaryDirectory() as folder:
        (pathlib.Path(folder) / "a.png").write_bytes(data)
        try:
            images = files.read_image_folder(pathlib.Path(folder), 8).array
        except GandiagError as error:
            one_line(error)
            return
    assert images.shape[:3] == (1, 8, 8) and images.dtype == np.uint8


@FAST
@given(st.lists(st.dictionaries(st.sampled_from(["step", "d_loss"]), st.integers(0, 9),
                                min_size=1), max_size=5),
       st.integers(0, 30), st.booleans())
def test_jsonl_with_a_cut_last_line(rows, cut, newline):
    text = "".join(f'{{"step": {r.get("step", 0)}, "d_loss": {r.get("d_loss", 0)}}}\n'
                   for r in rows)
    text = text[: len(text) - cut] if cut < len(text) else ""
    if newline and text and not text.endswith("\n"):
        text = text.rsplit("\n", 1)[0] + "\n" if "\n" in text else ""
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "metrics.jsonl"
        path.write_text(text)
        read = records.read_jsonl(path)
    complete = text.count("\n")
    assert len(read) in (complete, complete + 1)  # whole lines kept; a cut one dropped
    assert all(set(r) == {"step", "d_loss"} for r in read)


def test_a_zip_that_is_not_npz_is_one_line(tmp_path):
    path = tmp_path / "data.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(GandiagError) as error:
        files.read_npz(path)
    one_line(error.value)
