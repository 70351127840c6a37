"""Root pytest configuration: hypothesis profiles (``--hypothesis-profile ci|dev|thorough``) and
the winit plugin (``claim`` marker, ``evidence`` fixture)."""

import properties.budget  # noqa: F401  (registers the hypothesis profiles)

pytest_plugins = ["winit.report.plugin"]
