#!/usr/bin/env bash
# Renders a local Helm chart with Helm's own engine (helm.sh/helm/v3 at the version the Pulumi Kubernetes
# provider 4.25.0 embeds), like `helm template`, without a helm binary or a cluster:
#
#   scripts/helm-template.sh CHART_DIR RELEASE NAMESPACE
#
# Refresh the rendered test chart with:
#   scripts/helm-template.sh tests/fixtures/migration/chart shop shop > tests/fixtures/migration/chart.rendered.yaml
#
# The program (scripts/helm-template/main.go) is built once into the toolchain cache, outside the repository,
# from the Go module proxy (or the local module cache).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELM_VERSION="${AKV_HELM_VERSION:-v3.18.6}"
CACHE="${AKV_TOOLCHAIN_CACHE:-$HOME/.cache/aks-keyvault-secrets-toolchain}/helm-template-${HELM_VERSION}"
BIN="$CACHE/bin/helm-template"

# Keyed on the source's content, not its mtime: a fresh clone must not rebuild an identical program.
SOURCE_SUM="$(sha256sum "$REPO_ROOT/scripts/helm-template/main.go" | cut -d' ' -f1)"
if [ ! -x "$BIN" ] || [ "$(cat "$CACHE/bin/source.sha256" 2>/dev/null)" != "$SOURCE_SUM" ]; then
  mkdir -p "$CACHE/src" "$CACHE/bin"
  cp "$REPO_ROOT/scripts/helm-template/main.go" "$CACHE/src/main.go"
  printf 'module local/helm-template\n\ngo 1.24\n\nrequire helm.sh/helm/v3 %s\n' "$HELM_VERSION" > "$CACHE/src/go.mod"
  (cd "$CACHE/src" && go mod tidy >&2 && go build -o "$BIN" .) || { echo "helm-template: build failed" >&2; exit 1; }
  echo "$SOURCE_SUM" > "$CACHE/bin/source.sha256"
fi
exec "$BIN" "$@"
