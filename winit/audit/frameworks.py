"""One entry to every framework's paths: :func:`build_path` builds a path with the backend of
the model's framework — PyTorch (:mod:`winit.audit.model`), Keras 3
(:mod:`winit.audit.keras_model`), Flax nnx and linen (:mod:`winit.audit.flax_model`) — each
returning the regions one law governs, the values of a second build under the same seed, a note
saying how the path was built, and the model built.

A builder's framework is known once it has built: it is built first as a torch builder where
torch is imported (the torch backend's own build, so a torch model costs nothing more), else
plainly, and a model of another framework (or a torch model whose builder imported torch) is
built again under that framework's recording.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

from winit.audit import flax_model, keras_model
from winit.audit.expect import Expectation
from winit.audit.kinds import MODELS, framework_of, seeded
from winit.audit.model import Builder, Floats, NotTorchError, Region, call_user, is_transformers
from winit.audit.model import build_path as torch_path

Built = tuple[list[Region], Mapping[str, Floats] | None, str, Any]
PathBuilder = Callable[[str, Builder | None, Any | None, int, list[Expectation]], Built]

#: each framework's paths, by its name in :data:`winit.audit.kinds.MODELS`
BACKENDS: Mapping[str, PathBuilder] = {
    "torch": torch_path,
    "keras": keras_model.build_path,
    "flax.nnx": flax_model.nnx_path,
    "flax.linen": flax_model.linen_path,
}
ACCEPTED = "a torch.nn.Module, a keras.Model, a flax.nnx.Module or Flax linen variables"
assert set(BACKENDS) == set(MODELS)


def rebuildable(model: Any) -> bool:
    """Whether a model instance can be built again on the loaded path without its builder."""
    return is_transformers(model) or framework_of(model) == "keras"


def build_path(
    path: str, builder: Builder | None, model: Any | None, seed: int,
    expectations: list[Expectation],
) -> Built:  # fmt: skip
    """Path ``path`` of the model ``builder`` builds (or ``model``, built before), by its
    framework's backend; a :class:`~winit.audit.kinds.NoPathError` where the framework has none."""
    with seeded(seed):
        name = framework_of(model) if model is not None else None
        if name is None:
            assert builder is not None
            if "torch" in sys.modules:
                try:
                    return torch_path(path, builder, None, seed, expectations)
                except NotTorchError as e:
                    built = e.model
            else:
                built = call_user(builder, "building the model")
            name = framework_of(built)
            if name is None:
                raise ValueError(
                    f"the builder returned a {type(built).__name__}; winit audit reads {ACCEPTED}"
                )
            model = None  # built again under its framework's recording
        return BACKENDS[name](path, builder, model, seed, expectations)
