"""Data parallelism: one 1-D mesh over the batch axis, on every local device of every process.

Parameters, optimiser states and batch statistics are replicated; the batches drawn
inside a step are constrained to be split along the mesh, so ``jit`` (GSPMD) runs each
device on its slice and inserts the reductions. BatchNorm's batch mean and variance are
therefore means over the global batch, whatever the device count: a run gives the same
numbers, up to rounding, on 1 device or on 8. With one device in one process there is no
mesh at all, and the steps compile exactly as they would without this module.

Many hosts: ``jax.distributed`` joins the processes (from SLURM, Open MPI or cloud TPU
environments, or from an explicit coordinator); the mesh then spans every process's
devices, every host value becomes a global array, and only process 0 writes files.
"""

import dataclasses

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from gandiag.config import ParallelConfig
from gandiag.errors import GandiagError

BATCH_AXIS = "batch"
# A data set up to this size (bytes) is copied to every device, so that drawing a batch
# needs no communication; a larger one is split over the devices along its examples.
REPLICATE_DATA_BELOW = 1 << 30


@dataclasses.dataclass(frozen=True)
class Parallel:
    """How a run places its arrays: ``mesh`` None is one device, the old path untouched."""

    mesh: Mesh | None = None

    @property
    def devices(self) -> int:
        """Devices the batch is split over (all processes together)."""
        return 1 if self.mesh is None else self.mesh.size

    @property
    def primary(self) -> bool:
        """Whether this process writes the run's files (process 0)."""
        return jax.process_index() == 0

    def barrier(self, name: str) -> None:
        """With several processes, wait until every one of them gets here."""
        if jax.process_count() > 1:
            multihost_utils.sync_global_devices(name)

    def split_batch(self, batch: jax.Array) -> jax.Array:
        """Inside a step: ``batch`` split along the mesh by its first axis."""
        if self.mesh is None:
            return batch
        return jax.lax.with_sharding_constraint(batch, self._sharding(PartitionSpec(BATCH_AXIS)))

    def jit(self, function, **options):
        """``jax.jit``, with every output replicated when there is a mesh (so a donated
        state comes back as it went in, and the next call does not recompile)."""
        if self.mesh is not None:
            options["out_shardings"] = self._sharding(PartitionSpec())
        return jax.jit(function, **options)

    def replicate(self, tree):
        """A pytree of host or single-device arrays, as global arrays on every device.

        Without a mesh, the arrays are committed to the one device: a fresh state then
        enters a step as its outputs (committed, like a restored G) come back, and the
        step is not compiled a second time for the difference.
        """
        if self.mesh is None:
            return jax.device_put(tree, jax.local_devices()[0])
        sharding = self._sharding(PartitionSpec())
        return jax.tree_util.tree_map(lambda leaf: _global_array(leaf, sharding), tree)

    def put_data(self, array: np.ndarray) -> jax.Array:
        """A whole data set on the devices: replicated if small, else split by examples."""
        if self.mesh is None:
            return jax.device_put(array)
        split = array.nbytes > REPLICATE_DATA_BELOW and len(array) % self.devices == 0
        spec = PartitionSpec(BATCH_AXIS) if split else PartitionSpec()
        return _global_array(array, self._sharding(spec))

    def check_batch(self, batch_size: int) -> None:
        """A one-line error unless ``batch_size`` splits evenly over the devices."""
        if batch_size % self.devices:
            raise GandiagError(f"batch size {batch_size} does not split over {self.devices} "
                               f"devices; pass a --batch-size that is a multiple of "
                               f"{self.devices}, or fewer --devices")

    def _sharding(self, spec: PartitionSpec) -> NamedSharding:
        return NamedSharding(self.mesh, spec)


def _global_array(value, sharding: NamedSharding) -> jax.Array:
    host = np.asarray(value)
    return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])


def setup(config: ParallelConfig) -> Parallel:
    """Join the other processes if asked, and build the mesh over the chosen devices."""
    _join(config)
    local = jax.local_devices()
    count = len(local) if config.devices is None else config.devices
    if count > len(local):
        raise GandiagError(f"--devices {count} is more than the {len(local)} local "
                           f"{local[0].platform} device(s); pass at most {len(local)}, or "
                           "leave it out for all")
    if count == 1 and jax.process_count() == 1:
        return Parallel()
    by_process = {}
    for device in sorted(jax.devices(), key=lambda d: (d.process_index, d.id)):
        by_process.setdefault(device.process_index, []).append(device)
    chosen = [device for devices in by_process.values() for device in devices[:count]]
    return Parallel(Mesh(np.array(chosen), (BATCH_AXIS,)))


def _join(config: ParallelConfig) -> None:
    """``jax.distributed.initialize`` once, before any computation, when asked to."""
    if jax.distributed.is_initialized():
        return
    if config.coordinator is not None:
        jax.distributed.initialize(config.coordinator, config.num_processes, config.process_id)
    elif config.distributed:
        try:
            jax.distributed.initialize()
        except (ValueError, RuntimeError) as error:
            raise GandiagError(f"--distributed: no cluster found to join ({error}); run it "
                               "under SLURM, Open MPI or on a TPU pod, or pass --coordinator "
                               "HOST:PORT --num-processes N --process-id I") from None
