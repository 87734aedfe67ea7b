#!/usr/bin/env bash
# npm run demo: installs what it needs, builds, and runs the whole local mesh with the examples:
# NATS, the control plane, the Java providers behind their sidecars, a consumer sidecar, and
# the PHP client calling through. Extra arguments go to `transmesh dev` (e.g. --once).
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
cd "$ROOT"

TRANSMESH_SKIP_EXAMPLES=0 ensure_all
build_ts
build_java_examples -DskipTests
exec node bin/transmesh dev --examples --quiet "$@"
