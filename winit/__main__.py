"""``python -m winit`` (also the ``winit`` script): one subcommand per tool.

Each command is imported only when called, so ``winit verify`` never loads the report's
jinja2/matplotlib. Add a command by adding a line to :data:`COMMANDS`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence


def _report(argv: Sequence[str]) -> int:
    try:
        from winit.report.render import main as report_main
    except ModuleNotFoundError as e:  # jinja2 or matplotlib: the optional report extra
        print(
            f"winit report: needs the report extra ({e.name} is not installed); install it with "
            "`pip install 'winit[report]'` (nox -s report does)",
            file=sys.stderr,
        )
        return 2
    return report_main(argv)


def _verify(argv: Sequence[str]) -> int:
    from winit.verify.cli import main as verify_main

    return verify_main(argv)


def _defaults(argv: Sequence[str]) -> int:
    from winit.verify.cli import defaults_main

    return defaults_main(argv)


def _audit(argv: Sequence[str]) -> int:
    from winit.audit.cli import main as audit_main

    return audit_main(argv)


COMMANDS: dict[str, tuple[Callable[[Sequence[str]], int], str]] = {
    "report": (_report, "render reports/index.html from reports/results.json"),
    "verify": (_verify, "check an initializer against its documented law (--list-laws)"),
    "defaults": (_defaults, "verify what a framework's layer initialises each parameter to"),
    "audit": (_audit, "check every tensor of a PyTorch model against the law its code names"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch ``argv`` (default: the command line) to a subcommand; 2 on a usage error."""
    args = list(sys.argv[1:] if argv is None else argv)
    usage = (
        "usage: winit {"
        + ",".join(COMMANDS)
        + "} ...\n"
        + "\n".join(f"  {name:8} {text}" for name, (_, text) in COMMANDS.items())
    )
    if not args:
        print(
            f"winit: missing command; known: {', '.join(COMMANDS)} (winit --help)", file=sys.stderr
        )
        return 2
    if args[0] in ("-h", "--help"):
        print(usage)
        return 0
    command = COMMANDS.get(args[0])
    if command is None:
        print(f"winit: unknown command {args[0]!r}; known: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    return command[0](args[1:])


if __name__ == "__main__":
    sys.exit(main())
