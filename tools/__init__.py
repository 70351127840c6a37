"""The project's own tools, run by nox sessions: the flake measurement (``flake``), the mutation
catalogue (``mutants``) and the report's browser check (``browser_check``). Not part of the
installed package; tested under ``tests/``."""
