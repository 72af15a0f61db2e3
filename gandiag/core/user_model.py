"""A user's own G and D, loaded by import path and held to the contract gandiag relies on.

``--model MODULE:FUNCTION`` names a dotted module (importable from the Python path or the
current folder) or a ``path/to/file.py``, and a function ``FUNCTION(example_shape, nz)``
returning ``(generator, discriminator)``, two ``flax.linen`` modules:

- ``G(z, train)``: ``z`` of shape (B, nz) -> float32 examples of shape (B, *example_shape),
  images in [-1, 1] (NHWC);
- ``D(x, train)``: logits of shape (B,) or (B, 1) (reshaped to (B,) here);
- variables in ``params`` and, if any, ``batch_stats`` (BatchNorm, SpectralNorm), the
  collection gandiag keeps beside the parameters and updates in training mode.

The check runs both modules once on a small batch, in both modes, and answers a break
with one line naming what is wrong. The SHA-256 of the module's source file is recorded
in config.json when a run is trained; every later build compares it with the file as it
is now, so a probe never measures a model other than the one that was trained.
"""

import dataclasses
import functools
import hashlib
import importlib
import importlib.util
import inspect
import os
import pathlib
import sys
import typing

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from gandiag.config import ModelConfig
from gandiag.errors import GandiagError

# The variable collections gandiag keeps; any other is refused (it would be lost).
KEPT_COLLECTIONS = ("params", "batch_stats")
# Examples per contract check: small, and more than one (BatchNorm needs a batch).
CHECK_BATCH = 4
# How far past [-1, 1] an image may reach (float32 tanh rounding).
RANGE_TOLERANCE = 1e-5


# The source hash of each dotted module as this process imported it.
_loaded: dict[str, str] = {}


class ModelPair(typing.NamedTuple):
    generator: nn.Module
    discriminator: nn.Module


class FlatLogits(nn.Module):
    """A user's D with its logits reshaped to (B,), whether it returns (B,) or (B, 1)."""

    discriminator: nn.Module

    def __call__(self, inputs, train: bool = True):
        logits = self.discriminator(inputs, train=train)
        return logits.reshape(logits.shape[0])


def source_file(import_path: str) -> pathlib.Path:
    """The source file of ``MODULE:FUNCTION``'s module, found without importing it."""
    module = import_path.rpartition(":")[0]
    if module.endswith(".py"):
        path = pathlib.Path(module).expanduser()
        if not path.is_file():
            raise GandiagError(f"--model {import_path}: no file {module}; give an existing "
                               "path/to/file.py or a dotted module")
        return path.resolve()
    spec = _find_module(module)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise GandiagError(f"--model {import_path}: cannot find module {module!r} on the Python "
                           "path or in the current folder; give path/to/file.py:FUNCTION "
                           "instead, or add its folder to PYTHONPATH")
    return pathlib.Path(spec.origin).resolve()


def _find_module(name: str):
    # The `gandiag` script, unlike `python -m`, leaves the current folder off the path.
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def source_hash(import_path: str) -> str:
    """The SHA-256 of the source file ``import_path`` loads its model from."""
    return hashlib.sha256(source_file(import_path).read_bytes()).hexdigest()


def recorded(model: ModelConfig) -> ModelConfig:
    """``model`` as config.json records it: a file path made absolute (later commands may
    run from another folder) and, for a new run, its source's hash filled in."""
    if not model.import_path:
        return model
    module, _, function = model.import_path.rpartition(":")
    if module.endswith(".py"):
        module = str(source_file(model.import_path))
    import_path = f"{module}:{function}"
    return dataclasses.replace(model, import_path=import_path,
                               source_hash=model.source_hash or source_hash(import_path))


def build(model: ModelConfig, example_shape: tuple[int, ...]) -> ModelPair:
    """The user's G and D for ``model`` (its ``import_path``), checked against the contract
    once per process, and refused if the source changed since ``source_hash`` was taken."""
    return _checked(model.import_path, require_unchanged(model), tuple(example_shape), model.nz)


