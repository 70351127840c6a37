"""Root pytest configuration: the winit plugin (``claim`` marker, ``evidence`` fixture,
``--winit-results``, the hypothesis profiles ``ci|dev|thorough|flake|mutants``)."""

pytest_plugins = ["winit.claims.plugin"]
