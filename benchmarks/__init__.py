"""Benchmarks of winit's core (``nox -s bench``): initializers against the RNG and PyTorch,
training steps against PyTorch, and the pipeline's wall time. Not part of the library."""
