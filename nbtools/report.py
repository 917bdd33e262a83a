"""Execute notebooks into HTML reports (``make report``).

Each notebook runs top to bottom on a fresh kernel in its own folder, as a user would run it, and is written
to ``<out_dir>/<relative path>.html`` with its outputs; the notebooks themselves are not changed. A notebook
that fails is still written (its error is in the HTML) and counted as a failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NotebookRun", "find_notebooks", "run_notebooks"]


@dataclass(frozen=True)
class NotebookRun:
    """What executing one notebook gave.

    Attributes
    ----------
    notebook : Path
        The notebook executed.
    html : Path
        The HTML report written.
    seconds : float
        Wall time of the execution (s).
    error : str or None
        The first error (cell and exception), or None when every cell ran.
    """

    notebook: Path
    html: Path
    seconds: float
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def _is_workshop_exercise(path: Path) -> bool:
    parts = path.parts
    return any(parts[i : i + 2] == ("workshop", "exercises") for i in range(len(parts) - 1))


def find_notebooks(root: str | Path) -> list[Path]:
    """The notebooks under ``root`` in name order (sub-folders included, checkpoints left out).

    The workshop's exercise notebooks (``workshop/exercises/``) are left out too: they stop at their blanks on
    purpose (their solutions, in ``workshop/solutions/``, are run). A notebook named directly is always kept.
    """
    root = Path(root)
    if root.is_file():
        return [root]
    return sorted(
        p
        for p in root.rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts and not _is_workshop_exercise(p.resolve())
    )


def _kernel_manager(kernel_name: str) -> object:
    """A kernel manager whose kernel does not warn "Kernel is running over TCP without encryption".

    ipykernel logs that warning once per kernel started over TCP without CurveZMQ keys, so ``make report``
    printed it for every notebook. Rather than silencing the kernel's log (which would hide its other
    warnings), the manager hands the kernel CurveZMQ keys (``transport_encryption="auto"``: only when the
    kernel spec declares ``supported_encryption: curve``, as ipykernel's does) so its local sockets are
    encrypted; where pyzmq has no CurveZMQ support, POSIX systems use IPC sockets instead of TCP, over which
    the kernel does not warn either.
    """
    import os

    import zmq
    from jupyter_client.manager import KernelManager

    if zmq.has("curve"):
        return KernelManager(kernel_name=kernel_name, transport_encryption="auto")
    if os.name == "posix":
        return KernelManager(kernel_name=kernel_name, transport="ipc")
    return KernelManager(kernel_name=kernel_name)


def _execute(path: Path, timeout: float) -> tuple[object, str | None]:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        km=_kernel_manager("python3"),
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        lines = str(error).strip().splitlines()
        return notebook, lines[-1] if lines else "a cell failed"
    except Exception as error:  # a kernel that dies or times out is a failed notebook, not a crashed report
        return notebook, f"{type(error).__name__}: {error}"
    return notebook, None


def run_notebooks(
    notebooks: Iterable[str | Path],
    out_dir: str | Path,
    root: str | Path | None = None,
    timeout: float = 900,
    echo: Callable[[str], None] | None = print,
) -> list[NotebookRun]:
    """Execute notebooks and write each as HTML, one line of progress per notebook.

    Parameters
    ----------
    notebooks : iterable of path
        The notebooks, in the order to run them.
    out_dir : path
        Folder for the HTML files (created); a notebook ``root/a/b.ipynb`` becomes ``out_dir/a/b.html``.
    root : path, optional
        The folder the notebooks' relative paths are taken from; default their common parent.
    timeout : float, default 900
        Seconds one cell may run before the notebook counts as failed.
    echo : callable, optional
        Called with one line per notebook (default ``print``); None for silence.

    Returns
    -------
    list of NotebookRun
        One per notebook, in order.
    """
    from nbconvert import HTMLExporter

    paths = [Path(p).resolve() for p in notebooks]
    if not paths:
        raise ValueError("no notebooks to run")
    base = Path(root).resolve() if root is not None else Path(*_common_parts(paths))
    out_dir = Path(out_dir)
    exporter = HTMLExporter()
    runs = []
    for number, path in enumerate(paths, 1):
        start = time.perf_counter()
        notebook, error = _execute(path, timeout)
        seconds = time.perf_counter() - start
        html = out_dir / path.relative_to(base).with_suffix(".html")
        html.parent.mkdir(parents=True, exist_ok=True)
        body, _ = exporter.from_notebook_node(notebook)
        html.write_text(body, encoding="utf-8")
        run = NotebookRun(path, html, seconds, error)
        runs.append(run)
        if echo is not None:
            status = "ok" if run.ok else f"FAILED: {error}"
            echo(f"[{number}/{len(paths)}] {path.relative_to(base)}  {seconds:6.1f} s  {status}")
    return runs


def _common_parts(paths: list[Path]) -> tuple[str, ...]:
    parents = [p.parent.parts for p in paths]
    common = []
    for parts in zip(*parents):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return tuple(common)
