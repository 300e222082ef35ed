#!/usr/bin/env bash
# Offline toolchain for the end-to-end tests, built from the Go module proxy.
#
#   scripts/toolchain.sh [build] [TOOL...]   build missing tools (default: all tools, DEFAULT_TOOLS + NODE_TOOLS)
#   scripts/toolchain.sh build node          build only the node tools (NODE_TOOLS)
#   scripts/toolchain.sh env                 print `export ...` lines; use: eval "$(scripts/toolchain.sh env)"
#   scripts/toolchain.sh check               exit 0 only if every tool is already built
#   scripts/toolchain.sh node-tools          print the names of the node tools (NODE_TOOLS), one per line
#   scripts/toolchain.sh paths               print TOOL<TAB>binary path for each tool
#   scripts/toolchain.sh crds                print the paths of the CRD files the local cluster serves: the
#                                            Secrets Store CSI CRDs from the driver's Go module (downloaded
#                                            into the Go module cache once), then our own SecretSync fixture
#                                            (scripts/crds/; the sync controller's module is not served)
#   scripts/toolchain.sh plugin-install      put the kubernetes provider into $PULUMI_HOME/plugins
#                                            (optional: the engine already finds it on PATH)
#
# TOOLS: pulumi pulumi-language-nodejs pulumi-resource-kubernetes etcd kube-apiserver
#        kube-controller-manager (all built by default)
#        (the controller manager only runs the garbage collector, namespace, service-account,
#        deployment and replicaset controllers, so that deletes/destroy finish like on a real cluster)
# NODE_TOOLS (the local cluster's node; built by default too, `build node` builds only these):
#        keyvault-standin (ours: scripts/node/keyvault-standin, the Key Vault / Entra ID stand-in)
#        secrets-store-csi-driver (v1.6.0, with our monis.app/mlog replacement scripts/node/mlog)
#        secrets-store-csi-driver-provider-azure (v1.8.2), csi-registrar (ours: scripts/node/csi-registrar,
#        the kubelet plugin registration of the driver), csi-call (ours: scripts/node/csi-call, a CSI client that
#        probes the driver and calls NodePublish/UnpublishVolume like the kubelet); ours are keyed by a source hash
#        kube-scheduler kubelet containerd (with ctr and
#        containerd-shim-runc-v2) runc (cgo: needs libseccomp-dev and pkg-config) cni-plugins (bridge,
#        host-local, loopback) node-images (our scripts/node/{oci-images,probe,pause}: the two static programs and
#        their OCI image archives in <dir>/images/{pause,probe}.tar, keyed by a hash of their source)
#
# Everything is cached OUTSIDE the repository, keyed by version:
#   ${AKV_TOOLCHAIN_CACHE:-$HOME/.cache/aks-keyvault-secrets-toolchain}/<tool>-<version>/bin/<binary>
#   .../src/<tool>-<version>/   generated wrapper module (go.mod, go.sum, main.go ...)
#   .../logs/<tool>-<version>.log
#   pulumi-language-nodejs is also hard-linked next to the pulumi binary (where the engine
#   looks for bundled language hosts), so it needs no PATH entry of its own.
# A tool whose binary exists is skipped, so a warm run takes well under a second.
# The Go module cache and build cache are the normal shared ones (go env GOMODCACHE GOCACHE).
#
# See docs/toolchain.md for versions, timings and what does not work. In short:
# pulumi-language-nodejs is the LEGACY host from sdk/v3 v3.68.0, because the current
# host's module is not served by the module proxy; Automation API inline programs need
# no language host at all.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEMPLATES="$REPO_ROOT/scripts/toolchain"
CACHE="${AKV_TOOLCHAIN_CACHE:-$HOME/.cache/aks-keyvault-secrets-toolchain}"

