"""The README's "In another project" blocks run as printed: install winit into a fresh virtual
environment from a git URL and from a wheel, run the pytest example there, and the CI step."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def readme_block(tag: str) -> str:
    """The fenced block after ``<!-- readme-test: TAG -->`` in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- readme-test: {tag} -->\n```\w+\n(.*?)```", text, re.DOTALL)
    assert match, f"README.md has no block tagged {tag}"
    return match.group(1)


def _has_history() -> bool:
    """Whether ROOT is the top of a git checkout with a commit (a `git archive` tarball is not,
    even when extracted inside another repository)."""
    git = ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", "--show-toplevel", "HEAD"]
    done = subprocess.run(git, capture_output=True, text=True, check=False)
    return done.returncode == 0 and Path(done.stdout.splitlines()[0]).resolve() == ROOT


def _run(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True,
        text=True, timeout=600, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv (no winit) and an empty project folder, with WINIT_GIT pointing at this
    checkout's repository (its committed HEAD, as a git URL)."""
    if shutil.which("git") is None:
        # reason: the install block installs from a git URL, which pip clones with git
        pytest.skip("git is not on PATH")  # reason: above
    if not _has_history():
        # reason: the install block clones the repository, which a source tarball is not
        pytest.skip(f"{ROOT} has no git history (a source tarball)")  # reason: above
    base = tmp_path_factory.mktemp("readme")
    venv.create(base / "venv", with_pip=True)
    bindir = base / "venv" / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env |= {"PATH": f"{bindir}{os.pathsep}{env['PATH']}", "WINIT_GIT": f"file://{ROOT}"}
    # the pip venv bundles may be too old for a file:/// git URL (a real host needs no upgrade)
    upgrade = [str(bindir / "python"), "-m", "pip", "install", "-q", "--upgrade", "pip"]
    subprocess.run(upgrade, env=env, check=True, capture_output=True, timeout=300)
    (base / "proj" / "tests").mkdir(parents=True)
    return base / "proj", env


def test_install_block_installs_from_git_and_from_a_wheel(
    project: tuple[Path, dict[str, str]],
) -> None:
    proj, env = project
    git_line, wheel_line = [
        ln for ln in readme_block("install").splitlines() if ln.startswith("python")
    ]
    done = _run(git_line, proj, env)
    assert done.returncode == 0, done.stderr[-2000:]
    checkout = proj.parent / "checkout"
    shutil.copytree(
        ROOT, checkout, ignore=shutil.ignore_patterns(".nox", ".git", "reports", "dist")
    )
    done = _run(wheel_line.replace("dist/", f"{checkout}/dist/"), checkout, env)
    assert done.returncode == 0, done.stderr[-2000:]
    show = _run("python -c 'import winit, sys; print(winit.__file__)'", proj, env)
    assert "site-packages" in show.stdout, show.stdout + show.stderr


def test_pytest_example_and_ci_step_run_and_a_wrong_law_shows_its_rows(
    project: tuple[Path, dict[str, str]],
) -> None:
    proj, env = project
    example = readme_block("pytest")
    (proj / "tests" / "test_init.py").write_text(example, encoding="utf-8")
    done = _run(readme_block("ci"), proj, env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 passed" in done.stdout
    assert (proj / "verify.json").is_file()
    # the same test against the wrong law fails, and pytest's message names the failing check
    wrong = example.replace('law="glorot_normal"', 'law="he_normal"')
    (proj / "tests" / "test_wrong.py").write_text(wrong, encoding="utf-8")
    done = _run("python -m pytest -q tests/test_wrong.py", proj, env)
    assert done.returncode == 1, done.stdout[-3000:]
    assert "FAILED" in done.stdout and "variance ratio" in done.stdout, done.stdout[-3000:]
