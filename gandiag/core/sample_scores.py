"""A final D's logit on every held-out sample, for `gandiag ablate`'s concentration study."""

import jax

from gandiag.config import ProbeConfig
from gandiag.core.artefacts import transform_inputs
from gandiag.core.instance_noise import add_noise
from gandiag.core.networks import Networks, generate
from gandiag.core.state import NetworkState


def make_sample_scores(networks: Networks, probe: ProbeConfig):
    """Jitted ``(d, g_variables, real, key, sigma) -> (real_logits, fake_logits, fake)``.

    The same fakes, inputs and running statistics as ``probe_step.make_evaluation`` with
    the same key, so that the mean per-sample cross-entropy is its held-out error; ``fake``
    as D sees it (after ``probe.inputs``, before instance noise).
    """
    train_generator = probe.g_mode == "train"

    def scores(d: NetworkState, g_variables, real, key, sigma):
        z_key, real_key, fake_key = jax.random.split(key, 3)
        fake = generate(networks, g_variables, z_key, real.shape[0], train_generator)
        real, fake = transform_inputs(real, fake, jax.random.fold_in(key, 1), probe.inputs)
        real_logits = networks.discriminate(d.params, d.stats,
                                            add_noise(real, sigma, real_key, probe.noise_dist),
                                            False)[0]
        fake_logits = networks.discriminate(d.params, d.stats,
                                            add_noise(fake, sigma, fake_key, probe.noise_dist),
                                            False)[0]
        return real_logits, fake_logits, fake

    return jax.jit(scores)
