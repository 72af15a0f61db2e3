"""The small convnet whose penultimate features give the FCD and KCD, and its jitted steps.

Three stride-2 convolutions (no pooling, no BatchNorm: its features must not depend on the
batch they are computed in) and a dense feature layer; cheap enough to train on 2 CPU
cores in about a minute.
"""

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

FEATURES = 64
WIDTHS = (32, 64, 64)
LEARNING_RATE = 2e-3
# Random shifts of up to this many pixels (wrapping round) while training: digits are
# centred, G's samples need not be exactly.
SHIFT = 2

class Classifier(nn.Module):
    """Images (N, H, W, C) in [-1, 1] -> (class logits, penultimate features)."""

    classes: int = 10

    @nn.compact
    def __call__(self, images):
        x = images
        for index, width in enumerate(WIDTHS):
            x = nn.relu(nn.Conv(width, (5, 5) if index == 0 else (3, 3), strides=(2, 2))(x))
        features = nn.relu(nn.Dense(FEATURES)(x.reshape(x.shape[0], -1)))
        return nn.Dense(self.classes)(features), features

def optimizer(steps: int) -> optax.GradientTransformation:
    """Adam with a cosine decay of its learning rate to zero over ``steps``."""
    return optax.adam(optax.cosine_decay_schedule(LEARNING_RATE, steps))

def init(classes: int, example_shape, key: jax.Array) -> dict:
    return Classifier(classes).init(key, jnp.zeros((1, *example_shape)))["params"]

def _shift(images: jax.Array, key: jax.Array) -> jax.Array:
    rows, cols = jax.random.randint(key, (2,), -SHIFT, SHIFT + 1)
    return jnp.roll(images, (rows, cols), axis=(1, 2))

def make_train_step(classes: int, steps: int):
    """``(params, opt_state, images, labels, key) -> (params, opt_state, loss)``, jitted:
    one step on the cross-entropy of a batch shifted at random."""
    tx = optimizer(steps)

    def train_step(params, opt_state, images, labels, key):
        def loss(p):
            logits, _ = Classifier(classes).apply({"params": p}, _shift(images, key))
            return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

        value, grads = jax.value_and_grad(loss)(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, value

    return jax.jit(train_step, donate_argnums=(0, 1))


@functools.partial(jax.jit, static_argnames=("classes",))
def predict(params, images, classes: int):
    """(predicted class, penultimate features) of a batch."""
    logits, features = Classifier(classes).apply({"params": params}, images)
    return jnp.argmax(logits, axis=-1), features