def require_unchanged(model: ModelConfig) -> str:
    """The hash of the user's model source as it is now, refused in one line if it differs
    from the one recorded (a command checks this before it starts any work)."""
    if not model.import_path:
        return ""
    current = source_hash(model.import_path)
    if model.source_hash and current != model.source_hash:
        raise GandiagError(
            f"--model {model.import_path}: its source {source_file(model.import_path)} changed "
            f"since the run was trained (sha256 {model.source_hash[:12]} then, {current[:12]} "
            "now); restore that file, or train a new run with it")
    return current


@functools.lru_cache(maxsize=16)
def _checked(import_path: str, digest: str, example_shape: tuple[int, ...],
             nz: int) -> ModelPair:
    """The pair built and checked; cached by the source's hash, so a check runs once."""
    function = _function(import_path, digest)
    try:
        pair = function(example_shape, nz)
    except Exception as error:
        raise GandiagError(f"--model {import_path}: calling it with ({example_shape}, {nz}) "
                           f"raised {_first_line(error)}") from None
    if not (isinstance(pair, tuple) and len(pair) == 2
            and all(isinstance(module, nn.Module) for module in pair)):
        raise GandiagError(f"--model {import_path} returned {_describe(pair)}; it must return "
                           "(generator, discriminator), two flax.linen Modules")
    generator, discriminator = pair
    check_contract(generator, discriminator, example_shape, nz)
    return ModelPair(generator, FlatLogits(discriminator))


def _function(import_path: str, digest: str):
    module_name, _, name = import_path.rpartition(":")
    try:
        module = _import(module_name, digest)
    except GandiagError:
        raise
    except Exception as error:
        raise GandiagError(f"--model {import_path}: importing {module_name} raised "
                           f"{_first_line(error)}") from None
    function = getattr(module, name, None)
    if not callable(function):
        raise GandiagError(f"--model {import_path}: {module_name} defines no function {name!r}; "
                           "name the function that returns (G, D)")
    return function


def _import(module_name: str, digest: str):
    if not module_name.endswith(".py"):
        _find_module(module_name)
        module = importlib.import_module(module_name)
        # A notebook may edit the file between runs: the hash says which version to build.
        if _loaded.setdefault(module_name, digest) != digest:
            module = importlib.reload(module)
            _loaded[module_name] = digest
        return module
    path = pathlib.Path(module_name).expanduser().resolve()
    # One module per source version: Flax modules are dataclasses, which need their module
    # in sys.modules; a changed file gets a new name instead of a stale cached one.
    name = f"gandiag_user_model_{path.stem}_{digest[:12]}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


def check_contract(generator: nn.Module, discriminator: nn.Module,
                   example_shape: tuple[int, ...], nz: int) -> None:
    """Raise ``GandiagError``, in one line, at the first way G or D breaks the contract.

    Shapes, dtypes and collections are checked abstractly (``jax.eval_shape``: tracing,
    no compilation), so each failure is attributed to its module and mode; G's values
    (its range, finite outputs) then come from one compiled pass.
    """
    for role, module in (("G", generator), ("D", discriminator)):
        _require_train_argument(role, module)
    z = jax.ShapeDtypeStruct((CHECK_BATCH, nz), jnp.float32)
    g_variables = _initialised("G", generator, z, f"z of shape {z.shape}")
    for train in (True, False):
        _check_example_shape(_run("G", generator, g_variables, z, train), example_shape, train)
    examples = jax.ShapeDtypeStruct((CHECK_BATCH, *example_shape), jnp.float32)
    d_variables = _initialised("D", discriminator, examples,
                               f"examples of shape {examples.shape}")
    for train in (True, False):
        _check_logit_shape(_run("D", discriminator, d_variables, examples, train), train)
    _check_values(generator, nz, is_image=len(example_shape) == 3)


def _require_train_argument(role: str, module: nn.Module) -> None:
    parameters = inspect.signature(type(module).__call__).parameters
    takes_keywords = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    if "train" not in parameters and not takes_keywords:
        arguments = ", ".join(parameters)
        raise GandiagError(f"{role} ({type(module).__name__}) has __call__({arguments}) with no "
                           f"`train` argument; define __call__(self, inputs, train: bool)")


