#!/usr/bin/env bash
# npm test: installs what the tests need, builds, lints, and runs every test.
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
cd "$ROOT"

ensure_all
build_ts
if [ "${TRANSMESH_SKIP_EXAMPLES:-0}" != 1 ]; then build_java_examples; fi
npm run -s lint
npx jest --runInBand "$@"
