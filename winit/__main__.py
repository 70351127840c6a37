"""``python -m winit`` (also the ``winit`` script): one subcommand per tool.

Each command is imported only when called, so ``winit verify`` never loads the report's
jinja2/matplotlib. Add a command by adding a line to :data:`COMMANDS`.

Every command exits 0 (pass), 1 (a check or the gate failed) or 2 (a usage error or bad input,
one line); here, for all of them, an error nobody anticipated is one line and exit
:data:`INTERNAL_ERROR`, an interruption (Ctrl-C) one line and exit :data:`INTERRUPTED`, and text
a terminal cannot encode (``LANG=C``) is escaped instead of failing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from winit.atomic import one_line

#: An unexpected error inside winit (a bug: never 1, which means a check failed).
INTERNAL_ERROR = 3
#: Interrupted (Ctrl-C), as a shell reports a SIGINT.
INTERRUPTED = 130


def _report(argv: Sequence[str]) -> int:
    try:
        from winit.report.cli import main as report_main
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
    escape_unencodable()
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
    return run(f"winit {args[0]}", command[0], args[1:])


def escape_unencodable() -> None:
    """Make stdout and stderr escape what their encoding cannot write (``LANG=C``,
    ``PYTHONIOENCODING=ascii``) instead of raising."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def run(prog: str, command: Callable[[Sequence[str]], int], argv: Sequence[str]) -> int:
    """``command(argv)``'s exit status; an interruption or an unexpected error is one line on
    stderr and :data:`INTERRUPTED` or :data:`INTERNAL_ERROR`."""
    escape_unencodable()
    try:
        return command(argv)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; outputs written so far are complete, none half-written",
              file=sys.stderr)  # fmt: skip
        return INTERRUPTED
    except Exception as e:
        print(f"{prog}: internal error (a bug in winit, please report it): "
              f"{type(e).__name__}: {one_line(e)}", file=sys.stderr)  # fmt: skip
        return INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
