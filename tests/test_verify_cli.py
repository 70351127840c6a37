"""``winit verify`` on the command line: exit 0 when all checks pass, 1 when one fails, 2 with a
one-line message (no traceback) for a usage error; ``--json`` writes the rows atomically."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import Done, ctrl_c_as_at_a_terminal, not_installed, winit
from tests.misbehaving import (
    SMALL,
    failing_record,
    one_line_error,
    passing_json,
    process,
    write_module,
)
from winit.__main__ import main
from winit.verify import LAWS


def test_passing_initializer_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "winit:he_normal", "--law", "he_normal", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "numpy convention" in out
    assert out.rstrip().endswith("PASSED")


def test_failing_initializer_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """He normal is LeCun normal with twice the variance."""
    assert main(["verify", "winit:he_normal", "--law", "lecun_normal", *SMALL]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out
    assert "FAILED" in out


def test_params_reach_law_and_initializer(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["verify", "winit:he_uniform", "--law", "he_uniform", "--param", "nonlinearity=tanh",
            "--param", "mode=fan_out", *SMALL]  # fmt: skip
    assert main(argv) == 0
    assert "passed nonlinearity='tanh', mode='fan_out', layout='torch'" in capsys.readouterr().out


def test_list_laws(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--list-laws"]) == 0
    out = capsys.readouterr().out
    assert all(f"\n{name} " in f"\n{out}" for name in LAWS)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["winit:he_normal"], "give an initializer MODULE:ATTR and --law NAME"),
        (["winit.he_normal", "--law", "he_normal"], "must be given as MODULE:ATTR"),
        (["no_such_module_xyz:f", "--law", "normal"], "cannot import module 'no_such_module_xyz'"),
        (["winit:no_such", "--law", "normal"], "has no attribute 'no_such'"),
        (["winit:__version__", "--law", "normal"], "not a callable initializer"),
        (["winit:he_normal", "--law", "kaiming"], "unknown law 'kaiming'"),
        (
            ["winit:glorot_uniform", "--law", "glorot_uniform", "--param", "mode=fan_in"],
            "no parameter 'mode'",
        ),
        (["winit:he_normal", "--law", "he_normal", "--param", "mode"], "KEY=VALUE"),
        (["winit:he_normal", "--law", "he_normal", "--param", "a=x"], "must be a number"),
        (["winit:he_normal", "--law", "he_normal", "--shapes", "64by32"], "bad shape '64by32'"),
        (["winit:he_normal", "--law", "he_normal", "--shapes", "64x0"], "must be positive"),
        (["winit:he_normal", "--law", "he_normal", "--layout", "jax"], "invalid choice"),
        # an empty --shapes is a mistake, not "the defaults"
        (["winit:he_normal", "--law", "he_normal", "--shapes", ""], "--shapes is empty"),
        (["winit:he_normal", "--law", "he_normal", "--shapes", " "], "--shapes is empty"),
        (["winit:he_normal", "--law", "he_normal", "--convention", "jaxx"], "did you mean 'jax'?"),
        (
            ["winit:he_normal", "--law", "he_normal", "--rename", "value"],
            "--rename must be KEY=VALUE",
        ),
        (
            ["winit:he_normal", "--law", "he_normal", "--in-axis", "0"],
            "both --in-axis and --out-axis",
        ),
        (
            ["winit:he_normal", "--law", "he_normal", "--in-axis", "x", "--out-axis", "0"],
            "comma-separated ints",
        ),
        (
            [
                "winit:he_normal",
                "--law",
                "he_normal",
                "--layout",
                "keras",
                "--in-axis",
                "0",
                "--out-axis",
                "1",
            ],
            "not both",
        ),
        # non-finite parameters, malformed shapes, seeds and names
        (["winit:normal", "--law", "normal", "--param", "std=nan"], "std must be finite, got nan"),
        (
            ["winit:normal", "--law", "normal", "--param", "mean=-inf"],
            "mean must be finite, got -inf",
        ),
        (["winit:uniform", "--law", "uniform", "--param", "a=nan"], "a must be finite, got nan"),
        (
            ["winit:he_normal", "--law", "he_normal", "--param", "a=inf"],
            "a must be finite, got inf",
        ),
        (["winit:normal", "--law", "normal", "--shapes", ","], "bad shape '' in --shapes"),
        (["winit:normal", "--law", "normal", "--shapes", "64x"], "bad shape '64x' in --shapes"),
        (["winit:normal", "--law", "normal", "--shapes", "x"], "bad shape 'x' in --shapes"),
        (["winit:normal", "--law", "normal", "--shapes=-3x4"], "dimensions must be positive"),
        (["winit:normal", "--law", "normal", "--seed", "-5"], "seed must be a non-negative int"),
        (["winit:normal", "--law", "normal", "--seed", "1.5"], "invalid int value: '1.5'"),
        (
            ["winit:he_normal", "--law", "he_normal", "--param", "nonlinearity=gelu"],
            "unknown nonlinearity 'gelu'; accepted: linear",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("winit verify: error: ")
    assert err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err


def test_initializer_called_in_the_wrong_convention_exits_4(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """winit.normal is a factory: called as f(shape, rng) it raises, which is the code's error."""
    assert (
        main(["verify", "winit:normal", "--law", "he_normal", "--convention", "numpy", *SMALL]) == 4
    )
    err = capsys.readouterr().err
    assert "raised ValueError" in err and err.count("\n") == 1


