"""Tests of gandiag.losses: every cost against textbook formulas, at sane and extreme logits.

The references below are written in float64 numpy straight from the formulas
(log(sigmoid), log(1 - sigmoid), ...), independently of the softplus forms in the
library. Every test is parametrized over the registries, so a cost added to them
without a reference here fails loudly instead of going untested.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import expit, log_expit

from gandiag.core import losses
from gandiag.errors import GandiagError

# Moderate logits, where the textbook formulas are exact in float64.
REAL_LOGITS = np.array([2.0, -0.5, 0.0, 1.5, -3.0, 0.25], np.float32)
FAKE_LOGITS = np.array([-1.0, 0.5, -2.5, 3.0, 0.0, -0.75], np.float32)
EXTREME_LOGITS = [100.0, -100.0, 1e3, -1e3, 1e4, -1e4]


def _sigmoid(logits):
    return 1.0 / (1.0 + np.exp(-np.asarray(logits, np.float64)))


# Textbook closed forms, as functions of float64 arrays.
DISCRIMINATOR_REFERENCES = {
    "cross-entropy": lambda r, f: (np.mean(-np.log(_sigmoid(r)))
                                   + np.mean(-np.log(1.0 - _sigmoid(f)))),
    "wasserstein": lambda r, f: np.mean(f) - np.mean(r),
    "hinge": lambda r, f: np.mean(np.maximum(0.0, 1.0 - r)) + np.mean(np.maximum(0.0, 1.0 + f)),
    "least-squares": lambda r, f: 0.5 * np.mean((r - 1.0) ** 2) + 0.5 * np.mean(f ** 2),
    "relativistic": lambda r, f: np.mean(-np.log(1.0 - _sigmoid(f - r))),
}
# A relativistic generator cost is a function of the margin fake - real (``_margin``).
GENERATOR_REFERENCES = {
    "original": lambda f: np.mean(np.log(1.0 - _sigmoid(f))),
    "minus-log-d": lambda f: np.mean(-np.log(_sigmoid(f))),
    "wasserstein": lambda f: np.mean(-f),
    "hinge": lambda f: np.mean(-f),
    "least-squares": lambda f: 0.5 * np.mean((f - 1.0) ** 2),
    "relativistic": lambda margin: np.mean(-np.log(_sigmoid(margin))),
}

# Analytic derivatives of the per-sample functions, written stably (expit never
# overflows) so they hold at logits of +-1e4: the cost's gradient is these over B.
GENERATOR_DERIVATIVES = {
    "original": lambda f: -expit(f),
    "minus-log-d": lambda f: -expit(-f),
    "wasserstein": lambda f: -np.ones_like(f),
    "hinge": lambda f: -np.ones_like(f),
    "least-squares": lambda f: f - 1.0,
    "relativistic": lambda margin: -expit(-margin),
}
# d/dr and d/df of the per-sample discriminator terms.
DISCRIMINATOR_DERIVATIVES = {
    "cross-entropy": (lambda r, f: -expit(-r), lambda r, f: expit(f)),
    "wasserstein": (lambda r, f: -np.ones_like(r), lambda r, f: np.ones_like(f)),
    "hinge": (lambda r, f: -(r < 1.0).astype(np.float64),
              lambda r, f: (f > -1.0).astype(np.float64)),
    "least-squares": (lambda r, f: r - 1.0, lambda r, f: f),
    "relativistic": (lambda r, f: -expit(f - r), lambda r, f: expit(f - r)),
}
# Stable float64 values of the discriminator costs, for the extreme logits.
DISCRIMINATOR_STABLE = {
    "cross-entropy": lambda r, f: np.mean(-log_expit(r)) + np.mean(-log_expit(-f)),
    **{name: DISCRIMINATOR_REFERENCES[name] for name in ("wasserstein", "hinge", "least-squares")},
    "relativistic": lambda r, f: np.mean(-log_expit(r - f)),
}
GENERATOR_STABLE = {
    "original": lambda f: np.mean(log_expit(-f)),
    "minus-log-d": lambda f: np.mean(-log_expit(f)),
    "relativistic": lambda margin: np.mean(-log_expit(margin)),
    **{name: GENERATOR_REFERENCES[name] for name in ("wasserstein", "hinge", "least-squares")},
}


def _reference(table: dict, name: str):
    if name not in table:
        pytest.fail(f"cost {name!r} has no reference in this test; add its closed form")
    return table[name]


def _as64(array) -> np.ndarray:
    return np.asarray(array, np.float64)


def _margin(name: str, fake, real):
    """What a generator cost's reference is a function of: the fake logits, or for a
    relativistic cost the margin fake - real."""
    return fake - real if losses.GENERATOR_COSTS[name].relativistic else fake


def _extreme_batch(logit: float) -> np.ndarray:
    """A batch of 4 around ``logit``; all the same sign, so hinge kinks are avoided."""
    return np.float32(logit) * np.array([1.0, 1.0, 0.5, 2.0], np.float32)


@pytest.mark.parametrize("name", list(losses.DISCRIMINATOR_COSTS))
def test_discriminator_cost_matches_closed_form(name):
    expected = _reference(DISCRIMINATOR_REFERENCES, name)(_as64(REAL_LOGITS), _as64(FAKE_LOGITS))
    actual = losses.DISCRIMINATOR_COSTS[name](jnp.asarray(REAL_LOGITS), jnp.asarray(FAKE_LOGITS))
    np.testing.assert_allclose(float(actual), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", list(losses.GENERATOR_COSTS))
def test_generator_cost_matches_closed_form(name):
    margin = _margin(name, _as64(FAKE_LOGITS), _as64(REAL_LOGITS))
    expected = _reference(GENERATOR_REFERENCES, name)(margin)
    cost = losses.GENERATOR_COSTS[name]
    np.testing.assert_allclose(float(cost(jnp.asarray(FAKE_LOGITS), jnp.asarray(REAL_LOGITS))),
                               expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.asarray(cost.per_sample(jnp.asarray(margin, jnp.float32)))
                               .mean(), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", list(losses.GAN_COSTS))
def test_gan_cost_pairs_the_right_halves(name):
    gan_cost = losses.gan_cost(name)
    assert gan_cost.name == name
    real, fake = jnp.asarray(REAL_LOGITS), jnp.asarray(FAKE_LOGITS)
    generator_name = gan_cost.generator.name
    discriminator_name = next(key for key, value in losses.DISCRIMINATOR_COSTS.items()
                              if value is gan_cost.discriminator)
    np.testing.assert_allclose(
        float(gan_cost.generator(fake, real)),
        _reference(GENERATOR_REFERENCES, generator_name)(
            _margin(generator_name, _as64(FAKE_LOGITS), _as64(REAL_LOGITS))),
        rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        float(gan_cost.discriminator(real, fake)),
        _reference(DISCRIMINATOR_REFERENCES, discriminator_name)(_as64(REAL_LOGITS),
                                                                 _as64(FAKE_LOGITS)),
        rtol=1e-6, atol=1e-6)
    # Wasserstein-GP is the only cost with a penalty, at Gulrajani et al.'s weight of 10.
    assert gan_cost.gradient_penalty == (10.0 if name == "wasserstein-gp" else 0.0)


@pytest.mark.parametrize("name", list(losses.GENERATOR_COSTS))
@pytest.mark.parametrize("logit", EXTREME_LOGITS)
def test_generator_cost_finite_and_exact_at_extreme_logits(name, logit):
    fake = _extreme_batch(logit)
    cost = losses.GENERATOR_COSTS[name]
    # Real logits of 0: a relativistic cost's margin is then the fake logit itself.
    value, grad = jax.value_and_grad(cost)(jnp.asarray(fake), jnp.zeros(fake.shape))
    assert np.isfinite(float(value))
    assert np.all(np.isfinite(np.asarray(grad)))
    np.testing.assert_allclose(float(value), _reference(GENERATOR_STABLE, name)(_as64(fake)),
                               rtol=1e-5, atol=1e-6)
    expected_grad = _reference(GENERATOR_DERIVATIVES, name)(_as64(fake)) / fake.size
    # atol: float32 rounds -sigmoid(-100)/4 ~ -1e-44 to a denormal or to zero.
    np.testing.assert_allclose(np.asarray(grad, np.float64), expected_grad, rtol=1e-5, atol=1e-30)
    # A cost minimised by G never pushes in the wrong direction at a saturated D.
    assert np.all(np.sign(np.asarray(grad)) * np.sign(expected_grad) >= 0)


@pytest.mark.parametrize("name", list(losses.DISCRIMINATOR_COSTS))
@pytest.mark.parametrize("logit", EXTREME_LOGITS)
def test_discriminator_cost_finite_and_exact_at_extreme_logits(name, logit):
    real, fake = _extreme_batch(logit), _extreme_batch(-logit)
    cost = losses.DISCRIMINATOR_COSTS[name]
    value, (real_grad, fake_grad) = jax.value_and_grad(cost, argnums=(0, 1))(
        jnp.asarray(real), jnp.asarray(fake))
    assert np.isfinite(float(value))
    assert np.all(np.isfinite(np.asarray(real_grad))) and np.all(np.isfinite(np.asarray(fake_grad)))
    np.testing.assert_allclose(float(value),
                               _reference(DISCRIMINATOR_STABLE, name)(_as64(real), _as64(fake)),
                               rtol=1e-5, atol=1e-6)
    d_real, d_fake = _reference(DISCRIMINATOR_DERIVATIVES, name)
    np.testing.assert_allclose(np.asarray(real_grad, np.float64),
                               d_real(_as64(real), _as64(fake)) / real.size, rtol=1e-5, atol=1e-30)
    np.testing.assert_allclose(np.asarray(fake_grad, np.float64),
                               d_fake(_as64(real), _as64(fake)) / fake.size, rtol=1e-5, atol=1e-30)


@pytest.mark.parametrize("logit", [-100.0, -1e3, -1e4])
def test_original_cost_vanishes_where_minus_log_d_does_not(logit):
    """The paper's Theorem 2.4 vs 2.5: at a near-perfect D the original cost's gradient
    vanishes, while -log D keeps a gradient of 1 per sample (over the batch size)."""
    batch = 8
    fake = jnp.full((batch,), logit, jnp.float32)
    original = losses.generator_cost("original").logit_cotangent(fake)
    minus_log_d = losses.generator_cost("minus-log-d").logit_cotangent(fake)
    assert np.all(np.abs(np.asarray(original)) < 1e-40)
    np.testing.assert_allclose(np.abs(np.asarray(minus_log_d)), 1.0 / batch, rtol=1e-6)
    # And at a D fooled completely, the roles swap.
    fooled = -fake
    np.testing.assert_allclose(
        np.asarray(losses.generator_cost("original").logit_cotangent(fooled)), -1.0 / batch,
        rtol=1e-6)
    assert np.all(np.abs(np.asarray(losses.generator_cost("minus-log-d")
                                    .logit_cotangent(fooled))) < 1e-40)


@pytest.mark.parametrize("name", list(losses.GENERATOR_COSTS))
@pytest.mark.parametrize("logits", [FAKE_LOGITS, _extreme_batch(-100.0), _extreme_batch(1e4)],
                         ids=["moderate", "minus-100", "plus-1e4"])
def test_logit_cotangent_is_the_gradient(name, logits):
    cost = losses.generator_cost(name)
    real = jnp.zeros(logits.shape)
    np.testing.assert_array_equal(np.asarray(cost.logit_cotangent(jnp.asarray(logits), real)),
                                  np.asarray(jax.grad(cost)(jnp.asarray(logits), real)))
    np.testing.assert_allclose(
        np.asarray(cost.logit_cotangent(jnp.asarray(logits), real), np.float64),
        _reference(GENERATOR_DERIVATIVES, name)(_as64(logits)) / logits.size,
        rtol=1e-5, atol=1e-30)


@pytest.mark.parametrize("weight_norm, expected", [(1.0, 0.0), (3.0, 4.0), (0.5, 0.25)])
def test_gradient_penalty_of_a_linear_critic(weight_norm, expected):
    """grad_x <w, x> = w everywhere, so the penalty is (||w|| - 1)^2 on any interpolate."""
    shape = (5, 3, 2, 1)
    rng = np.random.default_rng(0)
    direction = rng.standard_normal(shape[1:])
    weights = jnp.asarray(weight_norm * direction / np.linalg.norm(direction), jnp.float32)

    def critic(inputs):
        return jnp.sum(inputs * weights, axis=(1, 2, 3))

    real = jnp.asarray(rng.standard_normal(shape), jnp.float32)
    fake = jnp.asarray(rng.standard_normal(shape), jnp.float32)
    penalty = losses.gradient_penalty(critic, real, fake, jax.random.key(3))
    np.testing.assert_allclose(float(penalty), expected, rtol=1e-5, atol=1e-6)


def test_gradient_penalty_on_points():
    weights = jnp.array([0.0, 2.0])
    penalty = losses.gradient_penalty(lambda points: points @ weights, jnp.ones((4, 2)),
                                      jnp.zeros((4, 2)), jax.random.key(0))
    np.testing.assert_allclose(float(penalty), 1.0, rtol=1e-6)


@pytest.mark.parametrize("real, fake, expected", [
    ([1.0, 2.0, 3.0, 4.0], [-1.0, -2.0, -3.0, -4.0], 1.0),
    ([-1.0, -2.0], [1.0, 2.0], 0.0),
    # 3 of 4 real called real, 2 of 4 fake called fake; a logit of exactly 0 is wrong both ways.
    ([1.0, -1.0, 2.0, 0.5], [-1.0, -2.0, 3.0, 0.0], 0.5 * (0.75 + 0.5)),
    ([0.0, 0.0], [0.0, 0.0], 0.0),
    ([100.0, -1e4], [-1e4, -1e4], 0.75),
])
def test_accuracy(real, fake, expected):
    actual = losses.accuracy(jnp.asarray(real, jnp.float32), jnp.asarray(fake, jnp.float32))
    np.testing.assert_allclose(float(actual), expected)


@pytest.mark.parametrize("lookup, registry", [
    (losses.gan_cost, losses.GAN_COSTS),
    (losses.generator_cost, losses.GENERATOR_COSTS),
])
def test_unknown_cost_name_is_a_one_line_error_listing_the_choices(lookup, registry):
    with pytest.raises(GandiagError) as error_info:
        lookup("minus-log-D")
    message = str(error_info.value)
    assert "\n" not in message
    assert "'minus-log-D'" in message
    for name in registry:
        assert name in message


@pytest.mark.parametrize("name", list(losses.GAN_COSTS))
def test_lookup_by_name_returns_the_registered_cost(name):
    assert losses.gan_cost(name) is losses.GAN_COSTS[name]


def test_relativistic_pairing_is_its_definition_and_zero_sum():
    """R3GAN: D minimises softplus(f - r), G softplus(r - f), pair by pair; at equal logits
    both are log 2, and G's cost is D's with real and fake swapped."""
    real, fake = jnp.asarray(REAL_LOGITS), jnp.asarray(FAKE_LOGITS)
    d_cost = losses.gan_cost("relativistic").discriminator(real, fake)
    g_cost = losses.gan_cost("relativistic").generator(fake, real)
    np.testing.assert_allclose(float(d_cost), np.mean(np.log1p(np.exp(_as64(FAKE_LOGITS)
                                                                      - _as64(REAL_LOGITS)))),
                               rtol=1e-6)
    np.testing.assert_allclose(float(g_cost), float(losses.relativistic_discriminator(fake, real)),
                               rtol=1e-6)
    np.testing.assert_allclose(float(losses.relativistic_discriminator(real, real)), np.log(2),
                               rtol=1e-6)
    # The real logits are constants to G: its cost has no gradient in them.
    real_gradient = jax.grad(losses.gan_cost("relativistic").generator, argnums=1)(fake, real)
    np.testing.assert_array_equal(np.asarray(real_gradient), 0.0)
