"""nox sessions: ``nox`` runs the gate (tests, properties, report); others on demand."""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

import nox
import nox.command

nox.needs_version = ">=2026.10.20"  # sessions that run in parallel (allow_parallel)
nox.options.sessions = ["tests", "properties", "report"]
nox.options.reuse_venv = "yes"
#: ``nox`` alone, the gate, runs the unit tests beside the property suite (nox's parallel
#: runner, each session in a nox process of its own, its output shown when it ends): on two
#: cores, one session's start, collection and last tests leave no core idle while the other
#: runs. The report does not allow a parallel run, so it renders alone, after both. Sessions
#: chosen on the command line (or NOXSESSION) run one after another, their output as it comes.
CHOOSING = {"-s", "-e", "--session", "--sessions", "-k", "--keywords", "-t", "--tags"}


def _the_gate(argv: list[str], env: Mapping[str, str]) -> bool:
    """Whether nox runs its default sessions: none chosen in ``argv`` or NOXSESSION."""
    return not env.get("NOXSESSION") and not CHOOSING & {a.split("=")[0] for a in argv}


if _the_gate(sys.argv[1:], os.environ):
    nox.options.parallel = 2
# uv builds the environments when it is installed (README's first command installs it), else
# virtualenv + pip. uv does not read pip's configuration, so the sessions that install the
# local CPU torch wheel (pip's find-links) keep virtualenv: TORCH_BACKEND.
nox.options.default_venv_backend = "uv|virtualenv"
TORCH_BACKEND = "virtualenv"

TEST = ".[test]"
RESULTS = "reports/results.json"
# One BLAS thread per process and two xdist workers (the claims' sample sizes make the suite
# CPU-bound): two threads on two cores oversubscribe them (a QR took 14x longer under load).
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: The property files' tests take from milliseconds to seconds: a worker that runs out of tests
#: takes some of the other's (xdist's worksteal), so neither waits alone for the other's last.
STEAL = ("--dist", "worksteal")
#: where `nox -s mutants` records its scores for the report.
SCORES = ("--json", "reports/mutants.json")
#: Where the sessions' Python caches bytecode: inside nox's own folder, which git ignores, so
#: the source tree stays free of __pycache__ folders. Python writes it as it imports even where
#: PYTHONDONTWRITEBYTECODE is set (an empty value turns that off), or every process of every
#: session (pytest's controller and each xdist worker) would compile winit, the tests and their
#: libraries anew and pytest would rewrite the asserts of every test file again (seconds each).
#: With a prefix Python reads bytecode only from it, so none is compiled at install: pip is told
#: so too (PIP_COMPILE=0; uv compiles nothing unless asked): compiling torch is most of its install.
PYCACHE = ".nox/pycache"
os.environ.update(PYTHONDONTWRITEBYTECODE="", PYTHONPYCACHEPREFIX=str(Path(PYCACHE).resolve()),
                  PIP_COMPILE="0")  # fmt: skip


def _install(session: nox.Session, *args: str) -> None:
    """``session.install(*args)`` unless this environment holds an install of the same arguments
    from the same pyproject.toml: winit is installed editable, its code read from the checkout,
    so only pyproject.toml changes what an install does (uv rebuilds a named source tree every
    time, seconds of a session that runs for seconds)."""
    location = getattr(session.virtualenv, "location", None)
    stamp = Path(location) / "winit-install.sha256" if location else None
    key = hashlib.sha256(Path("pyproject.toml").read_bytes() + repr(args).encode()).hexdigest()
    if stamp is not None and stamp.exists() and stamp.read_text() == key:
        session.log(f"{' '.join(args)}: installed from this pyproject.toml already")
        return
    session.install(*args)
    if stamp is not None:
        stamp.write_text(key)


def _unit_tests(session: nox.Session, marker: str, *paths: str) -> None:
    _install(session, "-e", ".[test,report]")
    # Beside another session (nox's parallel runner: the gate, CI) its two workers keep both
    # cores busy (the property suite's in the gate): the tests run in one process, sparing
    # xdist's three their start.
    workers = "0" if session.parallel else "2"
    session.run("pytest", "tests", *paths, "-m", marker, "--hypothesis-profile=ci", "-n", workers,
                *session.posargs, env=ONE_BLAS_THREAD)  # fmt: skip


