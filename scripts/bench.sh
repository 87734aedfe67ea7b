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
# --php (and --peers, which implies it): PHP-FPM and nginx (fastcgi_pass) for the FastCGI rows;
# full runs leave them out, saying so, without.
if [[ " $* " == *" --php "* || " $* " == *" --peers "* ]]; then
  ensure_php
  ensure_apt nginx nginx-light
fi
# The native gRPC rows (full runs, --native, --peers) drive the sidecars with ghz; without Go the
# bench leaves them out and says so.
if [[ " $* " != *" --quick "* || " $* " == *" --native "* || " $* " == *" --peers "* ]]; then
  ensure_ghz || echo "bench: ghz could not be built; the native gRPC rows will be left out" >&2
fi
# Node 24 runs the sidecars and the control plane unless --node says otherwise (issue 23); the
# bench falls back to the system node, saying so in its header and JSON, when it cannot be had.
if [[ " $* " != *" --node "* && " $* " != *" --node="* ]]; then
  ensure_node24 || echo "bench: Node 24 could not be fetched; the sidecars will run on $(node --version)" >&2
fi
run_built dist/bench/main.js "$@"
