"""torchvision and timm for the tests, beside the CPU torch the project pins.

The torchvision wheel the registry serves is built against the CUDA torch: its compiled ops
(``torchvision/_C.so``) need ``libtorch_cuda.so`` and do not load beside the CPU torch.
torchvision's own import is written to survive that (``torchvision.extension._has_ops()`` turns
False and every op then raises "Couldn't load custom C++ ops"), except for two decorators,
``torch.library.register_fake("torchvision::nms")`` and ``("torchvision::qnms")``, which need
the op's schema to exist and raise ``operator torchvision::nms does not exist``. timm imports
torchvision, so it fails the same way.

:func:`torchvision_or_skip` declares those two schemas (as the compiled library states them),
with no kernel, and imports torchvision again: its Python model code is all real, its C ops
still absent (calling ``nms`` raises). Used by tests only, never by winit. Where the guard does
not apply (torchvision missing, or failing for another reason) the test is skipped with the
reason.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any, NoReturn

import pytest

#: the schemas torchvision's import registers fake kernels for without checking its C ops loaded
SCHEMAS = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)
MISSING = "operator torchvision::"
#: the library object holding the declared schemas (they are dropped when it is collected)
_declared: list[Any] = []


def _forget_torchvision() -> None:
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]


def _skip(reason: str) -> NoReturn:
    pytest.skip(reason, allow_module_level=True)  # reason: the caller's, which it names


def torchvision_or_skip() -> ModuleType:
    """torchvision, imported with the guard if its compiled ops fail to register; the test (or
    the test module, called at its top) is skipped with the reason where that does not make it
    importable."""
    torch = pytest.importorskip("torch", reason="torchvision models need torch")
    if importlib.util.find_spec("torchvision") is None:
        _skip("real torchvision models: pip install torchvision")
    try:
        return importlib.import_module("torchvision")
    except RuntimeError as e:
        if MISSING not in str(e) or _declared:
            _skip(f"torchvision does not import beside torch {torch.__version__}: {e}")
        _forget_torchvision()
        library = torch.library.Library("torchvision", "DEF")
        for schema in SCHEMAS:
            library.define(schema)
        _declared.append(library)
        try:
            return importlib.import_module("torchvision")
        except RuntimeError as again:
            _forget_torchvision()
            _skip(f"torchvision does not import even with its op schemas declared: {again}")


def guarded() -> bool:
    """Whether torchvision was imported through the guard (its compiled ops absent)."""
    return bool(_declared)


def timm_or_skip() -> ModuleType:
    """timm, with torchvision (which it imports) through :func:`torchvision_or_skip`."""
    torchvision_or_skip()
    timm: ModuleType = pytest.importorskip("timm", reason="real timm models: pip install timm")
    return timm
