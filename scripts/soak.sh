#!/usr/bin/env bash
# npm run soak [-- --minutes 30 --rate 30]: builds, then runs bench/soak/main.ts: the demo's mesh
# (CA, policy, Java providers) under steady load with an IDL push, a policy apply and certificate
# renewals every minute and a provider restarted every few minutes; prints whether every
# process's memory, fds, event-loop lag and NATS consumers stayed flat. Not part of npm test.
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
build_java_examples -DskipTests
# The heap is read through each process's inspector, over the WebSocket Node 22 has built in.
run_built --experimental-websocket dist/bench/soak/main.js "$@"
