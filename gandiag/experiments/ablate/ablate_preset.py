"""The ablate preset of each data set: the sizes every study of `gandiag ablate` runs at."""

import dataclasses

from gandiag.config import AblateConfig, ProbeConfig
from gandiag.data import datasets


def preset(dataset: str) -> AblateConfig:
    """The ablate preset of a data set: every study in 30-35 minutes on a quiet 2-core CPU.

    For: the question why D becomes perfect against some Gs and not others. Sizes fixed
      before any ablation ran: the epoch-1 and epoch-25 Gs only (the contrast asked
      about; epoch 10 dropped), 3 D seeds (the fewest the spec's rule can judge with),
      250 D iterations (not the paper's 4000: the in-batch accuracy passes 0.99 within
      ~50), 256 held-out reals per evaluation. R1 with gamma 10. Memorisation: 1,000 and
      3,000 real images beside all of them (the digits: 1,000 and all 1,497).
      Concentration: the baseline again with the same epochs, iterations and seeds, since
      its verdict needs the 3 seeds and the same Gs as the other studies; its per-sample
      logits on the 256 held-out reals and as many fakes (the worst 1% is 3 samples a
      side); exact nearest neighbours among all of D's training reals cost 0.3 s per D
      against MNIST's 9,000 (measured on the loaded 2-core CPU): the study adds about one
      variant's time.
      Length-optimiser: the epoch-25 G only (where D's loss stopped at ~1e-3 on MNIST),
      2,000 D iterations per variant (not 20,000: 4 variants x 3 seeds of them would take
      hours on 2 cores; the spec's slope rule says INCONCLUSIVE when this length is too
      noisy to place the slope), 3 seeds. Resolution: every side the data set has of
      16, 32, 64 (the digits: 16 and 32); the digits at epochs 1 and 25 (a G trains 25
      epochs of 1,497 images in minutes), MNIST at epoch 1 only (the G whose gradient
      vanishes by 3.5 orders; 25 epochs of a 64-pixel DCGAN on 10,000 images would not fit
      the time, an estimate, not measured).
    Command: gandiag ablate RUN_DIR   (the run of `gandiag train`, 32x32, saved at 1 and 25)
    Expected time: measured on the quiet 2-core dev CPU (matmul 375-415 GFLOP/s), every
      study in one command: MNIST test split 2,110 s, the digits 1,796 s (README).
    """
    held_out = 300 if dataset == "digits" else 1000
    config = AblateConfig(probe=ProbeConfig(epochs=(1, 25), iters=250, seeds=3, eval_size=256,
                                            held_out=held_out))
    digits = dataset == "digits"
    return dataclasses.replace(
        config, length_iters=2000, length_epochs=(25,),
        resolution_sizes=tuple(s for s in (16, 32, 64) if s in datasets.IMAGE_SIZES.get(
            dataset, (16, 32, 64))),
        resolution_epochs=(1, 25) if digits else (1,))
