"""winit.signal.widths, the mup coordinate check at step 0: a He-initialised MLP's layers are
flat in width; at N(0, 1) weights every hidden layer's RMS grows as √width and fails. And
``winit audit --widths``: the sweep on the command line, in its JSON and on its page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")  # reason: the signal checks measure torch models

import torch
from torch import nn

from winit.__main__ import main
from winit.signal import widths

torch.set_num_threads(1)  # tiny tensors: threads on a shared machine cost 100x, give nothing

SIZES, FEATURES = (32, 64, 128, 256), 16


def _mlp(width: int, *, unit_normal: bool) -> nn.Module:
    """A 3-layer ReLU MLP of hidden ``width``: He-initialised, or every weight N(0, 1)."""
    layers = [nn.Linear(FEATURES, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU()]
    for layer in layers:
        if isinstance(layer, nn.Linear):
            nn.init.normal_(
                layer.weight, std=1.0 if unit_normal else (2.0 / layer.in_features) ** 0.5
            )
            nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


def he_mlp(width: int) -> nn.Module:
    """The He-initialised MLP, for ``winit audit`` specs."""
    return _mlp(width, unit_normal=False)


def unit_normal_mlp(width: int) -> nn.Module:
    """The MLP at N(0, 1) weights, for ``winit audit`` specs."""
    return _mlp(width, unit_normal=True)


def audit_widths(tmp_path: Path, builder: str, *options: str) -> tuple[int, dict[str, object], str]:
    """``winit audit tests.test_signal_widths:BUILDER({width}) --widths 32,64,128``: exit status,
    its JSON and its page."""
    out, page = tmp_path / "audit.json", tmp_path / "audit.html"
    status = main(["audit", f"tests.test_signal_widths:{builder}({{width}})", "--widths",
                   "32,64,128", "--signal", "off", "--paths", "built", "--json", str(out),
                   "--html", str(page), *options])  # fmt: skip
    return status, json.loads(out.read_text()), page.read_text(encoding="utf-8")


def test_a_he_initialised_mlp_is_flat_in_width() -> None:
    result = widths(lambda w: _mlp(w, unit_normal=False), SIZES)
    assert result, repr(result)


def test_unit_normal_weights_fail_the_width_check_at_the_layer_fed_by_the_width() -> None:
    result = widths(lambda w: _mlp(w, unit_normal=True), SIZES)
    assert {f.subject for f in result.failures} == {"2", "3"}, repr(result)


def test_a_pass_with_too_few_seeds_says_it_is_underpowered() -> None:
    result = widths(lambda w: _mlp(w, unit_normal=False), SIZES, seeds=range(4))
    assert all("underpowered" in f.verdict for f in result.findings), repr(result)


def test_audit_widths_passes_a_he_mlp_and_records_the_sweep(tmp_path: Path) -> None:
    status, record, page = audit_widths(tmp_path, "he_mlp")
    sweep = record["widths"]
    assert status == 0 and isinstance(sweep, dict) and sweep["findings"]
    assert all(f["passed"] for f in sweep["findings"])
    assert 'id="widths"' in page and "flat in width" in page


def test_audit_widths_fails_a_unit_normal_mlp_and_its_page_names_the_layers(
    tmp_path: Path,
) -> None:
    status, record, page = audit_widths(tmp_path, "unit_normal_mlp")
    sweep = record["widths"]
    assert isinstance(sweep, dict)
    failing = [f["subject"] for f in sweep["findings"] if not f["passed"]]
    assert status == 1 and failing
    verdict = page[page.index('id="verdict"') : page.index("</section>")]
    assert all(f"<code>{name}</code>" in verdict for name in failing)


@pytest.mark.parametrize("given", ["64", "64,64", "0,64", "64,x", ""])
def test_bad_widths_are_a_one_line_usage_error(
    given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["audit", "tests.test_signal_widths:he_mlp({width})", "--widths", given])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert "--widths" in err[0] and "at least 2 distinct positive widths" in err[0]


@pytest.mark.parametrize(
    ("spec", "options", "says"),
    [("tests.test_signal_widths:he_mlp(64)", ["--widths", "32,64"], "write {width} in EXPR"),
     ("tests.test_signal_widths:he_mlp({width})", [], "give the widths")],
)  # fmt: skip
def test_widths_and_the_width_placeholder_go_together(
    spec: str, options: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["audit", spec, *options])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and says in err[0]


def test_a_model_the_sweep_cannot_make_an_input_for_is_a_one_line_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = "torch.nn:Conv2d(3, {width}, 3)"
    status = main(["audit", spec, "--widths", "4,8", "--signal", "off", "--paths", "built"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and "cannot make an input for Conv2d" in err[0], err