# ---- versions (override with the env vars of the same name) -----------------
PULUMI_VERSION="${AKV_PULUMI_VERSION:-3.274.1}"
K8S_PROVIDER_VERSION="${AKV_K8S_PROVIDER_VERSION:-4.25.0}"   # must equal the @pulumi/kubernetes npm version
K8S_PROVIDER_MODULE_VERSION="${AKV_K8S_PROVIDER_MODULE_VERSION:-v4.0.0-20260115033456-f47bc2d6f199}"  # = tag v4.25.0
KUBE_VERSION="${AKV_KUBE_VERSION:-1.37.2}"
ETCD_VERSION="${AKV_ETCD_VERSION:-3.7.3}"
# Legacy Node.js language host from sdk/v3 (the current one is not served; see docs/toolchain.md)
LANGHOST_SDK_VERSION="${AKV_LANGHOST_SDK_VERSION:-3.68.0}"
# A second, older CLI only for `pulumi preview --policy-pack`: from v3.221 on the CLI runs Node.js policy packs
# through the current language host (not buildable here); up to v3.220 it runs them through a
# `pulumi-analyzer-policy` plugin, which is a three-line script we provide next to it.
POLICY_PULUMI_VERSION="${AKV_POLICY_PULUMI_VERSION:-3.215.0}"
CONTAINERD_VERSION="${AKV_CONTAINERD_VERSION:-2.4.2}"
RUNC_VERSION="${AKV_RUNC_VERSION:-1.5.3}"
CNI_PLUGINS_VERSION="${AKV_CNI_PLUGINS_VERSION:-1.10.0}"
# The Secrets Store CSI driver whose CRDs the local cluster serves: the driver release that provider v1.8.2 (what the
# AKS addon ships) deploys (its chart's values.yaml); its CRDs are identical to v1.6.0's.
DRIVER_VERSION="${AKV_DRIVER_VERSION:-v1.5.6}"
DRIVER_MODULE=sigs.k8s.io/secrets-store-csi-driver
CRD_FILES=(secrets-store.csi.x-k8s.io_secretproviderclasses.yaml secrets-store.csi.x-k8s.io_secretproviderclasspodstatuses.yaml)
# The Secrets Store CSI driver and Azure Key Vault provider that run next to the kubelet (the node tools): v1.6.0 is the
# first driver release whose rotation works through the kubelet's republish (CSIDriver requiresRepublish), v1.8.2
# the provider the AKS addon ships.
CSI_DRIVER_VERSION="${AKV_CSI_DRIVER_VERSION:-v1.6.0}"
AZURE_PROVIDER_VERSION="${AKV_AZURE_PROVIDER_VERSION:-v1.8.2}"
AZURE_PROVIDER_MODULE=github.com/Azure/secrets-store-csi-driver-provider-azure
# Our own Go programs and modules (scripts/node/): built from source, keyed by a hash of that source.
NODE_SRC="$REPO_ROOT/scripts/node"
# The secrets-store-sync-controller's SecretSync CRD: our own fixture (the module proxy does not serve the controller).
SECRET_SYNC_CRD="$REPO_ROOT/scripts/crds/secret-sync.x-k8s.io_secretsyncs.yaml"

DEFAULT_TOOLS=(pulumi pulumi-language-nodejs pulumi-resource-kubernetes etcd kube-apiserver kube-controller-manager pulumi-policy-cli)
# The tools of the local node (`scripts/toolchain.sh build node` builds only these).
NODE_TOOLS=(kube-scheduler kubelet containerd runc cni-plugins node-images keyvault-standin secrets-store-csi-driver
            secrets-store-csi-driver-provider-azure csi-registrar csi-call)
ALL_TOOLS=("${DEFAULT_TOOLS[@]}" "${NODE_TOOLS[@]}")
# Our own programs of the node's images, one Go module each under scripts/node/ (standard library only).
NODE_IMAGE_PROGRAMS=(oci-images probe pause)

log() { printf '[toolchain] %s\n' "$*" >&2; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }

tool_version() {
  case "$1" in
    pulumi) echo "$PULUMI_VERSION" ;;
    pulumi-language-nodejs) echo "$LANGHOST_SDK_VERSION" ;;
    pulumi-policy-cli) echo "$POLICY_PULUMI_VERSION" ;;
    pulumi-resource-kubernetes) echo "$K8S_PROVIDER_VERSION" ;;
    etcd) echo "$ETCD_VERSION" ;;
    kube-apiserver|kube-controller-manager|kube-scheduler|kubelet) echo "$KUBE_VERSION" ;;
    keyvault-standin) echo "src.$(source_hash keyvault-standin)" ;;
    # the driver's cache key also covers our mlog replacement compiled into it
    secrets-store-csi-driver) echo "$CSI_DRIVER_VERSION-mlog.$(source_hash mlog)" ;;
    secrets-store-csi-driver-provider-azure) echo "$AZURE_PROVIDER_VERSION" ;;
    csi-registrar|csi-call) echo "src.$(source_hash "$1")" ;;
    containerd) echo "$CONTAINERD_VERSION" ;;
    runc) echo "$RUNC_VERSION" ;;
    cni-plugins) echo "$CNI_PLUGINS_VERSION" ;;
    node-images) node_images_hash ;;
    *) die "unknown tool: $1 (known: ${ALL_TOOLS[*]})" ;;
  esac
}
# The binaries a tool puts into its bin/ dir; the first is the one whose presence means "built".
tool_binaries() {
  case "$1" in
    containerd) echo containerd ctr containerd-shim-runc-v2 ;;
    cni-plugins) echo bridge host-local loopback ;;
    node-images) echo "${NODE_IMAGE_PROGRAMS[@]}" ;;
    *) echo "$1" ;;
  esac
}
NODE_IMAGES_HASH=""
node_images_hash() { # computed once per run: the image tags and the cache key use it
  [ -n "$NODE_IMAGES_HASH" ] || NODE_IMAGES_HASH="$(source_hash "${NODE_IMAGE_PROGRAMS[@]}")"
  echo "$NODE_IMAGES_HASH"
}
# Cold build time measured on this project's 2-core CI machine with empty Go caches (docs/toolchain.md); with a
# warm module and build cache a rebuild takes a fraction of it.
typical_seconds() {
  case "$1" in
    pulumi|pulumi-policy-cli) echo 240 ;;
    pulumi-language-nodejs) echo 30 ;;
    pulumi-resource-kubernetes) echo 480 ;;
    etcd) echo 60 ;;
    kube-apiserver) echo 420 ;;
    kube-controller-manager) echo 120 ;;
    kube-scheduler) echo 120 ;;   # after kube-apiserver; 544 s as the first Kubernetes build
    kubelet) echo 120 ;;
    containerd) echo 120 ;;
    runc) echo 20 ;;
    cni-plugins) echo 15 ;;
    node-images) echo 5 ;;
    keyvault-standin) echo 20 ;;
    secrets-store-csi-driver) echo 150 ;;
    secrets-store-csi-driver-provider-azure) echo 120 ;;
    csi-registrar|csi-call) echo 40 ;;
    *) echo 120 ;;
  esac
}
minutes() { printf '%dm%02ds' $(( $1 / 60 )) $(( $1 % 60 )); }

