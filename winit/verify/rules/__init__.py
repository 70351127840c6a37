"""Each framework's layers and the law each of their parameters starts from, as data (see
:mod:`winit.verify.rules.base`); one module per framework."""

from collections.abc import Mapping

from winit.verify.rules import (
    equinox_nn,
    flax_linen,
    flax_nnx,
    haiku_nn,
    keras_layers,
    mlx_nn,
    torch_nn,
)
from winit.verify.rules.base import Framework

#: the frameworks ``winit defaults`` reads, by the module their layers live in
FRAMEWORKS: Mapping[str, Framework] = {
    fw.module: fw
    for fw in (
        torch_nn.FRAMEWORK,
        keras_layers.FRAMEWORK,
        flax_linen.FRAMEWORK,
        flax_nnx.FRAMEWORK,
        mlx_nn.FRAMEWORK,
        equinox_nn.FRAMEWORK,
        haiku_nn.FRAMEWORK,
    )
}
