"""`make lab`: JupyterLab on 127.0.0.1 with a token, serving notebooks/, and nothing that turns its security off.

The server is started exactly as `make lab` starts it (``tools/lab.sh``) and asked over HTTP: without the token
it refuses, with it it lists the notebooks and serves the JupyterLab page; its listening sockets are on the
loopback address only.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from labserver import free_port, get, start, stop, wait_ready

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def lab() -> dict:
    port, token = free_port(), "t0ken" + "5" * 20
    process = start(token, port)
    try:
        wait_ready(port, token, process)
        server = psutil.Process(process.pid)
        listening = {
            (c.laddr.ip, c.laddr.port)
            for proc in [server, *server.children(recursive=True)]
            for c in proc.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        }
        yield {"port": port, "token": token, "listening": listening, "process": process}
    finally:
        stop(process)


def test_refuses_requests_without_the_token(lab: dict) -> None:
    status, _ = get(f"http://127.0.0.1:{lab['port']}/api/contents")
    assert status == 403
    status, _ = get(f"http://127.0.0.1:{lab['port']}/api/contents?token=wrong")
    assert status == 403


def test_serves_the_notebooks_folder_with_the_token(lab: dict) -> None:
    status, body = get(f"http://127.0.0.1:{lab['port']}/api/contents?token={lab['token']}")
    assert status == 200
    names = {item["name"] for item in json.loads(body)["content"]}
    assert "00_start_here.ipynb" in names
    assert names <= {p.name for p in (ROOT / "notebooks").iterdir()}
    status, page = get(f"http://127.0.0.1:{lab['port']}/lab/tree/00_start_here.ipynb?token={lab['token']}")
    assert status == 200 and b"JupyterLab" in page


def test_listens_on_the_loopback_address_only(lab: dict) -> None:
    assert lab["listening"], "no listening socket found"
    assert {ip for ip, _ in lab["listening"]} == {"127.0.0.1"}
    assert lab["port"] in {port for _, port in lab["listening"]}


def test_a_new_random_token_is_made_when_none_is_given() -> None:
    port = free_port()
    process = start(None, port)
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
        wait_ready(port, match.group(2), process)
        assert get(f"http://127.0.0.1:{port}/api/status")[0] == 403
    finally:
        stop(process)


#: Settings that would switch Jupyter's authentication or XSRF protection off.
INSECURE = [
    r"disable_check_xsrf",
    r"token\s*=\s*(''|\"\")",
    r"--(ServerApp|NotebookApp|IdentityProvider)\.token=(''|\"\"|\s|$)",
    r"password\s*=\s*(''|\"\")",
    r"allow_unauthenticated_access\s*=\s*True",
    r"--ip=0\.0\.0\.0",
    r"ip\s*=\s*'0\.0\.0\.0'",
]


def test_nothing_in_the_repository_disables_authentication_or_xsrf() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    texts = [
        p
        for p in tracked
        if p.endswith((".sh", ".py", ".json", ".yml", ".yaml", ".toml", ".cfg", "Makefile", "postBuild"))
    ]
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
