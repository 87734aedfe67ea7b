#!/usr/bin/env bash
# Builds the grpc-gateway v2 bench peer (Go, modules from the module proxy) into
# ~/.cache/transmesh/grpc-gateway-bench/gateway, once; prints the binary's path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
proto="$here/../../fixtures/bench.proto"
cache="${TRANSMESH_CACHE:-$HOME/.cache/transmesh}"
out="$cache/grpc-gateway-bench"
go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
stamp="$(cat "$here/main.go" "$proto" "$0" | sha256sum | cut -c1-16)"
if [[ -x "$out/gateway" && "$(cat "$out/stamp" 2>/dev/null)" == "$stamp" ]]; then echo "$out/gateway"; exit 0; fi
command -v protoc >/dev/null || { echo "protoc is missing (apt-get install -y protobuf-compiler)" >&2; exit 1; }
export GOBIN="$cache/bin" GOFLAGS=-modcacherw PATH="$cache/bin:$PATH"
for tool in google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12 google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2 github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@v2.33.0; do
  name="${tool%@*}"; name="${name##*/}"
  [[ -x "$GOBIN/$name" ]] || "$go" install "$tool" >&2
done
rm -rf "$out/src" && mkdir -p "$out/src/gen"
cp "$here/main.go" "$out/src/"
# The Go package of the generated code, given on the command line so the fixture stays as it is.
m="Mbench.proto=transmesh.bench/gateway/gen/bench/v1"
protoc -I "$(dirname "$proto")" --go_out="$out/src/gen" --go_opt=paths=source_relative,"$m" \
  --go-grpc_out="$out/src/gen" --go-grpc_opt=paths=source_relative,"$m" \
  --grpc-gateway_out="$out/src/gen" --grpc-gateway_opt=paths=source_relative,generate_unbound_methods=true,"$m" \
  bench.proto >&2
mkdir -p "$out/src/gen/bench/v1" && mv "$out/src/gen"/bench*.go "$out/src/gen/bench/v1/"
cd "$out/src"
"$go" mod init transmesh.bench/gateway >&2 2>/dev/null || true
# The runtime at the generator's version; the rest as tidy resolves it.
"$go" get github.com/grpc-ecosystem/grpc-gateway/v2@v2.33.0 >&2
"$go" mod tidy >&2
"$go" build -o "$out/gateway" . >&2
echo "$stamp" > "$out/stamp"
echo "$out/gateway"