# source_hash DIR... -> first 12 hex digits of a hash over the names and contents of the files in scripts/node/DIR...
# (content, not mtime: a fresh clone must not rebuild an identical program; tests included, the build runs them)
source_hash() {
  (cd "$NODE_SRC" && find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12
}

tool_dir() { echo "$CACHE/$1-$(tool_version "$1")"; }
tool_bin() { local b; read -r b _ <<< "$(tool_binaries "$1")"; echo "$(tool_dir "$1")/bin/$b"; }
tool_src() { echo "$CACHE/src/$1-$(tool_version "$1")"; }

go_env() {
  export CGO_ENABLED=0
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -buildvcs=false"
  # Never let a dependency's go line make the go command fetch another toolchain silently.
  export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
}

# module_dir MODULE@VERSION -> extracted module directory (downloads the zip if needed)
module_dir() {
  go mod download -json "$1" | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      const j = JSON.parse(s);
      if (j.Error || !j.Dir) { console.error(j.Error || "no Dir"); process.exit(1); }
      console.log(j.Dir);
    });'
}

# module_gomod MODULE@VERSION -> path of the cached .mod file (fetches only the .mod)
module_gomod() {
  go mod download -json "$1" | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      const j = JSON.parse(s);
      if (j.Error || !j.GoMod) { console.error(j.Error || "no GoMod"); process.exit(1); }
      console.log(j.GoMod);
    });'
}

fill_template() { # SRC DST: substitute @VAR@ placeholders
  sed -e "s|@PULUMI_VERSION@|$PULUMI_VERSION|g" \
      -e "s|@K8S_PROVIDER_MODULE_VERSION@|$K8S_PROVIDER_MODULE_VERSION|g" \
      -e "s|@ETCD_VERSION@|$ETCD_VERSION|g" \
      -e "s|@LANGHOST_SDK_VERSION@|$LANGHOST_SDK_VERSION|g" \
      -e "s|@CSI_DRIVER_VERSION@|$CSI_DRIVER_VERSION|g" \
      -e "s|@AZURE_PROVIDER_VERSION@|$AZURE_PROVIDER_VERSION|g" "$1" > "$2"
}

# ---- wrapper module preparation (network: module proxy only) ----------------
prepare_pulumi() {
  fill_template "$TEMPLATES/pulumi/go.mod.tmpl" go.mod
}

prepare_pulumi-policy-cli() {
  PULUMI_VERSION="$POLICY_PULUMI_VERSION" fill_template "$TEMPLATES/pulumi/go.mod.tmpl" go.mod
}

prepare_pulumi-language-nodejs() {
  fill_template "$TEMPLATES/pulumi-language-nodejs/go.mod.tmpl" go.mod
}

