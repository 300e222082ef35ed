#!/usr/bin/env bash
# The conformance oracle (conformance/oracle/, its own Go module): upstream's provider, driver and API-server
# validation code, built once into the toolchain cache, keyed by the hash of its sources, go.mod and go.sum.
#
#   scripts/conformance-oracle.sh build      build if needed; print the binary's path
#   scripts/conformance-oracle.sh run        run it on stdin/stdout inside a network namespace with no route
#   scripts/conformance-oracle.sh versions   print the upstream module versions it was built from
#   scripts/conformance-oracle.sh module M   print the module-cache directory of dependency M (e.g. the provider,
#                                            for its examples/), at the version go.mod pins
#
# Needs Go and the Go module proxy (or a warm module cache). Every module is verified against the committed
# go.sum, so no checksum-database lookup happens (two pinned upstream versions are not in sum.golang.org).
# `run` needs `unshare -n` (root, or unprivileged user namespaces).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SOURCE="$REPO_ROOT/conformance/oracle"
CACHE="${AKV_TOOLCHAIN_CACHE:-$HOME/.cache/aks-keyvault-secrets-toolchain}/conformance-oracle"

export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="-mod=readonly" CGO_ENABLED=0

source_sum() {
  (cd "$SOURCE" && sha256sum go.mod go.sum ./*.go) | sha256sum | cut -c1-16
}

build() {
  local bin="$CACHE/$(source_sum)/oracle"
  if [ ! -x "$bin" ]; then
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.lock"
    flock 9
    if [ ! -x "$bin" ]; then
      echo "[conformance-oracle] building $SOURCE (first time: downloads the provider, driver and Kubernetes modules)" >&2
      local started=$SECONDS
      mkdir -p "$(dirname "$bin")"
      (cd "$SOURCE" && go build -trimpath -o "$bin.tmp" .) >&2 || { echo "[conformance-oracle] build failed" >&2; exit 1; }
      mv "$bin.tmp" "$bin"
      echo "[conformance-oracle] built in $((SECONDS - started)) s: $bin" >&2
    fi
    exec 9>&-
  fi
  echo "$bin"
}

case "${1:-}" in
  build) build ;;
  run) bin="$(build)"; exec unshare -n "$bin" ;;
  versions) "$(build)" -version ;;
  module)
    [ -n "${2:-}" ] || { echo "usage: $0 module MODULE_PATH" >&2; exit 2; }
    (cd "$SOURCE" && go mod download "$2" && go list -m -f '{{.Dir}}' "$2")
    ;;
  *) sed -n '2,14p' "$0" >&2; exit 2 ;;
esac
