"""Data sets and their file readers: images as float32 NHWC in [-1, 1], toys as points."""
