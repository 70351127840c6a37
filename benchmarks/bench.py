"""Run every benchmark, print the table and write ``reports/bench.json``.

``python -m benchmarks.bench [--threads N] [--quick] [--no-pipeline] [--out PATH]``; ``nox -s bench``
runs it with the defaults. See ``benchmarks/README.md`` for what is measured and the JSON schema.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from benchmarks import audit, initializers, pipeline, training
from benchmarks.figures import table, write

OUT = Path(__file__).resolve().parent.parent / "reports" / "bench.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads for numpy's BLAS and torch alike (default 1: CPU time then measures the "
        "work, unaffected by other processes sharing the machine; 0 keeps numpy's count)",
    )
    parser.add_argument("--quick", action="store_true", help="skip the 4096x4096 shape")
    parser.add_argument("--no-pipeline", action="store_true", help="skip figure 4")
    parser.add_argument("--out", type=Path, default=OUT, help=f"JSON output (default {OUT})")
    args = parser.parse_args(argv)
    if args.threads < 0:
        parser.error(f"--threads must be >= 0, got {args.threads}")
    # Imported after the arguments are checked: it needs the bench extra (threadpoolctl), and a
    # bad option should say so in any environment.
    from benchmarks import machine

    started = time.perf_counter()
    threads = machine.pin_threads(args.threads or None)
    torch = machine.torch_or_none(threads)
    info = machine.machine()
    clock = time.process_time if threads == 1 else time.perf_counter
    shapes = initializers.QUICK_SHAPES if args.quick else initializers.SHAPES
    figures, rows, skipped = initializers.run(torch, clock, shapes)
    figures += training.run(torch, clock)
    audited, missing = audit.run(torch, clock)
    figures += audited
    skipped += missing
    if torch is None:
        skipped.append({"group": "torch", "name": "all", "reason": "torch is not installed"})
    if not args.no_pipeline:
        more, missing = pipeline.run()
        figures += more
        skipped += missing
    info |= {
        "threads": threads,
        "clock": clock.__name__,
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "bench_wall_s": round(time.perf_counter() - started, 1),
    }
    print(table(figures))
    print()
    print(initializers.table(rows))
    for s in skipped:
        print(f"not measured: {s['group']} {s['name']} {s.get('shape', '')}: {s['reason']}")
    missed = [r for r in rows if r.met is False] + [
        f for f in figures if f.met is False and not f.group.startswith("init")
    ]
    print(
        f"{len(figures)} figures, {len(rows)} initializer rows, {len(missed)} missing a goal; threads {threads}, clock "
        f"{clock.__name__}, load {info['load_average_1m_at_start']} -> "
        f"{info['load_average_1m_at_end']}, {info['bench_wall_s']} s -> {args.out}"
    )
    write(args.out, figures, info, machine.versions(), skipped, [r.as_dict() for r in rows])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
