#!/usr/bin/env bash
# npm run demo: installs what it needs, builds, and runs the whole local mesh with the examples:
# NATS, the control plane, the Java providers and the PHP app (php -S and php-fpm) behind their
# sidecars, and callers in four directions: PHP -> Java gRPC and Thrift, Java gRPC and Thrift -> PHP.
# Extra arguments go to `transmesh dev` (e.g. --once: check each direction, exit 1 if any failed).
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
cd "$ROOT"

TRANSMESH_SKIP_EXAMPLES=0 ensure_all
build_ts
build_java_examples -DskipTests
exec node bin/transmesh dev --examples --quiet "$@"
