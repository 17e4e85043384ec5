#!/usr/bin/env bash
# Installs what the tests need beyond `npm ci`: Prometheus and promtool (the
# tests run a real Prometheus and `promtool test rules`). Does nothing when
# both are on PATH; installs Debian's package as root; otherwise says what to
# install and fails.
set -euo pipefail

if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  exit 0
fi

if [ "${EUID}" -ne 0 ]; then
  echo "test-prerequisites: the tests need prometheus and promtool on PATH: install them (Debian/Ubuntu: sudo apt-get install prometheus) and run the tests again" >&2
  exit 1
fi

echo "test-prerequisites: installing prometheus and promtool (apt-get install prometheus)" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
# The package may start a Prometheus service of its own; the tests start theirs.
if command -v systemctl >/dev/null 2>&1; then
  systemctl stop prometheus >/dev/null 2>&1 || true
fi
if command -v service >/dev/null 2>&1; then
  service prometheus stop >/dev/null 2>&1 || true
fi
promtool --version 2>&1 | head -1 >&2
