#!/usr/bin/env bash
# npm run bench [-- --quick | --profile | --peers | --out FILE ...]: builds, then runs the benchmark
# (bench/main.ts): the mesh against direct gRPC and Thrift calls, side by side, in one run.
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
# --peers: nginx (grpc_pass) and protoc for grpc-gateway; Go builds the gateway itself (cached).
if [[ " $* " == *" --peers "* ]]; then
  ensure_apt nginx nginx-light
  ensure_apt protoc protobuf-compiler
  export PATH="$PATH:/usr/local/go/bin"
fi
run_built dist/bench/main.js "$@"