@nox.session(allow_parallel=True)
def tests(session: nox.Session) -> None:
    """Unit tests of winit itself (tests/), including the report's, and the doctests of winit's
    modules but those a framework's session runs; not the integration tests."""
    elsewhere = [f"--ignore={module}" for module in (*TORCH_DOCTESTS, *AUDIT_DOCTESTS)]
    _unit_tests(session, "not integration", "winit", "--doctest-modules", *elsewhere)


@nox.session(allow_parallel=True)
def integration(session: nox.Session) -> None:
    """The integration tests (tests/integration): the property suite against broken cores, the
    README's install blocks in a fresh venv (from git and from a wheel), pytest and winit run as
    processes of their own. CI runs them."""
    _unit_tests(session, "integration")


def _claims(session: nox.Session, profile: str) -> None:
    _install(session, "-e", TEST)
    args = list(session.posargs)
    if "--merge" in args:  # shards' results (tools/shards.py) merged into one run
        args.remove("--merge")
        session.run("python", "-m", "tools.shards", "merge-results", *args, "--out", RESULTS,
                    success_codes=[0, 1])  # fmt: skip
        return
    # a test named after `--` (a failing card's reproduction line) runs alone, not beside all
    named = any(a.startswith("properties/") for a in args)
    targets = [] if named else ["properties"]
    if "--shard" in args:  # shard I/N of the property files, for a CI matrix
        at = args.index("--shard")
        listed = session.run("python", "-m", "tools.shards", "files", *args[at + 1 : at + 2],
                             silent=True)  # fmt: skip
        targets, args = str(listed).split(), args[:at] + args[at + 2 :]
    session.run(
        "pytest", *targets, f"--hypothesis-profile={profile}",
        f"--winit-results={RESULTS}", "--junitxml=reports/junit.xml", "-n", "2", *STEAL, *args,
        success_codes=[0, 1],  # failing claims: `report` renders them, then fails the gate
        env=ONE_BLAS_THREAD,
    )  # fmt: skip


@nox.session(allow_parallel=True)
def properties(session: nox.Session) -> None:
    """The claims as property tests (ci profile) -> reports/results.json; failures gate in report."""
    _claims(session, "ci")


@nox.session
def thorough(session: nox.Session) -> None:
    """The claims with the thorough hypothesis profile (nightly; then `nox -s report`).

    ``-- --shard I/N`` runs shard I of N of the property files (-> reports/results.partial.json);
    ``-- --merge SHARD.json ...`` merges the shards' results into reports/results.json."""
    _claims(session, "thorough")


@nox.session
def report(session: nox.Session) -> None:
    """Render reports/index.html from the results; fails if a claim or test failed."""
    _install(session, "-e", ".[report]")
    session.run("python", "-m", "winit", "report", "--results", RESULTS, "--check")


@nox.session
def browser(session: nox.Session) -> None:
    """Open the report in headless Chromium (Debian's) at 1280 and 412 px and check it;
    screenshots reports/screenshot-*.png."""
    session.install("-e", ".[report,browser]")
    session.run("python", "-m", "tools.browser_check", "reports")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and format check; the CI workflows against GitHub's workflow schema (the one
    check-jsonschema vendors: no network)."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows",
                *sorted(glob.glob(".github/workflows/*.yml")))  # fmt: skip


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over winit, tests, tools, properties, benchmarks and this file."""
    session.install("-e", ".[test,report,browser,lint]", "nox")
    session.run("mypy")


@nox.session(venv_backend=TORCH_BACKEND)
def bench(session: nox.Session) -> None:
    """Speed vs the bare RNG and torch, and the pipeline's wall time -> reports/bench.json;
    ``-- goals [--readme]``: the workflow's speed goals instead -> reports/goals.json.

    Initializers against the RNG and torch.nn.init, training steps against eager torch; prints a
    table. ``goals`` times nox from a fresh clone, warm nox, tests and report (benchmarks/goals.py)
    and rewrites the README's numbers with ``--readme``. Not part of the gate."""
    if session.posargs[:1] == ["goals"]:
        session.install("-e", ".", "nox", "uv")
        session.run("python", "-m", "benchmarks.goals", *session.posargs[1:])
        return
    session.install("-e", ".[test,report,bench]", "transformers")  # the audit rows' models
    session.run("python", "-m", "benchmarks.bench", *session.posargs)


