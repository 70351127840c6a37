"""Root pytest configuration: its presence puts the repository root on ``sys.path`` (so tests
import ``tests.*`` helpers). The winit plugin (``claim`` marker, ``evidence`` fixture,
``--winit-results``, the hypothesis profiles) loads through its ``pytest11`` entry point, as in
any project that installs winit."""
