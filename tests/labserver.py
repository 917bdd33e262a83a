"""Start and stop JupyterLab exactly as `make lab` does (tools/lab.sh), for tests/test_lab.py and test_browser.py."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "tools" / "lab.sh"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    """HTTP status and body of a GET (error statuses returned, not raised)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def venv_relative() -> str:
    """The running venv relative to the repository (lab.sh's VENV); skips when the tests run elsewhere."""
    prefix = Path(sys.prefix).resolve()
    if not prefix.is_relative_to(ROOT):
        pytest.skip("the tests do not run from the repository's own .venv")
    return str(prefix.relative_to(ROOT))


def start(token: str | None, port: int, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """Run tools/lab.sh in its own process group; ``token=None`` lets lab.sh make one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_")}
    env.update(VENV=venv_relative(), JUPYTER_PORT=str(port), **(extra_env or {}))
    if token is not None:
        env["JUPYTER_TOKEN"] = token
    return subprocess.Popen(
        ["bash", str(LAB)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> str:
    """Stop the server and everything it started; returns what it printed."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        out, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, _ = process.communicate()
    return out


def wait_ready(port: int, token: str, process: subprocess.Popen, seconds: float = 120) -> None:
    """Wait until the server answers /api/status with the token (fails with its output otherwise)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"lab.sh exited with {process.returncode}:\n{stop(process)}")
        try:
            if get(f"http://127.0.0.1:{port}/api/status?token={token}")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not answer on port {port} within {seconds} s:\n{stop(process)}")
