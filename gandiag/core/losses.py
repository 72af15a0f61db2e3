"""GAN costs as small pure functions of the discriminator's logits.

Every cost is written with ``softplus`` so that values and gradients stay finite and
exact at logits of +-100 and beyond (``log(sigmoid(x))`` underflows to -inf there).

Generator costs are means of a per-sample function of the fake logit, kept separate
(``GeneratorCost.per_sample``) because the gradient probe needs exactly that: two
costs share one forward pass and differ only in the cotangent at D's logit.

Conventions (D(x) = sigmoid(logit)):
- discriminator costs take ``(real_logits, fake_logits)`` and are minimised by D;
- generator costs take ``fake_logits`` and are minimised by G; a relativistic one also
  takes the real logits, which are constants to G, so that it too is a per-sample function
  of the fake logit (of the margin fake - real).
"""

import dataclasses
from collections.abc import Callable

import jax
import jax.numpy as jnp

from gandiag.errors import GandiagError

Array = jax.Array


def cross_entropy(real_logits: Array, fake_logits: Array) -> Array:
    """D's binary cross-entropy, E_r[-log D(x)] + E_g[-log(1 - D(G(z)))].

    The sum of the two halves' means, as in the DCGAN reference (errD_real +
    errD_fake). At the optimal D it equals 2 log 2 - 2 JSD(P_r || P_g).
    """
    return jnp.mean(jax.nn.softplus(-real_logits)) + jnp.mean(jax.nn.softplus(fake_logits))


def wasserstein_critic(real_logits: Array, fake_logits: Array) -> Array:
    """The WGAN critic's cost, E_g[f(G(z))] - E_r[f(x)]."""
    return jnp.mean(fake_logits) - jnp.mean(real_logits)


def hinge_discriminator(real_logits: Array, fake_logits: Array) -> Array:
    """The hinge cost, E_r[max(0, 1 - f(x))] + E_g[max(0, 1 + f(G(z)))]."""
    return jnp.mean(jax.nn.relu(1.0 - real_logits)) + jnp.mean(jax.nn.relu(1.0 + fake_logits))


def least_squares_discriminator(real_logits: Array, fake_logits: Array) -> Array:
    """The LSGAN cost with targets 1 for real and 0 for fake (Mao et al. 2017)."""
    return 0.5 * jnp.mean(jnp.square(real_logits - 1.0)) + 0.5 * jnp.mean(jnp.square(fake_logits))


def relativistic_discriminator(real_logits: Array, fake_logits: Array) -> Array:
    """The relativistic pairing cost E[softplus(f(G(z)) - f(x))] (R3GAN; Jolicoeur-Martineau
    2019), each fake paired with the real of the same batch position."""
    return jnp.mean(jax.nn.softplus(fake_logits - real_logits))


def original_per_sample(fake_logits: Array) -> Array:
    """log(1 - D(G(z))) = -softplus(logit): the minimax cost the paper calls original."""
    return -jax.nn.softplus(fake_logits)


def minus_log_d_per_sample(fake_logits: Array) -> Array:
    """-log D(G(z)) = softplus(-logit): the non-saturating cost."""
    return jax.nn.softplus(-fake_logits)


def wasserstein_per_sample(fake_logits: Array) -> Array:
    """-f(G(z)), the WGAN generator cost (also the hinge-GAN generator cost)."""
    return -fake_logits


def least_squares_per_sample(fake_logits: Array) -> Array:
    """(f(G(z)) - 1)^2 / 2, the LSGAN generator cost."""
    return 0.5 * jnp.square(fake_logits - 1.0)


@dataclasses.dataclass(frozen=True)
class GeneratorCost:
    """A generator cost: the mean over the batch of a per-sample function of the logit."""

    name: str
    per_sample: Callable[[Array], Array]
    # Relativistic: ``per_sample`` is of the margin fake - real (the real logits paired by
    # batch position), so the cost needs the real logits too.
    relativistic: bool = False

    def __call__(self, fake_logits: Array, real_logits: Array | None = None) -> Array:
        if self.relativistic:
            # The real logits do not depend on G: constants to its gradient.
            fake_logits = fake_logits - jax.lax.stop_gradient(real_logits)
        return jnp.mean(self.per_sample(fake_logits))

    def logit_cotangent(self, fake_logits: Array, real_logits: Array | None = None) -> Array:
        """d(cost)/d(fake logits): what back-propagates from the logits into G."""
        return jax.grad(self)(fake_logits, real_logits)


@dataclasses.dataclass(frozen=True)
class GanCost:
    """A named pairing of a generator cost with the discriminator cost it is trained against."""

    name: str
    generator: GeneratorCost
    discriminator: Callable[[Array, Array], Array]
    gradient_penalty: float = 0.0


