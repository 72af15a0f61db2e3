"""The commands' experiments: train, the frozen-G probes, add-noise, toy-noise, the paper."""
