#!/usr/bin/env bash
# From a fresh Debian/Ubuntu machine to a running cluster: host setup, npm
# dependencies (including Node 22 itself), then `kcluster create`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-host.sh
npm ci --no-audit --no-fund
exec npx --no-install kcluster create "$@"
