"""`make lab`: JupyterLab on 127.0.0.1 with a token, serving notebooks/, and nothing that turns its security off.

The server is started exactly as `make lab` starts it (``tools/lab.sh``) and asked over HTTP: without the token
it refuses, with it it lists the notebooks and serves the JupyterLab page; its listening sockets are on the
loopback address only.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "tools" / "lab.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _venv_relative() -> str:
    prefix = Path(sys.prefix).resolve()
    if not prefix.is_relative_to(ROOT):
        pytest.skip("the tests do not run from the repository's own .venv")
    return str(prefix.relative_to(ROOT))


def _start(token: str | None, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_")}
    env.update(VENV=_venv_relative(), JUPYTER_PORT=str(port))
    if token is not None:
        env["JUPYTER_TOKEN"] = token
    return subprocess.Popen(
        ["bash", str(LAB)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> str:
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


def _wait_ready(port: int, token: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"lab.sh exited with {process.returncode}:\n{_stop(process)}")
        try:
            status, _ = _get(f"http://127.0.0.1:{port}/api/status?token={token}")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not answer on port {port} within {seconds} s:\n{_stop(process)}")


@pytest.fixture(scope="module")
def lab() -> dict:
    port, token = _free_port(), "t0ken" + "5" * 20
    process = _start(token, port)
    try:
        _wait_ready(port, token, process)
        server = psutil.Process(process.pid)
        listening = {
            (c.laddr.ip, c.laddr.port)
            for proc in [server, *server.children(recursive=True)]
            for c in proc.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        }
        yield {"port": port, "token": token, "listening": listening, "process": process}
    finally:
        _stop(process)


def test_refuses_requests_without_the_token(lab: dict) -> None:
    status, _ = _get(f"http://127.0.0.1:{lab['port']}/api/contents")
    assert status == 403
    status, _ = _get(f"http://127.0.0.1:{lab['port']}/api/contents?token=wrong")
    assert status == 403


def test_serves_the_notebooks_folder_with_the_token(lab: dict) -> None:
    status, body = _get(f"http://127.0.0.1:{lab['port']}/api/contents?token={lab['token']}")
    assert status == 200
    names = {item["name"] for item in json.loads(body)["content"]}
    assert "00_start_here.ipynb" in names
    assert names <= {p.name for p in (ROOT / "notebooks").iterdir()}
    status, page = _get(f"http://127.0.0.1:{lab['port']}/lab/tree/00_start_here.ipynb?token={lab['token']}")
    assert status == 200 and b"JupyterLab" in page


def test_listens_on_the_loopback_address_only(lab: dict) -> None:
    assert lab["listening"], "no listening socket found"
    assert {ip for ip, _ in lab["listening"]} == {"127.0.0.1"}
    assert lab["port"] in {port for _, port in lab["listening"]}


def test_a_new_random_token_is_made_when_none_is_given() -> None:
    port = _free_port()
    process = _start(None, port)
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and "token=" not in line:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
        match = re.search(r"http://127\.0\.0\.1:(\d+)/lab\S*\?token=([0-9a-f]+)", line)
        assert match, f"no URL with a token printed: {line!r}"
        assert int(match.group(1)) == port and len(match.group(2)) == 48
        _wait_ready(port, match.group(2), process)
        assert _get(f"http://127.0.0.1:{port}/api/status")[0] == 403
    finally:
        _stop(process)


#: Settings that would switch Jupyter's authentication or XSRF protection off.
INSECURE = [
    r"disable_check_xsrf", r"token\s*=\s*(''|\"\")", r"--(ServerApp|NotebookApp|IdentityProvider)\.token=(''|\"\"|\s|$)",
    r"password\s*=\s*(''|\"\")", r"allow_unauthenticated_access\s*=\s*True", r"--ip=0\.0\.0\.0", r"ip\s*=\s*'0\.0\.0\.0'",
]


def test_nothing_in_the_repository_disables_authentication_or_xsrf() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    texts = [p for p in tracked if p.endswith((".sh", ".py", ".json", ".yml", ".yaml", ".toml", ".cfg", "Makefile", "postBuild"))]
    pattern = re.compile("|".join(INSECURE))
    found = []
    for name in texts:
        if name == "tests/test_lab.py":
            continue
        path = ROOT / name
        if path.is_file() and path.stat().st_size < 2_000_000:
            for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{name}:{number}: {line.strip()}")
    assert found == []
