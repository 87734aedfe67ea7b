#!/usr/bin/env bash
# npm run demo: installs what it needs, builds, and runs the whole local mesh with the examples:
# NATS, the control plane, the Java providers behind their sidecars, a consumer sidecar, and
# the PHP client calling through. Extra arguments go to `transmesh dev` (e.g. --once).
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
cd "$ROOT"

ensure_node_modules
ensure_apt nats-server nats-server
ensure_apt thrift thrift-compiler
ensure_apt mvn maven
ensure_php
build_ts
if [ ! -f examples-java/target/transmesh-examples.jar ] || [ -n "$(find idl examples-java/src examples-java/pom.xml -newer examples-java/target/transmesh-examples.jar -print -quit)" ]; then
  echo "building the Java examples (first time: about a minute)..."
  (cd examples-java && mvn -q -B package -DskipTests)
fi
exec node bin/transmesh dev --examples --quiet "$@"