#: torch.nn.init functions against the laws they document: (function, law, --param pairs,
#: expected exit status). trunc_normal_ documents N(mean, std²) cut at the *absolute* a, b (so
#: std=1 gives a result std of 0.88): it passes that law and fails the std-corrected one.
TORCH_LAWS = [
    ("xavier_normal_", "glorot_normal", (), 0),
    ("xavier_uniform_", "glorot_uniform", (), 0),
    ("kaiming_normal_", "he_normal", (), 0),
    ("kaiming_uniform_", "he_uniform", (), 0),
    ("kaiming_uniform_", "he_uniform", ("a=2.2360679774997896", "nonlinearity=leaky_relu"), 0),
    ("orthogonal_", "orthogonal", (), 0),
    ("normal_", "normal", (), 0),
    ("uniform_", "uniform", (), 0),
    ("trunc_normal_", "truncated_normal", ("a=-2", "b=2"), 0),
    ("trunc_normal_", "truncated_normal", (), 1),
]


@nox.session(name="verify-torch", venv_backend=TORCH_BACKEND)
def verify_torch(session: nox.Session) -> None:
    """``winit verify`` on torch.nn.init (the CPU torch of the torch extra) ->
    reports/verify-torch-*.json."""
    session.install("-e", ".[torch]")
    for i, (fn, law, params, status) in enumerate(TORCH_LAWS):
        args = [f"--param={p}" for p in params]
        out = f"reports/verify-torch-{i:02d}-{fn.rstrip('_')}.json"
        expect = "pass" if status == 0 else "fail"  # a documented finding, not a gate failure
        session.run(
            "python", "-m", "winit", "verify", f"torch.nn.init:{fn}", "--law", law, *args,
            "--json", out, f"--expect={expect}",
        )  # fmt: skip


#: CPU builds of the frameworks `winit verify` calls directly (tests/test_verify_frameworks.py);
#: tinygrad compiles its CPU kernels with clang at run time (installed by apt-get where root).
FRAMEWORKS = (
    "jax[cpu]", "flax", "dm-haiku", "keras", "tensorflow-cpu", "mlx[cpu]",
    "tinygrad", "equinox",
)  # fmt: skip


def _clang(session: nox.Session) -> None:
    """tinygrad's CPU kernels compile with clang at run time: Debian's, where we are root."""
    if shutil.which("clang") is None and shutil.which("apt-get") and os.geteuid() == 0:
        session.run("apt-get", "update", "-qq", external=True)
        session.run("apt-get", "install", "-y", "-qq", "clang", external=True)


@nox.session(name="verify-frameworks", venv_backend=TORCH_BACKEND)
def verify_frameworks(session: nox.Session) -> None:
    """``winit verify`` on every framework's own initializers, no adapter (not in the gate).

    Installs CPU builds of the frameworks and runs tests/test_verify_frameworks.py, where each
    calling convention is tested against the real framework (Keras on each installed backend)."""
    session.install("-e", ".[test,torch]", *FRAMEWORKS)
    _clang(session)
    env = {**ONE_BLAS_THREAD, "TF_CPP_MIN_LOG_LEVEL": "3"}
    # test_verify_cli too: framework imports stay lazy where the frameworks are installed
    tests = ("tests/test_verify_frameworks.py", "tests/test_verify_cli.py")
    session.run("pytest", *tests, "-ra", *session.posargs, env=env)


@nox.session(name="verify-chainer")
def verify_chainer(session: nox.Session) -> None:
    """The Chainer convention against real Chainer 7, in its own venv (it needs numpy < 2)."""
    # chainer ships only an sdist whose setup.py imports pkg_resources (gone from new setuptools)
    session.install("setuptools<70", "wheel", "numpy<2")
    session.install("--no-build-isolation", "chainer")
    session.install("-e", ".[test]", "numpy<2")
    session.run("pytest", "tests/test_verify_frameworks.py", "-ra", "-k", "chainer",
                *session.posargs, env=ONE_BLAS_THREAD)  # fmt: skip