def test_module_raising_on_import_exits_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "boom_on_import.py").write_text("raise RuntimeError('kaboom')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["verify", "boom_on_import:f", "--law", "normal"]) == 4
    err = capsys.readouterr().err
    assert "importing 'boom_on_import' raised RuntimeError: kaboom" in err
    assert err.count("\n") == 1


def test_unknown_subcommand_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_json_has_the_rows_and_is_written_atomically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "verify.json"
    assert (
        main(
            [
                "verify",
                "winit:glorot_uniform",
                "--law",
                "glorot_uniform",
                *SMALL,
                "--json",
                str(path),
            ]
        )
        == 0
    )
    table_rows = [line for line in capsys.readouterr().out.splitlines() if line.endswith(" pass")]
    data = json.loads(path.read_text())
    assert data["passed"] is True
    assert data["law"] == "glorot_uniform"
    assert len(data["rows"]) == len(table_rows)
    variance = [r for r in data["rows"] if r["name"] == "variance ratio"]
    assert [r["shape"] for r in variance] == [[64, 32], [16, 8, 3, 3]]
    assert all(r["powers"]["uniform bound without √3 (mlx#2001)"] >= 0.999 for r in variance)
    assert os.listdir(tmp_path) == ["verify.json"]


def test_unwritable_json_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    path = blocker / "verify.json"
    assert main(["verify", "winit:zeros", "--law", "zeros", *SMALL, "--json", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("winit verify: error: --json: cannot write")
    assert err.count("\n") == 1


def test_python_dash_m_entry_point() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "winit", "verify", "winit:zeros", "--law", "zeros", *SMALL],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    bad = subprocess.run(
        [sys.executable, "-m", "winit", "verify", "winit:zeros", "--law", "nope"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (ok.returncode, bad.returncode) == (0, 2)
    assert bad.stderr.count("\n") == 1
    assert "Traceback" not in bad.stderr


def test_console_script_imports_a_module_from_the_working_directory(tmp_path: Path) -> None:
    """``winit verify myinit:f`` run in myinit.py's folder finds it, as ``python -m``
    does (the console script does not put the working directory on sys.path by itself)."""
    script = Path(sys.executable).parent / "winit"
    if not script.exists():
        # reason: the console script exists only where winit was pip-installed (nox venvs)
        pytest.skip(f"no winit console script beside {sys.executable}")  # reason: above
    (tmp_path / "myinit.py").write_text(
        "def f(shape, rng):\n    return rng.normal(0.0, 0.5, size=shape)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [str(script), "verify", "myinit:f", "--law", "normal", "--param", "std=0.5", *SMALL],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("argv", "hidden", "message"),
    [
        (["jax.nn.initializers:glorot_normal", "--law", "glorot_normal"], ("jax",),
         "install it with pip install 'jax[cpu]'"),
        (["winit:he_normal", "--law", "he_normal", "--convention", "mlx"], ("mlx", "mlx.core"),
         "the mlx convention needs mlx.core, which is not installed (pip install 'mlx[cpu]')"),
        (["winit:he_normal", "--law", "he_normal", "--convention", "keras"], ("keras",),
         "the keras convention needs keras, which is not installed (pip install 'keras')"),
        (["winit:he_normal", "--law", "he_normal", "--convention", "chainer"], ("chainer",),
         "(pip install 'chainer')"),
    ],
)  # fmt: skip
def test_missing_framework_is_one_line_naming_the_package(
    argv: list[str],
    hidden: tuple[str, ...],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    not_installed(monkeypatch, *hidden)
    assert main(["verify", *argv, *SMALL]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def test_help_lists_every_convention_with_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    from winit.verify.adapters import CONVENTIONS

    with pytest.raises(SystemExit) as done:
        main(["verify", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for name, convention in CONVENTIONS.items():
        assert f"  {name:<11} {convention.summary}" in out


def test_rename_reaches_the_callable(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["verify", "winit:normal", "--law", "normal", "--param", "std=0.3", "--rename",
            "std=std", "--convention", "factory", *SMALL]  # fmt: skip
    assert main(argv) == 0
    assert "passed std=0.3" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["torch.nn.Linear(1, 2)"], "must be given as MODULE:Layer(args)"),
        (["torch.nn:Linear(1,"], "must be given as MODULE:Layer(args)"),
        (["torch.nn:Linear(n, 2)"], "must be Python literals"),
        (["numpy:Linear(1, 2)"], "winit defaults reads layers of torch.nn, keras.layers"),
        (["torch.nn:Linear(1, 2)", "--in-features", "0"], "--in-features must be positive"),
    ],
)
def test_defaults_usage_errors_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["defaults", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("winit defaults: error: ") and message in err and err.count("\n") == 1


def test_no_framework_is_imported_unless_used() -> None:
    code = (
        "import sys\nfrom winit.__main__ import main\n"
        "status = main(['verify', 'winit:he_normal', '--law', 'he_normal', '--shapes', '64x32'])\n"
        "names = ('torch', 'jax', 'flax', 'keras', 'tensorflow', 'haiku', 'mlx', 'tinygrad', 'chainer')\n"
        "print('LOADED', status, sorted(n for n in names if n in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert "LOADED 0 []" in done.stdout, done.stdout + done.stderr


def test_expect_fail_records_a_known_finding_and_inverts_the_exit(tmp_path: Path) -> None:
    """--expect fail: a known departure from a law exits 0 and says so in --json (the report
    counts it as failing as expected); passing after all is the surprise, exit 1."""
    out = tmp_path / "v.json"
    wrong = ["verify", "winit:glorot_uniform", "--law", "he_normal", "--shapes", "64x32"]
    assert main([*wrong, "--expect", "fail", "--json", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["expected"] == "fail"
    right = ["verify", "winit:glorot_uniform", "--law", "glorot_uniform", "--shapes", "64x32"]
    assert main([*right, "--expect", "fail"]) == 1


# --- the code under check: a module in tmp_path, run in process, or as a CI job runs it (a
# process of its own) where the process is what is checked: its end, a signal, a time limit ----


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``tmp_path`` as the working directory, where ``m.py`` is imported afresh (not the ``m``
    of another test)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("m", None)
    yield tmp_path
    sys.modules.pop("m", None)


def _cli(*argv: str, encoding: str = "utf-8") -> Done:
    """``python -m winit ARGV``, in process (in :func:`in_tmp`'s folder)."""
    return winit(*argv, encoding=encoding)


def _started(tmp_path: Path) -> None:
    """Wait until the ``hang`` initializer is called (it writes ``started``)."""
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.parametrize(("name", "code"), [("exit_0", 0), ("exit_3", 3)])
def test_an_initializer_calling_sys_exit_exits_4_and_fails_its_json(
    in_tmp: Path, name: str, code: int
) -> None:
    write_module(in_tmp)
    out = passing_json(in_tmp)
    done = _cli("verify", f"m:{name}", "--law", "normal", *SMALL, "--json", str(out))
    assert done.returncode == 4
    one_line_error(done, f"calling m.{name} in the numpy convention on shape (64, 32) "
                    f"exited with sys.exit({code})")  # fmt: skip
    failing_record(out, 4)


def test_a_module_calling_sys_exit_on_import_exits_4(in_tmp: Path) -> None:
    write_module(in_tmp, "sys.exit(0)\n")
    out = passing_json(in_tmp)
    done = _cli("verify", "m:good", "--law", "normal", "--json", str(out), "--expect",
                "fail")  # fmt: skip
    assert done.returncode == 4
    one_line_error(done, "importing 'm' exited with sys.exit(0)")
    failing_record(out, 4)


def test_a_keyboard_interrupt_in_the_initializer_is_an_interruption(in_tmp: Path) -> None:
    write_module(in_tmp)
    out = passing_json(in_tmp)
    done = _cli("verify", "m:interrupt", "--law", "normal", *SMALL, "--json", str(out))
    assert (done.returncode, done.stderr) == (130, "winit verify: interrupted\n")
    failing_record(out, 130)


@pytest.mark.parametrize(
    ("sig", "status", "line"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_a_signal_during_a_run_exits_with_one_line(
    tmp_path: Path, sig: signal.Signals, status: int, line: str
) -> None:
    write_module(tmp_path)
    out = passing_json(tmp_path)
    argv = ["verify", "m:hang", "--law", "normal", *SMALL, "--json", str(out)]
    with subprocess.Popen(
        [sys.executable, "-m", "winit", *argv], cwd=tmp_path, stderr=subprocess.PIPE, text=True,
        preexec_fn=ctrl_c_as_at_a_terminal,
    ) as proc:  # fmt: skip
        _started(tmp_path)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (status, f"winit verify: {line}\n")
    failing_record(out, status)


def test_a_run_killed_midway_leaves_a_failing_json(tmp_path: Path) -> None:
    write_module(tmp_path)
    out = passing_json(tmp_path)
    argv = ["verify", "m:hang", "--law", "normal", *SMALL, "--json", str(out)]
    with subprocess.Popen([sys.executable, "-m", "winit", *argv], cwd=tmp_path) as proc:
        _started(tmp_path)
        proc.kill()
    failing_record(out, status=None)


def test_an_initializer_ending_the_process_leaves_a_failing_json(tmp_path: Path) -> None:
    """os._exit cannot be intercepted: its status stands, but the gate reads the record."""
    write_module(tmp_path)
    out = passing_json(tmp_path)
    done = process(tmp_path, "verify", "m:os_exit", "--law", "normal", *SMALL, "--json", str(out))
    assert done.returncode == 0
    failing_record(out, status=None)


def test_list_laws_with_json_is_a_usage_error(in_tmp: Path) -> None:
    done = _cli("verify", "--list-laws", "--json", str(in_tmp / "laws.json"))
    assert done.returncode == 2
    one_line_error(done, "--list-laws prints the laws and writes no --json")


def test_an_empty_json_path_is_a_usage_error(in_tmp: Path) -> None:
    done = _cli("verify", "winit:zeros", "--law", "zeros", *SMALL, "--json", "")
    assert done.returncode == 2
    one_line_error(done, "--json: the path is empty")


def test_a_hanging_initializer_times_out_with_exit_5(tmp_path: Path) -> None:
    """One that swallows the alarm too: tests/integration/test_verify_process.py."""
    write_module(tmp_path)
    out = passing_json(tmp_path)
    start = time.monotonic()
    done = process(tmp_path, "verify", "m:hang", "--law", "normal", *SMALL, "--timeout", "1",
                    "--json", str(out))  # fmt: skip
    assert done.returncode == 5 and time.monotonic() - start < 30
    one_line_error(done, "did not return within 1 s (--timeout)")
    failing_record(out, 5)


def test_the_default_timeout_is_stated_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    from winit.verify.guard import DEFAULT_TIMEOUT

    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    assert f"(default {DEFAULT_TIMEOUT:g};" in " ".join(capsys.readouterr().out.split())


def test_help_documents_every_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    from winit.verify.command import EXIT_STATUSES

    for command in ("verify", "defaults"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        assert all(f"  {code:<3} {text}" in out for code, text in EXIT_STATUSES.items())


def test_a_message_with_newlines_is_one_line(in_tmp: Path) -> None:
    write_module(in_tmp)
    done = _cli("verify", "m:raise_multiline", "--law", "normal", *SMALL)
    assert done.returncode == 4
    one_line_error(done, "raised ValueError: first line / second line")


def test_an_ascii_only_stdout_still_passes_and_writes_json(in_tmp: Path) -> None:
    """Streams that cannot encode the table's characters (a ``LANG=C`` terminal; the real
    process under such locales is tests/integration/test_verify_process.py)."""
    out = in_tmp / "v.json"
    done = _cli("verify", "winit:he_normal", "--law", "he_normal", *SMALL, "--json", str(out),
                encoding="ascii")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("PASSED") and json.loads(out.read_text())["passed"]


def test_json_has_no_bare_nan(in_tmp: Path) -> None:
    write_module(in_tmp)
    out = in_tmp / "v.json"
    done = _cli("verify", "m:nan", "--law", "normal", *SMALL, "--json", str(out))
    assert done.returncode == 1

    def refuse(constant: str) -> None:
        raise AssertionError(f"bare {constant} in --json")

    data = json.loads(out.read_text(), parse_constant=refuse)
    assert data["rows"][3]["measured"] is None and data["non_finite"]["rows/3/measured"] == "nan"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["winit:he_normal", "--law", "he_normal", "--param", "gain=1e308"],
         "gives a std that over- or underflows float64; accepted: a std between 2^-100"),
        (["winit:he_normal", "--law", "he_normal", "--param", "gain=1e-320"],
         "gives a std that over- or underflows float64"),
        (["winit:normal", "--law", "normal", "--param", "std=1e-35"],
         "gives N(0, 1e-35²); accepted: a std between 2^-100 and 2^100"),
        (["winit:he_normal", "--law", "he_normal", "--shapes", "100000000000000000000x2"],
         "has 200000000000000000000 elements; accepted: at most 16777216"),
        (["winit:he_normal", "--law", "he_normal", "--shapes", "8192x8192"],
         "has 67108864 elements; accepted: at most 16777216"),
        (["winit:orthogonal", "--law", "orthogonal", "--shapes", "4096x4096"],
         "calls = "),
    ],
)  # fmt: skip
def test_out_of_range_laws_and_sizes_are_refused_before_drawing(
    in_tmp: Path, argv: list[str], message: str
) -> None:
    start = time.monotonic()
    done = _cli("verify", *argv)
    assert done.returncode == 2 and time.monotonic() - start < 30
    one_line_error(done, message)


def test_a_torch_tensor_requiring_grad_in_the_numpy_convention_exits_4(in_tmp: Path) -> None:
    pytest.importorskip("torch")  # reason: the tensor is torch's
    write_module(in_tmp, "import torch\n\n\ndef grad(shape, rng):\n"
            "    return torch.randn(*shape, requires_grad=True)\n")  # fmt: skip
    done = _cli("verify", "m:grad", "--law", "normal", *SMALL)
    assert done.returncode == 4
    one_line_error(done, "converting the Tensor m.grad returned to a numpy array raised "
                    "RuntimeError: Can't call numpy() on Tensor that requires grad")  # fmt: skip


#: Seed 0 runs with the unit tests, the other seeds with the integration tests (a sweep).
SEEDS = [0, *(pytest.param(s, marks=pytest.mark.integration) for s in range(1, 16))]


@pytest.mark.parametrize("seed", SEEDS)
def test_winit_orthogonal_passes_on_1x1_nx1_and_1xn_shapes(in_tmp: Path, seed: int) -> None:
    """For n = 1 the Haar law is a random sign times the gain."""
    done = _cli("verify", "winit:orthogonal", "--law", "orthogonal", "--shapes",
                "1x1,5x1,1x5,1x1x1", "--param", "gain=1.5", "--seed", str(seed))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_layer_calling_sys_exit_fails_winit_defaults_with_exit_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The layer's framework is the code under check of ``winit defaults``."""
    torch = pytest.importorskip("torch")  # reason: the layer is torch's

    def exiting_layer(*args: object, **kwargs: object) -> None:
        sys.exit(0)

    monkeypatch.setattr(torch.nn, "Linear", exiting_layer)
    out = passing_json(tmp_path)
    assert main(["defaults", "torch.nn:Linear(4, 2)", "--json", str(out)]) == 4
    err = capsys.readouterr().err
    assert err == "winit defaults: error: the code under check exited with sys.exit(0)\n"
    failing_record(out, 4)
