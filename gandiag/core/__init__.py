"""Models, layers, losses, the GAN state and the jitted steps: everything that runs on device."""
