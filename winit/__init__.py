"""winit: weight-initialization claims as executable tests, on a small numpy core."""

from typing import TYPE_CHECKING

from winit.activations import (
    ACTIVATIONS,
    Activation,
    get_activation,
    leaky_relu,
    linear,
    relu,
    selu,
    sigmoid,
    tanh,
)
from winit.attention import MultiHeadAttention, attention
from winit.fans import fans, gain
from winit.initializers import (
    TRUNCATED_STD,
    Initializer,
    constant,
    eye,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    identity,
    kaiming_normal,
    kaiming_uniform,
    lecun_normal,
    lecun_uniform,
    normal,
    ones,
    orthogonal,
    truncated_normal,
    uniform,
    variance_scaling,
    xavier_normal,
    xavier_uniform,
    zeros,
)
from winit.losses import Loss, bce, get_loss, mse
from winit.lsuv import lsuv
from winit.mlp import MLP, Forward, Gradients, History
from winit.norms import BatchNorm, layer_norm, rms_norm
from winit.residual import ResidualStack
from winit.rng import as_generator

if TYPE_CHECKING:  # to a type checker, winit.verify is the function
    from winit.verify.api import verify
else:  # the subpackage, callable as the function: winit.verify(...) and winit.verify.LAWS
    from winit import verify
if TYPE_CHECKING:  # to a type checker, winit.audit is the function
    from winit.audit.api import audit


def __getattr__(name: str) -> object:
    """``winit.audit``, imported on first use (callable as the function, like verify)."""
    if name == "audit":
        import importlib

        return importlib.import_module("winit.audit")
    raise AttributeError(f"module 'winit' has no attribute {name!r}")


__version__ = "0.2.0"

__all__ = [
    "ACTIVATIONS", "MLP", "TRUNCATED_STD", "Activation", "Forward", "Gradients", "History",
    "Initializer", "Loss", "__version__", "as_generator", "audit", "bce", "constant", "eye", "fans",
    "gain", "get_activation", "get_loss", "glorot_normal", "glorot_uniform", "he_normal",
    "he_uniform", "identity", "kaiming_normal", "kaiming_uniform", "leaky_relu", "lecun_normal",
    "lecun_uniform", "linear", "lsuv", "mse", "normal", "ones", "orthogonal", "relu", "selu", "sigmoid",
    "tanh", "truncated_normal", "uniform", "variance_scaling", "verify", "xavier_normal",
    "xavier_uniform", "zeros",
]  # fmt: skip
# the attention, normalization and residual core
__all__ += [
    "BatchNorm", "MultiHeadAttention", "ResidualStack", "attention", "layer_norm", "rms_norm",
]  # fmt: skip
