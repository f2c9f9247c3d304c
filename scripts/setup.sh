#!/usr/bin/env bash
# Set up everything corral's demo and tests need on a fresh Debian machine (run as root):
# system packages (among them the container engines of tests/docker, Debian's docker.io and
# podman: about a minute to download and install; PostgreSQL for tests/history; chromium for
# tests/server), a virtual environment with corral and
# its test tools, the test image.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for tool in debootstrap:debootstrap chroot:coreutils mount:mount unshare:util-linux \
        iptables:iptables ip:iproute2 ssh:openssh-client nsenter:util-linux \
        dockerd:docker.io podman:podman runc:runc sv:runit; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool##*:}")
done
# PostgreSQL's server programs (not on PATH in Debian): tests/history starts a throwaway
# cluster with them, the same store tests as on SQLite
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
# Debian's Chromium: tests/server drives it headless through Playwright for Python (pip's
# playwright, from .[dev]; Playwright's own browser builds are never downloaded)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[dev]'

# the Debian test image, cached outside the checkout (/var/cache/corral-test)
.venv/bin/python -m corral.testing.image >/dev/null

# pyinfra 3.10 in a virtual environment of its own, cached outside the checkout (shared with
# the benchmarks): tests/compat runs the same projects with it and with corral
.venv/bin/python -c 'import sys; sys.path.insert(0, "bench"); import tools; tools.ensure_venv("pyinfra")' \
    >/dev/null || echo "setup: pyinfra could not be installed; tests/compat will skip" >&2