prepare_pulumi-resource-kubernetes() {
  fill_template "$TEMPLATES/pulumi-resource-kubernetes/go.mod.tmpl" go.mod || return 1
  cp "$TEMPLATES/pulumi-resource-kubernetes/main.go" main.go || return 1
  local d
  d="$(module_dir "github.com/pulumi/pulumi-kubernetes/provider/v4@$K8S_PROVIDER_MODULE_VERSION")" || return 1
  # What upstream's cmd/pulumi-resource-kubernetes/generate.go does: stamp the schema
  # version and re-serialise both JSON files compactly.
  node -e '
    const fs = require("fs"), [dir, ver] = process.argv.slice(1);
    const schema = JSON.parse(fs.readFileSync(dir + "/cmd/pulumi-resource-kubernetes/schema.json", "utf8"));
    schema.version = ver;
    fs.writeFileSync("schema-embed.json", JSON.stringify(schema));
    const tf = JSON.parse(fs.readFileSync(dir + "/cmd/pulumi-resource-kubernetes/terraform-mapping.json", "utf8"));
    fs.writeFileSync("terraform-mapping-embed.json", JSON.stringify(tf));
  ' "$d" "$K8S_PROVIDER_VERSION"
}

prepare_etcd() {
  fill_template "$TEMPLATES/etcd/go.mod.tmpl" go.mod
}

# Wrapper go.mod for one k8s.io/kubernetes command (kube-apiserver, kube-controller-manager).
prepare_kubernetes() { # CMD
  local cmd="$1" gomod sver="v0.${KUBE_VERSION#1.}"
  gomod="$(module_gomod "k8s.io/kubernetes@v$KUBE_VERSION")"
  [ -f "$gomod" ] || die "could not fetch go.mod of k8s.io/kubernetes@v$KUBE_VERSION"
  {
    echo "// Generated by scripts/toolchain.sh from k8s.io/kubernetes@v$KUBE_VERSION's go.mod."
    echo "module local/$cmd"
    echo
    grep -E '^(go|godebug) ' "$gomod"
    echo
    echo "require k8s.io/kubernetes v$KUBE_VERSION"
    echo
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s.io/[A-Za-z0-9._-]*\) => \./staging/.*#\1#p' "$gomod" | sort -u |
      while read -r m; do printf '\t%s => %s %s\n' "$m" "$m" "$sver"; done
    echo ")"
    echo
    echo "tool k8s.io/kubernetes/cmd/$cmd"
  } > go.mod
  grep -q '=> k8s.io/apiserver ' go.mod || die "no staging replaces found in $gomod"
}
prepare_kube-apiserver() { prepare_kubernetes kube-apiserver; }
prepare_kube-controller-manager() { prepare_kubernetes kube-controller-manager; }
prepare_kube-scheduler() { prepare_kubernetes kube-scheduler; }
prepare_kubelet() { prepare_kubernetes kubelet; }

# containerd, runc and the CNI plugins have no replace directives today, but a wrapper with an exact require keeps
# all tools on one pattern (and `go install` would refuse them the day they add one).
prepare_wrapper() { # NAME MODULE VERSION PACKAGE...
  local name="$1" module="$2" version="$3" p; shift 3
  {
    echo "// Generated by scripts/toolchain.sh: builds $module@$version."
    echo "module local/$name"
    echo
    echo "go 1.26"
    echo
    echo "require $module $version"
    echo
    for p in "$@"; do echo "tool $p"; done
  } > go.mod
}
prepare_containerd() {
  local m=github.com/containerd/containerd/v2
  prepare_wrapper containerd "$m" "v$CONTAINERD_VERSION" "$m/cmd/containerd" "$m/cmd/ctr" "$m/cmd/containerd-shim-runc-v2"
}
prepare_runc() { prepare_wrapper runc github.com/opencontainers/runc "v$RUNC_VERSION" github.com/opencontainers/runc; }
prepare_cni-plugins() {
  local m=github.com/containernetworking/plugins
  prepare_wrapper cni-plugins "$m" "v$CNI_PLUGINS_VERSION" "$m/plugins/main/bridge" "$m/plugins/ipam/host-local" "$m/plugins/main/loopback"
}
# Our own programs are built from the repository itself; the wrapper dir only holds the build's go.mod.
prepare_node-images() { printf 'module local/node-images\n\ngo 1.26\n' > go.mod; }

# The upstream module's own go.sum seeds the wrapper's: the checksum database behind the proxy has no record of some
# versions upstream pins (the provider's sigs.k8s.io/secrets-store-csi-driver v1.5.4), so those are verified against
# the hashes upstream recorded instead.
seed_go_sum() { # MODULE@VERSION
  local d
  d="$(module_dir "$1")" || return 1
  cp "$d/go.sum" go.sum && chmod u+w go.sum
}

prepare_secrets-store-csi-driver() {
  fill_template "$TEMPLATES/secrets-store-csi-driver/go.mod.tmpl" go.mod || return 1
  rm -rf mlog && cp -r "$NODE_SRC/mlog" mlog || return 1
  seed_go_sum "$DRIVER_MODULE@$CSI_DRIVER_VERSION"
}

