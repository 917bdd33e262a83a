#!/usr/bin/env bash
# Start JupyterLab for `make lab`: 127.0.0.1 only, token auth, notebooks/ as the root, and all
# Jupyter state (config, runtime files, data) under .jupyter/ in the repo instead of $HOME.
#   JUPYTER_TOKEN  token to use (default: a new random one each start; never empty)
#   JUPYTER_PORT   first port to try (default 8888; the next free one is taken if it is busy)
#   LAB_ARGS       extra arguments for `jupyter lab`
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
venv=${VENV:-.venv}
py="$root/$venv/bin/python"

export JUPYTER_CONFIG_DIR="$root/.jupyter/config"
export JUPYTER_RUNTIME_DIR="$root/.jupyter/runtime"
export JUPYTER_DATA_DIR="$root/.jupyter/data"
mkdir -p "$JUPYTER_CONFIG_DIR" "$JUPYTER_RUNTIME_DIR" "$JUPYTER_DATA_DIR" notebooks

if [ -z "${JUPYTER_TOKEN:-}" ]; then
    JUPYTER_TOKEN=$("$py" -c 'import secrets; print(secrets.token_hex(24))')
fi
export JUPYTER_TOKEN   # read by jupyter_server; kept off the command line (and out of `ps`)

port=$("$py" - "${JUPYTER_PORT:-8888}" <<'PY'
import socket, sys
first = int(sys.argv[1])
for port in range(first, first + 50):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
else:
    sys.exit(f"no free port in {first}..{first + 49}")
PY
)

args=(--no-browser --ip=127.0.0.1 --port="$port" --ServerApp.port_retries=0
      --ServerApp.root_dir="$root/notebooks")
[ "$(id -u)" -eq 0 ] && args+=(--allow-root)   # Jupyter refuses to run as root without it

url="http://127.0.0.1:$port/lab"
[ -f notebooks/00_start_here.ipynb ] && url="$url/tree/00_start_here.ipynb"
echo
echo "  JupyterLab: $url?token=$JUPYTER_TOKEN"
echo "  (open it in your browser; stop the server with Ctrl-C)"
echo

# shellcheck disable=SC2086  # LAB_ARGS is split on purpose
exec "$root/$venv/bin/jupyter-lab" "${args[@]}" ${LAB_ARGS:-}