@nox.session(venv_backend=TORCH_BACKEND)
def frameworks(session: nox.Session) -> None:
    """The conformance table: every documented initializer of each framework and its layers'
    defaults, verified directly -> reports/frameworks*.json (the report's conformance table).

    Keras runs once per backend (KERAS_BACKEND); Chainer in its own venv (numpy < 2). Not in
    the gate (a few minutes)."""
    session.install("-e", ".[torch]", *FRAMEWORKS)
    _clang(session)
    env = {**ONE_BLAS_THREAD, "TF_CPP_MIN_LOG_LEVEL": "3"}
    table = ("python", "-m", "winit.verify.conformance")
    session.run(*table, "--json", "reports/frameworks.json", env=env)
    for backend in ("jax", "torch", "numpy"):  # tensorflow: the default, in the run above
        out = f"reports/frameworks-keras-{backend}.json"
        session.run(*table, "--only", "keras", "--json", out, env={**env, "KERAS_BACKEND": backend})
    chainer = session.virtualenv.location + "-chainer"
    session.run("python", "-m", "venv", chainer, external=True)
    pip = (f"{chainer}/bin/python", "-m", "pip", "install", "-q")
    session.run(*pip, "setuptools<70", "wheel", "numpy<2", external=True)
    session.run(*pip, "--no-build-isolation", "chainer", external=True)
    session.run(*pip, "-e", ".", "numpy<2", external=True)
    session.run(f"{chainer}/bin/python", *table[1:], "--only", "chainer", "--json",
                "reports/frameworks-chainer.json", env=env, external=True)  # fmt: skip


#: the modules whose doctests need torch: the models session's transformers environment runs them
TORCH_DOCTESTS = ("winit/audit/api.py", "winit/signal/measuring.py",
                  "winit/signal/torch_signal.py", "winit/signal/width_sweep.py")  # fmt: skip
#: the frameworks ``winit audit`` reads beside torch, and the modules whose doctests need them
AUDIT_FRAMEWORKS = ("jax[cpu]", "flax", "keras")
AUDIT_DOCTESTS = ("winit/audit/keras_model.py", "winit/audit/flax_model.py",
                  "winit/audit/variables.py", "winit/audit/kinds.py",
                  "winit/signal/keras_signal.py", "winit/signal/flax_signal.py",
                  "winit/signal/jax_pass.py", "winit/signal/inputs.py",
                  "winit/audit/page.py")  # fmt: skip


@nox.session(name="audit-frameworks", allow_parallel=True)
def audit_frameworks(session: nox.Session) -> None:
    """``winit audit`` on real Keras 3 (jax backend) and Flax (nnx, linen) models built from
    small configs, in a venv without torch (the audit needs none for them)."""
    _install(session, "-e", ".[test,report]", *AUDIT_FRAMEWORKS)
    session.run("pytest", "tests/test_audit_keras.py", "tests/test_audit_flax.py",
                "tests/test_signal_keras.py", "tests/test_signal_flax.py", "tests/test_audit_page_flax.py",
                "--doctest-modules", *AUDIT_DOCTESTS, "-ra", "-n", "2", *session.posargs,
                env={**ONE_BLAS_THREAD, "KERAS_BACKEND": "jax"})  # fmt: skip


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation score: mutmut on the core, then the hand-written catalogue of the domain's bugs.

    mutmut runs on the core modules ([tool.mutmut] in pyproject; skipped with
    ``nox -s mutants -- quick``; other arguments name catalogue mutants to run, e.g.
    ``-- quick variance-2x``) and prints its per-module score and survivors, then the hand-written
    catalogue of the domain's bugs (tools/mutants.py): scored against the property suite alone
    (reported), then against the whole gate, tests + properties, where a survivor fails it. The
    scores go to reports/mutants.json, which the next ``nox -s report`` shows.

    ``-- quick --shard I/N`` runs shard I of N of the catalogue (a CI matrix);
    ``-- --merge FILE ...`` merges the shards' score files into reports/mutants.json."""
    session.install("-e", ".[test,report]", "mutmut>=3.5,<4")
    if "--merge" in session.posargs:
        session.run("python", "-m", "tools.mutants", *session.posargs, *SCORES)
        return
    if "quick" not in session.posargs:
        session.run("mutmut", "run", "--max-children", "2", env=ONE_BLAS_THREAD)
        session.run("mutmut", "results")
        session.run("python", "-m", "tools.mutants", "--mutmut-scores", *SCORES)
    names = [a for a in session.posargs if a != "quick"]
    catalogue = ("python", "-m", "tools.mutants", *names, *SCORES)
    session.run(*catalogue, env=ONE_BLAS_THREAD, success_codes=[0, 1])
    session.run(*catalogue, "--targets", "tests", "properties", env=ONE_BLAS_THREAD)


