"""What the figures were measured on: the machine, its load, the BLAS and the versions; and the
thread count shared by numpy's BLAS and PyTorch."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

from threadpoolctl import threadpool_info, threadpool_limits

PACKAGES = ("winit", "numpy", "scipy", "torch", "threadpoolctl", "pytest", "hypothesis")


def blas_threads() -> int:
    """The number of threads numpy's BLAS uses now (the most over its libraries)."""
    counts = [int(p["num_threads"]) for p in threadpool_info() if p["user_api"] == "blas"]
    return max(counts, default=1)


def pin_threads(threads: int | None) -> int:
    """Limit numpy's BLAS to ``threads`` (None: keep its count) and return the count; PyTorch is
    given the same count by :func:`torch_or_none`."""
    if threads is not None:
        threadpool_limits(limits=threads, user_api="blas")
    return blas_threads()


def torch_or_none(threads: int) -> Any:
    """The ``torch`` module limited to ``threads`` intra-op threads, or None if not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def machine() -> dict[str, Any]:
    """CPU count, platform, Python, the load average and numpy's thread pools."""
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": sys.version.split()[0],
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        "threadpools": [
            {
                k: p.get(k)
                for k in ("user_api", "internal_api", "version", "num_threads", "architecture")
            }
            for p in threadpool_info()
        ],
    }


def versions() -> dict[str, str | None]:
    """Installed versions of the packages the figures depend on (None: not installed)."""
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found
