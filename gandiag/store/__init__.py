"""The run directory: its layout, JSON records and summaries, checkpoints and run pointers.

``layout``, ``records`` and ``schema`` need neither JAX nor NumPy, so ``analysis`` and
``views`` read runs through them; ``checkpoints`` and ``fetch`` bring in JAX.
"""