def _initialised(role: str, module: nn.Module, inputs, what: str) -> dict:
    try:
        variables = jax.eval_shape(functools.partial(module.init, train=True),
                                   jax.random.key(1), inputs)
    except Exception as error:
        raise GandiagError(f"{role} ({type(module).__name__}) failed on {what}: "
                           f"{_first_line(error)}") from None
    extra = sorted(set(variables) - set(KEPT_COLLECTIONS))
    if extra:
        raise GandiagError(f"{role} ({type(module).__name__}) has the variable collection(s) "
                           f"{', '.join(extra)}; gandiag keeps only {', '.join(KEPT_COLLECTIONS)}"
                           " (put mutable state in batch_stats)")
    return dict(variables)


def _run(role: str, module: nn.Module, variables: dict, inputs, train: bool):
    try:
        return jax.eval_shape(functools.partial(_apply, module, train=train), variables, inputs)
    except Exception as error:
        raise GandiagError(f"{role} ({type(module).__name__}) failed with train={train}: "
                           f"{_first_line(error)}") from None


def _apply(module: nn.Module, variables: dict, inputs, train: bool):
    if train:
        return module.apply(variables, inputs, train=True, mutable=["batch_stats"])[0]
    return module.apply(variables, inputs, train=False)


def _check_example_shape(examples, example_shape: tuple[int, ...], train: bool) -> None:
    expected = (CHECK_BATCH, *example_shape)
    where = f"G's output (train={train})"
    if not hasattr(examples, "shape") or tuple(examples.shape) != expected:
        raise GandiagError(f"{where} has shape {_shape(examples)}; it must be {expected} "
                           f"(batch, {', '.join(map(str, example_shape))}"
                           f"{', NHWC' if len(example_shape) == 3 else ''})")
    if examples.dtype != jnp.float32:
        raise GandiagError(f"{where} has dtype {examples.dtype}; it must be float32 (cast the "
                           "last layer's output)")


def _check_logit_shape(logits, train: bool) -> None:
    where = f"D's output (train={train})"
    if not hasattr(logits, "shape") or tuple(logits.shape) not in ((CHECK_BATCH,),
                                                                   (CHECK_BATCH, 1)):
        raise GandiagError(f"{where} has shape {_shape(logits)}; it must be one logit per "
                           f"example, ({CHECK_BATCH},) or ({CHECK_BATCH}, 1)")
    if not jnp.issubdtype(logits.dtype, jnp.floating):
        raise GandiagError(f"{where} has dtype {logits.dtype}; logits are floating point")


def _check_values(generator: nn.Module, nz: int, is_image: bool) -> None:
    """G's samples on random z, in both modes, checked by value (D's logits on real data
    are checked where they count: training stops at the first non-finite loss)."""

    @jax.jit
    def samples(key):
        z = jax.random.normal(key, (CHECK_BATCH, nz))
        variables = generator.init(key, z, train=True)
        return {train: _apply(generator, variables, z, train) for train in (True, False)}

    examples = jax.device_get(samples(jax.random.key(0)))
    for train in (True, False):
        where = f"G's output (train={train})"
        values = np.asarray(examples[train])
        if not np.all(np.isfinite(values)):
            raise GandiagError(f"{where} is not finite (NaN or inf) on random z")
        if is_image and np.max(np.abs(values)) > 1 + RANGE_TOLERANCE:
            raise GandiagError(f"{where} spans [{values.min():.3g}, {values.max():.3g}]; "
                               "images must lie in [-1, 1] (end G with tanh)")


def _shape(value) -> str:
    shape = getattr(value, "shape", None)
    return str(tuple(shape)) if shape is not None else f"none (a {type(value).__name__})"


def _describe(value) -> str:
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} ({', '.join(type(v).__name__ for v in value)})"
    return f"a {type(value).__name__}"


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
