#!/usr/bin/env bash
# npm run bench [-- --quick | --profile | --out FILE ...]: builds, then runs the benchmark
# (bench/main.ts): the mesh against direct gRPC and Thrift calls, side by side, in one run.
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
run_built dist/bench/main.js "$@"