DISCRIMINATOR_COSTS: dict[str, Callable[[Array, Array], Array]] = {
    "cross-entropy": cross_entropy,
    "wasserstein": wasserstein_critic,
    "hinge": hinge_discriminator,
    "least-squares": least_squares_discriminator,
    "relativistic": relativistic_discriminator,
}

GENERATOR_COSTS: dict[str, GeneratorCost] = {
    name: GeneratorCost(name, per_sample)
    for name, per_sample in [
        ("original", original_per_sample),
        ("minus-log-d", minus_log_d_per_sample),
        ("wasserstein", wasserstein_per_sample),
        ("hinge", wasserstein_per_sample),
        ("least-squares", least_squares_per_sample),
    ]
}
# softplus(real - fake): the relativistic pairing for G is -log D on the margin fake - real.
GENERATOR_COSTS["relativistic"] = GeneratorCost("relativistic", minus_log_d_per_sample,
                                                relativistic=True)

# What `gandiag train --cost NAME` trains with. The gradient-penalty weight 10 is the
# value of Gulrajani et al. (2017).
GAN_COSTS: dict[str, GanCost] = {
    "original": GanCost("original", GENERATOR_COSTS["original"], cross_entropy),
    "minus-log-d": GanCost("minus-log-d", GENERATOR_COSTS["minus-log-d"], cross_entropy),
    "wasserstein": GanCost("wasserstein", GENERATOR_COSTS["wasserstein"], wasserstein_critic),
    "wasserstein-gp": GanCost(
        "wasserstein-gp", GENERATOR_COSTS["wasserstein"], wasserstein_critic, gradient_penalty=10.0
    ),
    "hinge": GanCost("hinge", GENERATOR_COSTS["hinge"], hinge_discriminator),
    "least-squares": GanCost(
        "least-squares", GENERATOR_COSTS["least-squares"], least_squares_discriminator
    ),
    # R3GAN's cost (Huang et al. 2024); its R1 and R2 penalties are --r1 and --r2.
    "relativistic": GanCost("relativistic", GENERATOR_COSTS["relativistic"],
                            relativistic_discriminator),
}


def _lookup(registry: dict, name: str, what: str):
    if name not in registry:
        raise GandiagError(f"unknown {what} {name!r}; choose one of: {', '.join(registry)}")
    return registry[name]


def gan_cost(name: str) -> GanCost:
    """The training cost called ``name`` (see ``GAN_COSTS``)."""
    return _lookup(GAN_COSTS, name, "cost")


def generator_cost(name: str) -> GeneratorCost:
    """The generator cost called ``name`` (see ``GENERATOR_COSTS``)."""
    return _lookup(GENERATOR_COSTS, name, "generator cost")


def gradient_penalty(critic: Callable[[Array], Array], real: Array, fake: Array,
                     key: Array) -> Array:
    """WGAN-GP's penalty E[(||grad_x f(x_hat)|| - 1)^2] on random interpolates x_hat.

    Args:
        critic: maps a batch of inputs to a batch of logits.
        real: a batch of real inputs.
        fake: a batch of generated inputs, same shape as ``real``.
        key: PRNG key for the interpolation weights.
    """
    weights_shape = (real.shape[0],) + (1,) * (real.ndim - 1)
    weights = jax.random.uniform(key, weights_shape, real.dtype)
    interpolates = weights * real + (1.0 - weights) * fake
    input_grads = jax.grad(lambda inputs: jnp.sum(critic(inputs)))(interpolates)
    norms = jnp.sqrt(jnp.sum(jnp.square(input_grads), axis=tuple(range(1, real.ndim))) + 1e-12)
    return jnp.mean(jnp.square(norms - 1.0))


def r1_penalty(critic: Callable[[Array], Array], real: Array, gamma: float) -> Array:
    """The R1 penalty gamma/2 E[||grad_x D(x)||^2] on real inputs (Mescheder et al. 2018).

    D(x) is the logit, as in the paper; the gradient of the batch's summed logits gives
    each example's own gradient when D treats examples independently. Given the fakes
    instead, it is R2, the same penalty on G's samples (R3GAN penalises both).
    """
    input_grads = jax.grad(lambda inputs: jnp.sum(critic(inputs)))(real)
    return 0.5 * gamma * jnp.mean(jnp.sum(jnp.square(input_grads),
                                          axis=tuple(range(1, real.ndim))))


def accuracy(real_logits: Array, fake_logits: Array) -> Array:
    """D's accuracy on a balanced batch: real called real (logit > 0), fake called fake."""
    return 0.5 * (jnp.mean(real_logits > 0) + jnp.mean(fake_logits < 0))