@nox.session
def flake(session: nox.Session) -> None:
    """Flake rate: the property suite rerun N times with fresh seeds, failures per claim.

    ``nox -s flake -- 200`` (default 50); prints the failures per claim beside the count the
    stated alphas allow and records them in reports/flake.json for the report (tools/flake.py).
    ``-- 200 --shard I/N --seed S`` runs shard I of N (a CI matrix: .github/workflows/nightly.yml);
    ``-- 200 --merge LOG ...`` tallies the shards' logs as one measurement."""
    session.install("-e", TEST)
    session.run("python", "-m", "tools.flake", "--json", "reports/flake.json", *session.posargs,
                env=ONE_BLAS_THREAD)  # fmt: skip


#: where `nox -s models` records its claims on real architectures; `nox -s report` renders them
MODEL_RESULTS = "reports/results-models.json"
#: the models session's environments: the project's extras and the packages each installs, and
#: its test files. torchvision and timm get their own: the served torchvision makes transformers'
#: imports fail
MODEL_TESTS = {
    "transformers": ("", ["transformers"], ["tests/test_audit_*.py", "tests/test_signal_*.py",
                     "tests/test_defaults_torch.py", "tests/test_attention.py",
                     "tests/test_norms.py", "tests/test_residual.py"]),
    "vision": (",vision", [], ["tests/test_audit_torchvision*.py"]),
}  # fmt: skip


def _model_tests(libraries: str) -> list[str]:
    """The test files of one environment."""

    def files(name: str) -> set[str]:
        return {f for p in MODEL_TESTS[name][2] for f in glob.glob(p)}

    mine = files(libraries)
    if libraries == "transformers":  # its audit pattern matches the other environments' files too
        mine -= set().union(*(files(n) for n in MODEL_TESTS if n != libraries))
    return sorted(mine)


@nox.session(venv_backend=TORCH_BACKEND, allow_parallel=True)
@nox.parametrize("libraries", list(MODEL_TESTS))
def models(session: nox.Session, libraries: str) -> None:
    """``winit audit`` and ``winit.signal`` on real models, torch's layer defaults, and the numpy
    core's attention, norms and residual stack against torch's: their tests with CPU torch and
    transformers, then in an environment of their own with torchvision and timm (real models
    from small configs; CI runs it, the default gate does not). The served torchvision's compiled
    ops do not load beside the CPU torch: its tests import it through a test-only guard
    (tests/vision.py). In the transformers environment, then the claims on a real architecture
    (properties/models) -> reports/results-models.json, which the next `nox -s report` renders
    and gates; they run and record even when a test failed, and the session fails if either
    did. `nox -s models -- properties/models/...::test [options]` (a failing card's reproduce
    line) reruns just that test."""
    rerun = session.posargs[:1] and session.posargs[0].startswith("properties/models/")
    if rerun and libraries != "transformers":
        session.skip("the claims on a real architecture run in the transformers environment")
    extras = MODEL_TESTS[libraries][0]
    session.install("-e", f".[test,torch,report{extras}]", *MODEL_TESTS[libraries][1])
    if rerun:
        session.run("pytest", *session.posargs, env=ONE_BLAS_THREAD)
        return
    failed: nox.command.CommandFailed | None = None
    doctests = ("--doctest-modules", *TORCH_DOCTESTS) if libraries == "transformers" else ()
    try:
        session.run("pytest", *_model_tests(libraries), *doctests, "-ra", "-n", "2",
                    *session.posargs, env=ONE_BLAS_THREAD)  # fmt: skip
    except nox.command.CommandFailed as e:
        failed = e
    if libraries == "transformers":
        session.run("pytest", "properties/models", "--hypothesis-profile=ci",
                    f"--winit-results={MODEL_RESULTS}", "-n", "2", env=ONE_BLAS_THREAD)  # fmt: skip
    if failed is not None:
        raise failed
