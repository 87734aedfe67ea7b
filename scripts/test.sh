#!/usr/bin/env bash
# npm test: installs what the tests need, builds, type-checks, lints, and runs every test.
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
cd "$ROOT"

ensure_node_modules
ensure_apt nats-server nats-server
ensure_apt thrift thrift-compiler
if [ "${TRANSMESH_SKIP_EXAMPLES:-0}" != 1 ]; then
  ensure_php
  ensure_apt mvn maven
fi

build_ts
if [ "${TRANSMESH_SKIP_EXAMPLES:-0}" != 1 ]; then
  # Maven keeps what it downloads in ~/.m2, so only the first run on a machine fetches.
  if [ ! -f examples-java/target/transmesh-examples.jar ] || [ -n "$(find idl examples-java/src examples-java/pom.xml -newer examples-java/target/transmesh-examples.jar -print -quit)" ]; then
    (cd examples-java && mvn -q -B package)
  fi
fi
npx eslint . --max-warnings=0
npx jest --runInBand "$@"
