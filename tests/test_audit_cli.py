"""``winit audit`` on the command line: exit statuses 0 (pass), 1 (a check failed), 2 (usage),
strict JSON with ``kind: audit``, and ``--expect`` laws read with ast, never evaluated."""

from __future__ import annotations

import json
import re
import shlex
import time
from pathlib import Path
from typing import Any

import pytest

from winit.__main__ import main
from winit.audit.expect import parse_expectation, parse_law

BLOCK = "tests.test_audit_checks:Block()"
NAN = "tests.test_audit_checks:nan()"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["audit", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_law_with_arithmetic_parameters_is_resolved_by_the_law_table() -> None:
    name, params = parse_law("normal(std=0.02/sqrt(2*12))")
    assert (name, params) == ("normal", {"mean": 0.0, "std": 0.02 / 24**0.5})


def test_an_expectation_is_a_glob_and_a_law() -> None:
    e = parse_expectation("*.c_proj.weight=kaiming_normal(mode=fan_out)")
    assert (e.glob, e.law, e.params["mode"]) == ("*.c_proj.weight", "he_normal", "fan_out")
    assert e.matches("h.0.attn.c_proj.weight")


@pytest.mark.parametrize(
    "text",
    ["normal(std=__import__('os').getpid())", "normal(std=open('x'))", "normal(std=[1][0])"],
)
def test_a_law_parameter_that_is_not_arithmetic_is_refused_not_evaluated(text: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        parse_law(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("*.weight", "GLOB=LAW"),
        ("*.w=gaussian", "unknown law"),
        ("*.w=normal(sd=1)", "no parameter"),
    ],
)
def test_a_bad_expectation_says_what_is_accepted(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_expectation(text)


def test_a_passing_model_exits_0_and_writes_strict_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    out = tmp_path / "audit.json"
    status, text, _ = run(capsys, BLOCK, "--json", str(out))
    assert status == 0, text
    data = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"non-strict {c}"))
    assert (data["kind"], data["passed"], data["expected"]) == ("audit", True, "pass")


def test_a_failing_model_exits_1_and_its_json_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    out = tmp_path / "audit.json"
    status, text, _ = run(capsys, NAN, "--paths", "built", "--json", str(out))
    assert status == 1
    assert "non-finite values (count)" in text
    data = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"non-strict {c}"))
    assert data["passed"] is False


def test_a_builder_named_without_its_call_is_called(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    status, text, _ = run(capsys, "tests.test_audit_checks:Block", "--paths", "built")
    assert status == 0, text


def test_a_known_failure_declared_with_expected_fail_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    status, _, _ = run(capsys, NAN, "--paths", "built", "--expected", "fail")
    assert status == 0


def test_the_signal_through_the_model_is_checked_too_and_counts_in_the_exit_status(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    out = tmp_path / "audit.json"
    deep = "tests.test_audit_checks:deep_unit_normal()"
    status, text, _ = run(capsys, deep, "--paths", "built", "--json", str(out))
    assert status == 1, text
    data = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"non-strict {c}"))
    assert all(g["passed"] for g in data["groups"])  # every tensor follows its named law
    assert data["signal"]["passed"] is False and data["passed"] is False
    assert run(capsys, deep, "--paths", "built", "--signal", "off")[0] == 0


def slow() -> Any:
    """A linear layer whose forward outlasts a one-second ``--timeout``: built at once, its
    signal cannot be measured in time."""
    from torch import nn

    class Slow(nn.Linear):  # type: ignore[misc,unused-ignore]
        def forward(self, x: Any) -> Any:
            time.sleep(30)
            return super().forward(x)

    return Slow(8, 8)


def test_a_signal_measurement_past_the_timeout_ends_the_run_with_5_not_a_skipped_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    status, _, err = run(
        capsys, "tests.test_audit_cli:slow()", "--paths", "built", "--timeout", "1"
    )
    assert status == 5 and "did not return within 1 s" in err, err
    assert "signal not checked" not in err


