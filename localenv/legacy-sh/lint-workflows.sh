#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows/*.yml) with actionlint.
#
# actionlint is built from source through the Go module proxy (no binary downloads) into a cache outside the
# repository, one directory per version, and reused on later runs:
#   ${AKV_TOOLCHAIN_CACHE:-$HOME/.cache/aks-keyvault-secrets-toolchain}/actionlint-<version>/actionlint
#
# Shell snippets in `run:` steps are checked with shellcheck when it is on PATH. When it is missing and this
# runs as root with apt-get (a CI box, a dev container), the script installs Debian's shellcheck package first;
# set AKV_LINT_INSTALL_SHELLCHECK=0 to skip that. Without shellcheck, actionlint runs with -shellcheck= and says so.
#
# Environment:
#   ACTIONLINT_VERSION            module version to build (default below; list: go list -m -versions github.com/rhysd/actionlint)
#   AKV_TOOLCHAIN_CACHE           cache root (default $HOME/.cache/aks-keyvault-secrets-toolchain)
#   AKV_LINT_INSTALL_SHELLCHECK   0 = never apt-get install shellcheck
#
# Exit status: actionlint's (0 clean, 1 problems found), 2 when the tool cannot be built or no workflow exists.
set -euo pipefail

ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${AKV_TOOLCHAIN_CACHE:-$HOME/.cache/aks-keyvault-secrets-toolchain}"
bin_dir="$cache_root/actionlint-$ACTIONLINT_VERSION"
actionlint="$bin_dir/actionlint"

build_actionlint() {
    if ! command -v go >/dev/null 2>&1; then
        echo "lint-workflows: 'go' is not on PATH; install Go (1.22+) to build actionlint $ACTIONLINT_VERSION" >&2
        exit 2
    fi
    mkdir -p "$cache_root"
    local staging
    staging="$(mktemp -d "$cache_root/.actionlint-build.XXXXXX")"
    # shellcheck disable=SC2064 # expand now: the trap must remove this very directory
    trap "rm -rf '$staging'" EXIT
    echo "lint-workflows: building actionlint $ACTIONLINT_VERSION from the Go module proxy (once per version)" >&2
    CGO_ENABLED=0 GOBIN="$staging" go install -trimpath "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
    mkdir -p "$bin_dir"
    # Rename within one file system: a concurrent run sees either no binary or a complete one.
    mv -f "$staging/actionlint" "$actionlint"
    rm -rf "$staging"
    trap - EXIT
}

if [[ -x "$actionlint" ]]; then
    echo "lint-workflows: using cached $actionlint" >&2
else
    build_actionlint
fi

shellcheck_args=()
if ! command -v shellcheck >/dev/null 2>&1 && [[ "${AKV_LINT_INSTALL_SHELLCHECK:-1}" != "0" && "$(id -u)" == "0" ]] \
    && command -v apt-get >/dev/null 2>&1; then
    echo "lint-workflows: installing shellcheck with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null 2>&1 \
        || { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null 2>&1; } \
        || echo "lint-workflows: could not install shellcheck" >&2
fi
if command -v shellcheck >/dev/null 2>&1; then
    echo "lint-workflows: run: scripts are checked with $(shellcheck --version | sed -n 's/^version: /shellcheck /p')" >&2
else
    echo "lint-workflows: shellcheck not found; run: scripts are NOT checked (-shellcheck=)" >&2
    shellcheck_args=(-shellcheck=)
fi

cd "$repo_root"
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if (( ${#workflows[@]} == 0 )); then
    echo "lint-workflows: no workflow files under .github/workflows" >&2
    exit 2
fi

echo "lint-workflows: actionlint $("$actionlint" -version | head -n 1) on ${workflows[*]}" >&2
# -pyflakes= : the workflows contain no Python steps.
"$actionlint" -no-color -pyflakes= "${shellcheck_args[@]}" "${workflows[@]}"
echo "lint-workflows: ${#workflows[@]} workflow file(s) passed" >&2
