#!/usr/bin/env bash
# Make sure Debian's chromium is at /usr/bin/chromium for the browser tests (tests/test_browser.py).
#   - already there: print its version and exit 0
#   - missing and we are root with apt-get: `apt-get install -y chromium` (no Playwright browser download)
#   - missing otherwise: print the reason on stderr and exit 3 (the tests skip with that reason)
# CHROMIUM overrides the path checked (default /usr/bin/chromium).
set -euo pipefail

chromium=${CHROMIUM:-/usr/bin/chromium}

if [ -x "$chromium" ]; then
    "$chromium" --version 2>/dev/null || echo "chromium at $chromium"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "ensure_chromium: $chromium is missing and we are not root; install it with: sudo apt-get install -y chromium" >&2
    exit 3
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: $chromium is missing and apt-get is not available on this system" >&2
    exit 3
fi

echo "ensure_chromium: installing chromium with apt-get (a few minutes the first time)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends chromium >&2; then
    apt-get update >&2 || true
    apt-get install -y --no-install-recommends chromium >&2 || {
        echo "ensure_chromium: apt-get install chromium failed" >&2
        exit 3
    }
fi

if [ ! -x "$chromium" ]; then
    echo "ensure_chromium: apt-get finished but $chromium is still missing" >&2
    exit 3
fi
"$chromium" --version 2>/dev/null || echo "chromium at $chromium"
