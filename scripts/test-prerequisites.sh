#!/usr/bin/env bash
# Installs what the tests need beyond `npm ci`: Prometheus and promtool (the
# tests run a real Prometheus and `promtool test rules`) and Chromium (the
# landing page is checked in a headless browser). Does nothing when all are on
# PATH; installs Debian's packages as root; otherwise says what to install and
# fails. kubectl (the Kubernetes overlay is rendered with `kubectl kustomize`)
# has no Debian package recent enough: it is named here, not installed; its
# test fails under CI without it and is skipped elsewhere.
set -euo pipefail

if ! command -v kubectl >/dev/null 2>&1; then
  echo "test-prerequisites: kubectl is not on PATH: the Kubernetes overlay test fails under CI (CI=true) and is skipped elsewhere; install kubectl 1.21 or later (https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/)" >&2
fi

missing=()
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  missing+=(prometheus)
fi
if ! command -v chromium >/dev/null 2>&1; then
  missing+=(chromium)
fi
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "${EUID}" -ne 0 ]; then
  echo "test-prerequisites: the tests need prometheus, promtool and chromium on PATH: install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}) and run the tests again" >&2
  exit 1
fi

echo "test-prerequisites: installing ${missing[*]} (apt-get install ${missing[*]})" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
if [[ " ${missing[*]} " == *" prometheus "* ]]; then
  # The package may start a Prometheus service of its own; the tests start theirs.
  if command -v systemctl >/dev/null 2>&1; then
    systemctl stop prometheus >/dev/null 2>&1 || true
  fi
  if command -v service >/dev/null 2>&1; then
    service prometheus stop >/dev/null 2>&1 || true
  fi
  promtool --version 2>&1 | head -1 >&2
fi
if [[ " ${missing[*]} " == *" chromium "* ]]; then
  chromium --version 2>&1 | head -1 >&2
fi