prepare_secrets-store-csi-driver-provider-azure() {
  fill_template "$TEMPLATES/secrets-store-csi-driver-provider-azure/go.mod.tmpl" go.mod || return 1
  seed_go_sum "$AZURE_PROVIDER_MODULE@$AZURE_PROVIDER_VERSION"
}

# Our own program: its committed go.mod (exact requires) and sources; go.sum is made here, never committed.
prepare_own_program() { # NAME
  rm -f ./*.go && cp "$NODE_SRC/$1/"*.go "$NODE_SRC/$1/go.mod" .
}
prepare_csi-registrar() { prepare_own_program csi-registrar; }
prepare_csi-call() { prepare_own_program csi-call; }
prepare_keyvault-standin() { prepare_own_program keyvault-standin; }

# ---- builds -------------------------------------------------------------------
build_pulumi() { # OUT
  go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$1" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

# The older CLI, plus what makes it usable: `bin/pulumi` (PulumiCommand.get({ root }) looks for that name) and the
# `pulumi-analyzer-policy` plugin the CLI looks for next to itself.
build_pulumi-policy-cli() { # OUT
  local dir
  dir="$(dirname "$1")"
  PULUMI_VERSION="$POLICY_PULUMI_VERSION" build_pulumi "$1" || return 1
  ln -f "$1" "$dir/pulumi" 2>/dev/null || cp -f "$1" "$dir/pulumi"
  cat > "$dir/pulumi-analyzer-policy" <<'SHIM'
#!/bin/sh
# Runs a Node.js policy pack with the @pulumi/pulumi it resolves from the pack's directory (the CLI starts it there).
exec node "$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))")" "$@"
SHIM
  chmod +x "$dir/pulumi-analyzer-policy"
}

build_pulumi-language-nodejs() {
  go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$LANGHOST_SDK_VERSION" \
    -o "$1" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
}

build_pulumi-resource-kubernetes() {
  go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION" \
    -o "$1" .
}

build_etcd() {
  go build -trimpath -ldflags "-s -w" -o "$1" go.etcd.io/etcd/server/v3
}

build_kubernetes() { # CMD OUT
  local cmd="$1" out="$2" minor ldf="-s -w" p
  minor="$(echo "$KUBE_VERSION" | cut -d. -f2)"
  # Version stamping is mandatory: unstamped, /version says v0.0.0 and the
  # Pulumi kubernetes provider refuses the cluster ("minimum supported cluster version").
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf="$ldf -X $p.gitVersion=v$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ldf="$ldf -X $p.gitTreeState=clean -X $p.buildDate=2026-01-01T00:00:00Z"
  done
  go build -trimpath -pgo=off -tags selinux,notest,grpcnotrace -ldflags "$ldf" \
    -o "$out" "k8s.io/kubernetes/cmd/$cmd"
}
build_kube-apiserver() { build_kubernetes kube-apiserver "$1"; }
build_kube-controller-manager() { build_kubernetes kube-controller-manager "$1"; }
build_kube-scheduler() { build_kubernetes kube-scheduler "$1"; }
build_kubelet() { build_kubernetes kubelet "$1"; }

build_containerd() { # OUT (bin/containerd); ctr and the shim go next to it
  local dir m=github.com/containerd/containerd/v2 ldf
  dir="$(dirname "$1")"
  ldf="-s -w -X $m/version.Version=v$CONTAINERD_VERSION -X $m/version.Package=$m"
  # upstream's Makefile: urfave_cli_no_docs everywhere; the shim without gRPC (it speaks ttrpc) and without cgo
  go build -trimpath -tags urfave_cli_no_docs -ldflags "$ldf" -o "$dir/ctr" "$m/cmd/ctr" || return 1
  go build -trimpath -tags "urfave_cli_no_docs no_grpc" -ldflags "$ldf" -o "$dir/containerd-shim-runc-v2" \
    "$m/cmd/containerd-shim-runc-v2" || return 1
  go build -trimpath -tags urfave_cli_no_docs -ldflags "$ldf" -o "$1" "$m/cmd/containerd"
}

# runc needs cgo for libseccomp (and for its nsenter C code). Upstream's default tags minus libpathrs (a Rust
# library that is not installed here; runc then uses its Go fallback, pathrs-lite).
build_runc() {
  command -v pkg-config >/dev/null && pkg-config --exists libseccomp ||
    { echo "runc needs libseccomp-dev and pkg-config: apt-get install -y libseccomp-dev pkg-config"; return 1; }
  CGO_ENABLED=1 go build -trimpath -tags "seccomp urfave_cli_no_docs" -ldflags "-s -w" -o "$1" \
    github.com/opencontainers/runc
}

build_cni-plugins() { # OUT (bin/bridge); host-local and loopback next to it
  local dir m=github.com/containernetworking/plugins ldf
  dir="$(dirname "$1")"
  ldf="-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=v$CNI_PLUGINS_VERSION"
  go build -trimpath -ldflags "$ldf" -o "$dir/host-local" "$m/plugins/ipam/host-local" || return 1
  go build -trimpath -ldflags "$ldf" -o "$dir/loopback" "$m/plugins/main/loopback" || return 1
  go build -trimpath -ldflags "$ldf" -o "$1" "$m/plugins/main/bridge"
}

# The image packer, the two static programs the images run, and the images: <dir>/images/pause.tar and probe.tar
# (OCI image layouts; node.sh imports them with `ctr images import`).
build_node-images() { # OUT (bin/oci-images)
  local dir p
  dir="$(dirname "$1")"
  for p in probe pause; do
    go build -C "$REPO_ROOT/scripts/node/$p" -trimpath -ldflags "-s -w" -o "$dir/$p" . || return 1
  done
  go build -C "$REPO_ROOT/scripts/node/oci-images" -trimpath -ldflags "-s -w" -o "$1.build" . || return 1
  mkdir -p "$dir/../images" || return 1
  for p in pause probe; do
    "$1.build" --binary "$dir/$p" --path "/$p" --name "localhost/akv-$p:$(node_images_hash)" \
      --out "$dir/../images/$p.tar" || return 1
  done
  mv -f "$1.build" "$1"
}

build_keyvault-standin() { go build -trimpath -ldflags "-s -w" -o "$1" .; }

build_secrets-store-csi-driver() {
  go build -trimpath -ldflags "-s -w -X $DRIVER_MODULE/pkg/version.BuildVersion=$CSI_DRIVER_VERSION" \
    -o "$1" "$DRIVER_MODULE/cmd/secrets-store-csi-driver"
}

build_secrets-store-csi-driver-provider-azure() {
  go build -trimpath -ldflags "-s -w -X $AZURE_PROVIDER_MODULE/pkg/version.BuildVersion=$AZURE_PROVIDER_VERSION" \
    -o "$1" "$AZURE_PROVIDER_MODULE/cmd"
}

# Its unit test runs first: a registrar the kubelet cannot talk to must not land in the cache.
build_csi-registrar() {
  go test -count=1 . && go build -trimpath -ldflags "-s -w" -o "$1" .
}

build_csi-call() {
  go build -trimpath -ldflags "-s -w" -o "$1" .
}

build_tool() {
  local tool="$1" bin dir src logf start end
  bin="$(tool_bin "$tool")"
  if [ -x "$bin" ]; then
    log "$tool $(tool_version "$tool"): cached ($bin)"
    return 0
  fi
  dir="$(tool_dir "$tool")"; src="$(tool_src "$tool")"
  logf="$CACHE/logs/$tool-$(tool_version "$tool").log"
  mkdir -p "$dir/bin" "$src" "$CACHE/logs"
  log "$tool $(tool_version "$tool"): building, typically ~$(minutes "$(typical_seconds "$tool")") cold (log: $logf)"
  start=$(date +%s)
  # (set -e does not apply inside a subshell that is the left side of ||: explicit exits)
  (
    go_env
    cd "$src" || exit 1
    rm -f go.mod go.sum
    echo "== $(date -u +%FT%TZ) prepare $tool"
    "prepare_$tool" || exit 1
    echo "== $(date -u +%FT%TZ) go mod tidy"
    go mod tidy || exit 1
    t0=$(date +%s)
    echo "== $(date -u +%FT%TZ) go build"
    "build_$tool" "$bin.tmp" || exit 1
    echo "== $(date -u +%FT%TZ) go build done in $(( $(date +%s) - t0 ))s"
    mv -f "$bin.tmp" "$bin" || exit 1
  ) > "$logf" 2>&1 &
  local pid=$! ticks=0 step
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    ticks=$((ticks + 1))
    if [ $((ticks % 30)) = 0 ]; then
      step="$(grep '^== ' "$logf" 2>/dev/null | tail -n 1 | cut -d' ' -f3-)"
      log "$tool: $(minutes $(( $(date +%s) - start ))) elapsed (${step:-starting})"
    fi
  done
  if ! wait "$pid"; then
    rm -f "$bin.tmp"
    log "$tool build FAILED after $(minutes $(( $(date +%s) - start ))); last lines of $logf:"
    grep -v '^go: downloading ' "$logf" | tail -n 25 | sed 's/^/    /' >&2
    die "$tool build failed (full log: $logf)"
  fi
  end=$(date +%s)
  log "$tool $(tool_version "$tool"): built in $((end - start))s -> $bin"
  echo "$tool $(tool_version "$tool") $((end - start))s $(date -u +%FT%TZ)" >> "$CACHE/logs/timings.txt"
}

# The engine looks for "bundled" plugins (language hosts) next to the running pulumi
# binary; a host found only elsewhere on PATH works too but prints
# "warning: using pulumi-language-nodejs from $PATH" on every run. So link it there.
bundle_language_host() {
  local host dst
  host="$(tool_bin pulumi-language-nodejs)"; dst="$(tool_dir pulumi)/bin/pulumi-language-nodejs"
  [ -x "$host" ] && [ -d "$(tool_dir pulumi)/bin" ] || return 0
  if [ ! -x "$dst" ] || ! cmp -s "$host" "$dst"; then
    ln -f "$host" "$dst" 2>/dev/null || cp -f "$host" "$dst"
    log "pulumi-language-nodejs linked next to pulumi: $dst"
  fi
}

cmd_build() {
  command -v go >/dev/null || die "go not found"
  command -v node >/dev/null || die "node not found (used for JSON handling)"
  local tools=() t total0
  for t in "$@"; do
    if [ "$t" = node ]; then tools+=("${NODE_TOOLS[@]}"); else tools+=("$t"); fi
  done
  [ ${#tools[@]} -gt 0 ] || tools=("${ALL_TOOLS[@]}")
  total0=$(date +%s)
  for t in "${tools[@]}"; do tool_version "$t" >/dev/null; done
  mkdir -p "$CACHE"
  if command -v flock >/dev/null; then   # two concurrent builds would share src dirs
    exec 9> "$CACHE/.build.lock"
    flock -n 9 || { log "another toolchain build is running; waiting for it"; flock 9; }
  fi
  local missing=() planned=0 plan=""
  for t in "${tools[@]}"; do
    if [ ! -x "$(tool_bin "$t")" ]; then
      missing+=("$t"); planned=$(( planned + $(typical_seconds "$t") ))
      plan="$plan${plan:+, }$t $(tool_version "$t") (~$(minutes "$(typical_seconds "$t")"))"
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "will build ${#missing[@]} tool(s) from the Go module proxy into $CACHE: $plan"
    log "about $(minutes "$planned") on a 2-core machine with empty Go caches (less with warm ones); progress every 30 s"
  fi
  # Sequential on purpose: every go build already uses all cores.
  for t in "${tools[@]}"; do build_tool "$t"; done
  bundle_language_host
  log "done in $(( $(date +%s) - total0 ))s; use: eval \"\$(scripts/toolchain.sh env)\""
}

path_dirs() { # not the CNI plugins' and images' dirs: `bridge` would shadow iproute2's, and nobody runs them by hand
  local t d=""
  for t in "${ALL_TOOLS[@]}"; do
    case "$t" in cni-plugins|node-images) continue ;; esac
    d="$d${d:+:}$(tool_dir "$t")/bin"
  done
  echo "$d"
}

cmd_env() {
  local t missing=0
  for t in "${ALL_TOOLS[@]}"; do
    [ -x "$(tool_bin "$t")" ] || { log "warning: $t not built yet (run scripts/toolchain.sh build)"; missing=1; }
  done
  cat <<EOF
export AKV_TOOLCHAIN_CACHE='$CACHE'
export PATH='$(path_dirs)':"\$PATH"
export AKV_PULUMI='$(tool_bin pulumi)'
export AKV_POLICY_PULUMI='$(tool_dir pulumi-policy-cli)/bin/pulumi'
export AKV_KUBE_APISERVER='$(tool_bin kube-apiserver)'
export AKV_ETCD='$(tool_bin etcd)'
export AKV_KUBE_CONTROLLER_MANAGER='$(tool_bin kube-controller-manager)'
export AKV_KUBE_SCHEDULER='$(tool_bin kube-scheduler)'
export AKV_KUBELET='$(tool_bin kubelet)'
export AKV_CONTAINERD='$(tool_bin containerd)'
export AKV_RUNC='$(tool_bin runc)'
export AKV_CNI_BIN_DIR='$(tool_dir cni-plugins)/bin'
export AKV_NODE_IMAGES_DIR='$(tool_dir node-images)/images'
export AKV_KEYVAULT_STANDIN='$(tool_bin keyvault-standin)'
export AKV_CSI_DRIVER='$(tool_bin secrets-store-csi-driver)'
export AKV_AZURE_PROVIDER='$(tool_bin secrets-store-csi-driver-provider-azure)'
export AKV_CSI_REGISTRAR='$(tool_bin csi-registrar)'
export AKV_CSI_CALL='$(tool_bin csi-call)'
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
EOF
  return $missing
}

cmd_check() {
  local t rc=0
  for t in "${ALL_TOOLS[@]}"; do
    if [ -x "$(tool_bin "$t")" ]; then echo "ok      $t $(tool_version "$t")"; else echo "missing $t $(tool_version "$t")"; rc=1; fi
  done
  return $rc
}

# The CRD files from the driver's module, each checked to define the expected kind with a served storage version v1,
# then the SecretSync fixture.
cmd_crds() {
  command -v go >/dev/null || die "go not found: the CRDs come from the Go module $DRIVER_MODULE@$DRIVER_VERSION (install Go, or point --kubeconfig at a cluster that has them)"
  local dir f kind
  dir="$(module_dir "$DRIVER_MODULE@$DRIVER_VERSION")" || die "could not download $DRIVER_MODULE@$DRIVER_VERSION"
  for f in "${CRD_FILES[@]}"; do
    [ -f "$dir/config/crd/bases/$f" ] || die "$DRIVER_MODULE@$DRIVER_VERSION has no config/crd/bases/$f"
    kind="$(sed -n 's/^    kind: *//p' "$dir/config/crd/bases/$f" | head -n 1)"
    grep -q '^kind: CustomResourceDefinition$' "$dir/config/crd/bases/$f" &&
      grep -q '^  group: secrets-store.csi.x-k8s.io$' "$dir/config/crd/bases/$f" &&
      [ "$kind" = "$(crd_kind "$f")" ] &&
      awk '/^  - name: v1$/ { v1 = 1; next } /^  - / { v1 = 0 } v1 && /^    served: true$/ { served = 1 } v1 && /^    storage: true$/ { storage = 1 }
           END { exit !(served && storage) }' "$dir/config/crd/bases/$f" ||
      die "$f of $DRIVER_MODULE@$DRIVER_VERSION is not the $(crd_kind "$f") CRD with a served storage version v1"
    echo "$dir/config/crd/bases/$f"
  done
  [ -f "$SECRET_SYNC_CRD" ] || die "$SECRET_SYNC_CRD is missing"
  echo "$SECRET_SYNC_CRD"
}
crd_kind() {
  case "$1" in
    *_secretproviderclasses.yaml) echo SecretProviderClass ;;
    *_secretproviderclasspodstatuses.yaml) echo SecretProviderClassPodStatus ;;
  esac
}

