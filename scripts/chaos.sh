#!/usr/bin/env bash
# npm run chaos [-- --down-ms 5000 --rate 50]: builds, then runs bench/chaos/main.ts: a 3-node
# NATS cluster on loopback under steady traffic while nodes, a control plane and a provider die.
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
run_built dist/bench/chaos/main.js "$@"
