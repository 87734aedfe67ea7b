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
npx eslint . --max-warnings=0
npx jest --runInBand "$@"