cmd_paths() { # one line per binary (containerd's ctr and shim, each CNI plugin, ...)
  local t b
  for t in "${ALL_TOOLS[@]}"; do
    for b in $(tool_binaries "$t"); do printf '%s\t%s\n' "$b" "$(tool_dir "$t")/bin/$b"; done
  done
}

# Optional: install the provider into the plugin cache ($PULUMI_HOME/plugins,
# default ~/.pulumi/plugins) as resource-kubernetes-v<version>, for setups that set
# PULUMI_IGNORE_AMBIENT_PLUGINS=true. Uses the CLI itself (`plugin install --file`).
cmd_plugin_install() {
  local pulumi prov home dest
  pulumi="$(tool_bin pulumi)"; prov="$(tool_bin pulumi-resource-kubernetes)"
  [ -x "$pulumi" ] && [ -x "$prov" ] || die "build first: scripts/toolchain.sh build"
  home="${PULUMI_HOME:-$HOME/.pulumi}"
  dest="$home/plugins/resource-kubernetes-v$K8S_PROVIDER_VERSION/pulumi-resource-kubernetes"
  if [ -x "$dest" ] && cmp -s "$prov" "$dest"; then
    log "kubernetes $K8S_PROVIDER_VERSION already in $home/plugins"
    return 0
  fi
  PULUMI_SKIP_UPDATE_CHECK=true "$pulumi" plugin install resource kubernetes "$K8S_PROVIDER_VERSION" \
    --file "$prov" --reinstall
  [ -x "$dest" ] || die "plugin install did not create $dest"
  log "installed kubernetes $K8S_PROVIDER_VERSION into $home/plugins"
}

main() {
  local cmd="${1:-build}"
  case "$cmd" in
    build) shift || true
      if [ "${1:-}" = node ]; then shift; cmd_build "${NODE_TOOLS[@]}" "$@"; else cmd_build "$@"; fi ;;
    env) cmd_env ;;
    check) cmd_check ;;
    paths) cmd_paths ;;
    node-tools) printf '%s\n' "${NODE_TOOLS[@]}" ;;
    crds) cmd_crds ;;
    plugin-install) cmd_plugin_install ;;
    -h|--help|help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" ;;
    pulumi|pulumi-language-nodejs|pulumi-resource-kubernetes|etcd|kube-apiserver|kube-controller-manager|pulumi-policy-cli|\
    kube-scheduler|kubelet|containerd|runc|cni-plugins|node-images|keyvault-standin|secrets-store-csi-driver|\
    secrets-store-csi-driver-provider-azure|csi-registrar|csi-call|node) cmd_build "$@" ;;
    *) die "unknown command: $cmd (try --help)" ;;
  esac
}

main "$@"