def test_a_model_that_cannot_be_called_says_its_signal_was_not_checked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    status, _, err = run(capsys, BLOCK, "--paths", "built")
    assert status == 0
    assert "signal not checked" in err and err.count("\n") == 1, err


#: a torch model no input is made for (no config, its first layer not nn.Linear)
NO_INPUT = "torch.nn:Conv2d(3, 8, 3)"


def test_a_model_whose_signal_cannot_be_measured_is_a_usage_error_under_signal_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    status, _, err = run(capsys, NO_INPUT, "--paths", "built", "--signal", "on")
    assert status == 2 and "cannot make an input for Conv2d" in err, err
    assert err.count("\n") == 1, err


def test_a_model_whose_signal_cannot_be_measured_keeps_the_audits_exit_under_signal_auto(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    status, _, err = run(capsys, NO_INPUT, "--paths", "built")
    assert status == 0 and "signal not checked: cannot make an input" in err, err
    assert err.count("\n") == 1, err


@pytest.mark.parametrize("asked", [["--signal", "on"], ["--input", "8x256"]])
def test_a_model_whose_forward_raises_on_the_input_asked_for_exits_4(
    capsys: pytest.CaptureFixture[str], asked: list[str]
) -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    status, _, err = run(capsys, BLOCK, "--paths", "built", *asked)
    assert status == 4 and "measuring the signal through the model raised" in err, err
    assert err.count("\n") == 1, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["no-colon"], "MODULE:EXPR"),
        (["tests.test_audit_checks:Block("], "not a Python expression"),
        (["no_such_module_xyz:build()"], "cannot import module"),
        (["tests.test_audit_checks:Nothing()"], "no public name 'Nothing'"),
        ([BLOCK, "--paths", "built,saved"], "paths must be some of"),
        ([BLOCK, "--expect", "*.weight=gaussian"], "unknown law"),
        ([BLOCK, "--sample", "1"], "sample must be an int >= 2"),
        ([BLOCK, "--seed", "-1"], "seed must be a non-negative int"),
        (["sys:exit(0)", "--input", "0x5"], "--input: must be a shape"),  # before any build
    ],
)
def test_a_usage_error_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert err.count("\n") == 1 and message in err, err


def test_a_builder_that_raises_is_one_line_and_exit_4(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    status, _, err = run(capsys, "tests.test_audit_checks:Block(width=-1)")
    assert status == 4
    assert "building the model raised" in err and err.count("\n") == 1, err


def test_a_builder_that_exits_is_one_line_and_exit_4_not_its_status(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    out = tmp_path / "audit.json"
    out.write_text('{"kind": "audit", "passed": true}')  # an earlier passing record
    status, _, err = run(capsys, "sys:exit(0)", "--json", str(out))
    assert status == 4 and "exit" in err and err.count("\n") == 1, err
    assert json.loads(out.read_text())["passed"] is False


def _readme_block(tag: str) -> str:
    text = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- audit-test: {tag} -->\n```\w+\n(.*?)```", text, re.DOTALL)
    assert match, f"README.md has no block tagged audit-test: {tag}"
    return match.group(1)


def test_the_readmes_pytest_example_passes() -> None:
    pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
    namespace: dict[str, object] = {}
    exec(_readme_block("pytest"), namespace)
    test = namespace["test_block_starts_from_its_declared_init"]
    assert callable(test)
    test()


def test_the_readmes_command_passes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("transformers", reason="real transformers models: pip install transformers")
    argv = shlex.split(_readme_block("cli").replace("\\\n", " "))
    assert argv[:2] == ["winit", "audit"]
    monkeypatch.chdir(tmp_path)
    status, text, _ = run(capsys, *argv[2:])
    assert status == 0, text
    assert json.loads((tmp_path / "audit.json").read_text())["passed"] is True
