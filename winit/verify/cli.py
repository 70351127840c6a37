"""``winit verify MODULE:ATTR --law NAME [...]`` and ``winit defaults SPEC``: the command-line
faces of :func:`winit.verify` and :func:`winit.verify.defaults.layer_defaults`. How both end
(exit statuses, one-line errors, the ``--json`` record of a run that did not complete) is
:mod:`winit.verify.command`.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from typing import Any

from winit._validate import Shape
from winit.verify.adapters import CONVENTIONS, load
from winit.verify.api import verify
from winit.verify.command import Parser, UsageError, emit, exit_help, run, write_json
from winit.verify.guard import DEFAULT_TIMEOUT
from winit.verify.laws import describe_laws
from winit.verify.layouts import LAYOUTS
from winit.verify.result import render

PROG = "winit verify"


def _conventions_help() -> str:
    return "calling conventions (--convention; auto detects from the callable):\n" + "\n".join(
        f"  {c.name:<11} {c.summary}" for c in CONVENTIONS.values()
    )


def _axes(text: str) -> list[int]:
    try:
        return [int(a) for a in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"axes must be comma-separated ints, got {text!r}"
        ) from None


def _timeout(text: str) -> float | None:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise argparse.ArgumentTypeError(
            f"--timeout must be a number of seconds >= 0 (0: no limit), got {text!r}"
        )
    return seconds or None


def common_options(p: Parser) -> None:
    """The options both commands take."""
    p.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    p.add_argument(
        "--timeout", type=_timeout, default=DEFAULT_TIMEOUT, metavar="SECONDS",
        help=f"seconds each call of the code under check may take (default {DEFAULT_TIMEOUT:g}; "
        "0: no limit); past it, exit 5",
    )  # fmt: skip


def _parser() -> Parser:
    p = Parser(
        prog=PROG, description="Check an initializer against the law it documents.",
        epilog=f"{_conventions_help()}\n\n{exit_help()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    p.add_argument("initializer", nargs="?", help="MODULE:ATTR, e.g. winit:he_normal")
    p.add_argument("--law", help="the documented law (see --list-laws)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a law parameter, also passed to the initializer if it accepts it")  # fmt: skip
    p.add_argument("--shapes", help="comma-separated shapes like 256x128,64x32x3x3")
    common_options(p)
    p.add_argument(
        "--layout",
        choices=tuple(LAYOUTS),
        help="where the shape keeps in/out: "
        + "; ".join(a.describe() for a in LAYOUTS.values())
        + " (default: the convention's own)",
    )
    p.add_argument("--in-axis", type=_axes, help="explicit input axes, e.g. -2 or 0,1")
    p.add_argument("--out-axis", type=_axes, help="explicit output axes, e.g. -1")
    p.add_argument("--batch-axis", type=_axes, default=[], help="axes left out of the fans")
    p.add_argument(
        "--convention",
        default="auto",
        help="force a calling convention (listed below; default auto)",
    )
    p.add_argument(
        "--rename",
        action="append",
        default=[],
        metavar="PARAM=NAME",
        help="pass law parameter PARAM under the callable's name NAME, e.g. value=val",
    )
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    p.add_argument(
        "--expect", choices=("pass", "fail"), default="pass",
        help="fail: the initializer is known not to follow this law (a documented finding); "
        "exit 0 when it fails as expected, 1 when it passes (recorded in --json)",
    )  # fmt: skip
    p.add_argument("--list-laws", action="store_true", help="print the known laws and exit")
    return p


def parse_shapes(text: str) -> list[Shape]:
    """``"256x128,64x32x3x3"`` → ``[(256, 128), (64, 32, 3, 3)]``, or a one-line ``ValueError``."""
    if not text.strip():
        raise ValueError(
            "--shapes is empty; write e.g. 256x128,64x32x3x3 (omit it for the defaults)"
        )
    shapes = []
    for part in text.split(","):
        try:
            dims = tuple(int(d) for d in part.strip().lower().split("x"))
        except ValueError:
            raise ValueError(
                f"bad shape {part!r} in --shapes; write e.g. 256x128,64x32x3x3"
            ) from None
        if any(d <= 0 for d in dims):
            raise ValueError(f"bad shape {part!r} in --shapes: dimensions must be positive")
        shapes.append(dims)
    return shapes


def parse_params(items: Sequence[str], option: str = "--param") -> dict[str, str]:
    """``["gain=2", ...]`` → ``{"gain": "2"}`` (values are converted by the law's table)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{option} must be KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def _verify(args: argparse.Namespace) -> int:
    if args.list_laws:
        if args.json is not None:
            raise UsageError("--list-laws prints the laws and writes no --json; drop one of them")
        emit(describe_laws(), sys.stdout)
        return 0
    if not args.initializer or not args.law:
        raise UsageError("give an initializer MODULE:ATTR and --law NAME (or --list-laws)")
    fn = load(args.initializer)
    params: dict[str, Any] = parse_params(args.param)
    result = verify(
        fn,
        args.law,
        shapes=parse_shapes(args.shapes) if args.shapes is not None else None,
        seed=args.seed,
        layout=args.layout,
        in_axis=args.in_axis,
        out_axis=args.out_axis,
        batch_axis=args.batch_axis,
        convention=args.convention,
        renames=parse_params(args.rename, "--rename"),
        name=args.initializer,
        **params,
    )
    emit(render(result), sys.stdout)
    if args.json is not None:
        write_json(args.json, {**result.as_dict(), "expected": args.expect})
    return 0 if result.passed == (args.expect == "pass") else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``winit verify``; returns the exit status (:data:`~winit.verify.command.EXIT_STATUSES`)."""

    def record(args: argparse.Namespace | None) -> dict[str, object]:
        # no "expected": a run that did not complete fails the gate whatever was expected
        return {
            "initializer": getattr(args, "initializer", None),
            "law": getattr(args, "law", None),
        }

    return run(PROG, _parser(), argv, _verify, record)


def _defaults_parser() -> Parser:
    p = Parser(
        prog="winit defaults", description="What a layer's parameters really initialise to.",
        epilog=exit_help(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    p.add_argument("layer", help="MODULE:Layer(args), e.g. 'torch.nn:Conv2d(32, 64, 3, groups=4)'")
    p.add_argument("--in-features", type=int, default=128,
                   help="input width for layers built on an input (keras, flax; default 128)")  # fmt: skip
    common_options(p)
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    return p


def _defaults(args: argparse.Namespace) -> int:
    from winit.verify.defaults import layer_defaults
    from winit.verify.defaults import render as render_defaults

    if args.in_features <= 0:
        raise UsageError(f"--in-features must be positive, got {args.in_features}")
    reports = layer_defaults(args.layer, seed=args.seed, in_features=args.in_features)
    emit(render_defaults(args.layer, reports), sys.stdout)
    if args.json is not None:
        payload = {
            "layer": args.layer,
            "seed": args.seed,
            "parameters": [r.as_dict() for r in reports],
        }
        write_json(args.json, payload)
    return 0 if all(r.passed for r in reports) else 1


def defaults_main(argv: Sequence[str] | None = None) -> int:
    """Run ``winit defaults SPEC``; returns the exit status (:data:`~winit.verify.command.EXIT_STATUSES`; 1: a
    parameter fails its documented law)."""

    def record(args: argparse.Namespace | None) -> dict[str, object]:
        return {"layer": getattr(args, "layer", None), "parameters": []}

    return run("winit defaults", _defaults_parser(), argv, _defaults, record)
