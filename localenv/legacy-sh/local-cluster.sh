#!/usr/bin/env bash
# A throwaway local Kubernetes control plane (etcd + kube-apiserver + a minimal
# kube-controller-manager, loopback only) for the end-to-end tests, with the
# Secrets Store CSI CRDs installed. See docs/toolchain.md.
#
#   scripts/local-cluster.sh start            start, wait for /readyz, install CRDs; prints the kubeconfig path
#   scripts/local-cluster.sh stop             kill everything start started, remove the data dir
#   scripts/local-cluster.sh status           exit 0 if the API server answers /readyz
#   scripts/local-cluster.sh env              print `export KUBECONFIG=...` for a started cluster
#   scripts/local-cluster.sh run -- CMD...    start a private cluster, run CMD with KUBECONFIG set,
#                                             always stop afterwards (also on failure / Ctrl-C);
#                                             exits with CMD's exit code
#   scripts/local-cluster.sh kubectl ARGS...  run `kubectl` (if one is installed) against the cluster
#   scripts/local-cluster.sh import-images NAME...  (with the node) import our probe image under each NAME,
#                                             e.g. registry.example/app:1, for pods to run without a registry
#
# Besides etcd and kube-apiserver it runs a kube-controller-manager with only the
# garbage-collector, namespace, serviceaccount(-token), root-ca publisher, deployment and
# replicaset controllers, so deletes with foreground propagation (the Pulumi kubernetes
# provider's default) and Namespace deletion finish as on a real cluster.
# By default there is no scheduler and no kubelet: Pods stay Pending and Deployments never become
# ready, so give Deployments the annotation pulumi.com/skipAwait: "true".
# With AKV_CLUSTER_NODE=1 it also runs a node (scripts/local-cluster/node.sh): containerd, runc, the CNI
# bridge, a kubelet registered as akv-node and kube-scheduler; the controller manager then also runs the
# node-lifecycle controller. Images come from no registry: our probe app is imported under the names the pods use.
# Before the node it starts the Key Vault stand-in (scripts/local-cluster/standin.sh), after it the CSI driver,
# the Azure provider and the plugin registrar (scripts/local-cluster/csi.sh); stop undoes them in reverse.
#
# Environment (all optional):
#   AKV_CLUSTER_STATE_DIR  state dir (kubeconfig, pids, logs). Default for start/stop:
#                          <repo>/.local/cluster; `run` uses a fresh mktemp dir unless this is set.
#   AKV_CLUSTER_CRDS=0     install no CRDs (e.g. to try `npm run local -- --kubeconfig` on a bare cluster)
#   AKV_CRD_FILES          space-separated CRD files to install (default: the SecretProviderClass and
#                          SecretProviderClassPodStatus CRDs of the driver's Go module and our SecretSync fixture,
#                          `scripts/toolchain.sh crds`)
#   AKV_ETCD_PORT, AKV_ETCD_PEER_PORT, AKV_APISERVER_PORT   fixed ports (default: free ports picked at start)
#   AKV_ETCD, AKV_KUBE_APISERVER, AKV_KUBE_CONTROLLER_MANAGER
#                          binaries (default: from scripts/toolchain.sh, then $PATH)
#   AKV_CLUSTER_CONTROLLER_MANAGER=0  do not run kube-controller-manager (then foreground
#                          deletes and Namespace deletion hang: nothing removes the finalizers)
#   AKV_CLUSTER_TIMEOUT    seconds to wait for readiness (default 180)
#   AKV_CLUSTER_NODE=1     also run a node and what delivers secrets to its pods (needs root, and
#                          `scripts/toolchain.sh build node`): the Key Vault stand-in (scripts/local-cluster/standin.sh),
#                          containerd, kubelet and scheduler (scripts/local-cluster/node.sh), the Secrets Store CSI
#                          driver, the Azure provider and the plugin registrar (scripts/local-cluster/csi.sh;
#                          AKV_ROTATION_POLL_INTERVAL, default 10s)
#   AKV_CLUSTER_IMAGES     with the node: space-separated image names to import the probe image under
#
# Needs: bash, curl, openssl, node (for JSON), setsid, and go for the CRDs' module (once, then cached).
# No kubectl needed: the CRDs are POSTed as YAML (the API server accepts application/yaml) and polled with curl.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SELF="$REPO_ROOT/scripts/local-cluster.sh"
DEFAULT_STATE_DIR="$REPO_ROOT/.local/cluster"
TIMEOUT="${AKV_CLUSTER_TIMEOUT:-180}"
TOKEN_USER=akv-e2e-admin
KCM_CONTROLLERS="garbage-collector-controller,namespace-controller,serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller,deployment-controller,replicaset-controller"
CLUSTER_NODE="${AKV_CLUSTER_NODE:-0}"

log() { printf '[local-cluster] %s\n' "$*" >&2; }
die() { printf '[local-cluster] ERROR: %s\n' "$*" >&2; exit 1; }

state_dir() { echo "${AKV_CLUSTER_STATE_DIR:-$DEFAULT_STATE_DIR}"; }

resolve_bin() { # NAME ENVVAR
  local name="$1" var="$2" p
  p="${!var:-}"
  if [ -z "$p" ]; then
    p="$("$REPO_ROOT/scripts/toolchain.sh" paths 2>/dev/null | awk -v t="$name" '$1 == t { print $2 }')"
    [ -x "$p" ] || p="$(command -v "$name" || true)"
  fi
  [ -n "$p" ] && [ -x "$p" ] || die "$name not found: run scripts/toolchain.sh build (or set $var)"
  echo "$p"
}

free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

json_get() { # JS-EXPRESSION over `j` (JSON parsed from stdin); prints it, exit 1 if falsy
  node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      let j; try { j = JSON.parse(s); } catch (e) { process.exit(2); }
      const r = (0, eval)("(j) => (" + process.argv[1] + ")")(j);
      if (r === undefined || r === null || r === false) process.exit(1);
      console.log(r === true ? "true" : r);
    });' "$1"
}

is_running() { # PID
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null
}

# The parts beside the control plane, each in its own file: start/stop functions only, run by cmd_start/cmd_stop.
# shellcheck source=scripts/local-cluster/standin.sh
source "$REPO_ROOT/scripts/local-cluster/standin.sh"
# shellcheck source=scripts/local-cluster/node.sh
source "$REPO_ROOT/scripts/local-cluster/node.sh"
# shellcheck source=scripts/local-cluster/csi.sh
source "$REPO_ROOT/scripts/local-cluster/csi.sh"

# ---- start ---------------------------------------------------------------------
gen_certs() { # DIR
  local d="$1"
  (
    cd "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=akv-e2e-ca" \
      -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
      -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' > apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 7 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    # service-account token signing key pair
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    # static token with cluster-admin rights (system:masters bypasses RBAC)
    openssl rand -hex 24 > token
    printf '%s,%s,%s,"system:masters"\n' "$(cat token)" "$TOKEN_USER" "$TOKEN_USER" > tokens.csv
    chmod 600 ./*.key token tokens.csv
  )
}

write_kubeconfig() { # FILE PORT CA_FILE TOKEN
  local ca
  ca="$(base64 -w0 < "$3")"
  umask 077
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: akv-local
  cluster:
    server: https://127.0.0.1:$2
    certificate-authority-data: $ca
users:
- name: $TOKEN_USER
  user:
    token: $4
contexts:
- name: akv-local
  context:
    cluster: akv-local
    user: $TOKEN_USER
    namespace: default
current-context: akv-local
EOF
}

api() { # METHOD PATH [curl args...] -> body on stdout, HTTP code in $API_CODE_FILE
  local method="$1" path="$2"; shift 2
  curl -sS --max-time 30 -X "$method" --cacert "$SD/pki/ca.crt" \
    -H "Authorization: Bearer $(cat "$SD/pki/token")" \
    -w '\n%{http_code}' "$@" "https://127.0.0.1:$(cat "$SD/apiserver.port")$path"
}

wait_for() { # DESCRIPTION COMMAND...  (COMMAND returns 0 = ready, 3 = give up now, else retry)
  local what="$1" deadline=$(( $(date +%s) + TIMEOUT )) rc; shift
  while :; do
    rc=0; "$@" >/dev/null 2>&1 || rc=$?
    if [ "$rc" = 0 ]; then log "$what: ok"; return 0; fi
    [ "$rc" != 3 ] || return 3
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

etcd_healthy() {
  is_running "$(cat "$SD/etcd.pid")" || return 3
  curl -sf --max-time 2 "http://127.0.0.1:$(cat "$SD/etcd.port")/health" | grep -q '"health":"true"'
}

apiserver_ready() {
  is_running "$(cat "$SD/kube-apiserver.pid")" || return 3
  local out
  out="$(api GET /readyz)" || return 1
  [ "${out##*$'\n'}" = 200 ]
}

kcm_working() {
  is_running "$(cat "$SD/kube-controller-manager.pid")" || return 3
  local out
  out="$(api GET /api/v1/namespaces/default/serviceaccounts/default)" || return 1
  [ "${out##*$'\n'}" = 200 ]
}

crd_established() { # NAME
  local out
  out="$(api GET "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/$1")" || return 1
  [ "${out##*$'\n'}" = 200 ] || return 1
  printf '%s' "${out%$'\n'*}" | json_get '(j.status.conditions || []).some(c => c.type === "Established" && c.status === "True")'
}

group_served() { # GROUP/VERSION
  local out
  out="$(api GET "/apis/$1")" || return 1
  [ "${out##*$'\n'}" = 200 ]
}

install_crd() { # FILE -> prints CRD name
  local f="$1" name out code
  [ -f "$f" ] || die "CRD file not found: $f"
  name="$(sed -n '/^metadata:/,/^[a-z]/ s/^  name: *//p' "$f" | head -n1)"
  [ -n "$name" ] || die "no metadata.name in $f"
  out="$(api POST /apis/apiextensions.k8s.io/v1/customresourcedefinitions \
    -H 'Content-Type: application/yaml' --data-binary @"$f")"
  code="${out##*$'\n'}"
  case "$code" in
    201) log "CRD $name created" ;;
    409) log "CRD $name already exists" ;;
    *) printf '%s\n' "${out%$'\n'*}" >&2; die "creating CRD from $f failed (HTTP $code)" ;;
  esac
  echo "$name"
}

start_daemon() { # NAME LOGFILE CMD... (own session/process group; pid == pgid)
  local name="$1" logf="$2"; shift 2
  setsid "$@" > "$logf" 2>&1 < /dev/null &
  echo $! > "$SD/$name.pid"
}

cmd_start() {
  SD="$(state_dir)"
  mkdir -p "$SD"
  SD="$(cd "$SD" && pwd)"
  local name
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet containerd; do
    if [ -f "$SD/$name.pid" ] && is_running "$(cat "$SD/$name.pid")"; then
      die "$name of an earlier start is still running for $SD (AKV_CLUSTER_STATE_DIR=$SD scripts/local-cluster.sh stop first)"
    fi
  done
  command -v openssl >/dev/null || die "openssl not found (apt-get install -y openssl)"
  command -v curl >/dev/null || die "curl not found (apt-get install -y curl)"
  command -v node >/dev/null || die "node not found"
  command -v setsid >/dev/null || die "setsid not found (util-linux)"
  local etcd kas kcm="" data
  etcd="$(resolve_bin etcd AKV_ETCD)"
  kas="$(resolve_bin kube-apiserver AKV_KUBE_APISERVER)"
  [ "${AKV_CLUSTER_CONTROLLER_MANAGER:-1}" = 0 ] ||
    kcm="$(resolve_bin kube-controller-manager AKV_KUBE_CONTROLLER_MANAGER)"
  local authz=RBAC controllers="$KCM_CONTROLLERS"
  if [ "$CLUSTER_NODE" = 1 ]; then
    [ -n "$kcm" ] || die "AKV_CLUSTER_NODE=1 needs the controller manager (its node-lifecycle controller makes the node schedulable)"
    [ "$(id -u)" = 0 ] || die "AKV_CLUSTER_NODE=1 needs root (containerd, mounts, network namespaces, cgroups)"
    node_resolve_bins
    authz=Node,RBAC   # the kubelet's own identity system:node:akv-node
    controllers="$controllers,node-lifecycle-controller"
  fi

  local crd_files=() f
  if [ "${AKV_CLUSTER_CRDS:-1}" = 0 ]; then
    log "not installing CRDs (AKV_CLUSTER_CRDS=0)"
  elif [ -n "${AKV_CRD_FILES:-}" ]; then
    read -r -a crd_files <<< "$AKV_CRD_FILES"
  else
    mapfile -t crd_files < <("$REPO_ROOT/scripts/toolchain.sh" crds) || true
    [ ${#crd_files[@]} -gt 0 ] || die "no CRD files (scripts/toolchain.sh crds failed)"
  fi
  for f in "${crd_files[@]+"${crd_files[@]}"}"; do [ -f "$f" ] || die "CRD file not found: $f"; done

  data="$(mktemp -d "${TMPDIR:-/tmp}/akv-cluster.XXXXXX")"
  echo "$data" > "$SD/datadir"
  # keys and certs live in the throwaway data dir; the state dir only links to them
  rm -rf "$SD/pki" "$SD/logs"; mkdir -p "$SD/logs" "$data/etcd" "$data/pki"
  ln -s "$data/pki" "$SD/pki"

  echo "${AKV_ETCD_PORT:-$(free_port)}" > "$SD/etcd.port"
  echo "${AKV_ETCD_PEER_PORT:-$(free_port)}" > "$SD/etcd-peer.port"
  echo "${AKV_APISERVER_PORT:-$(free_port)}" > "$SD/apiserver.port"
  local ep pp ap
  ep="$(cat "$SD/etcd.port")"; pp="$(cat "$SD/etcd-peer.port")"; ap="$(cat "$SD/apiserver.port")"
  { [ "$ep" != "$pp" ] && [ "$ep" != "$ap" ] && [ "$pp" != "$ap" ]; } || die "port clash: $ep $pp $ap"

  CLEANUP_ON_EXIT=1   # from here on, a failure stops whatever was started
  gen_certs "$SD/pki"
  # Without a node nothing runs pods, and without the controller manager no `default` ServiceAccount exists to
  # admit them with; with the node, pods get their ServiceAccount and its token volume as on a real cluster (the
  # kubelet's CSI token request needs the name).
  local node_args=() node_flags service_account_admission=(--disable-admission-plugins ServiceAccount)
  if [ "$CLUSTER_NODE" = 1 ]; then
    service_account_admission=()
    node_flags="$(node_apiserver_args)" || die "could not prepare the API server's kubelet flags"
    mapfile -t node_args <<< "$node_flags"
  fi

  log "etcd $("$etcd" --version 2>/dev/null | head -n1 | awk '{print $NF}') on 127.0.0.1:$ep (data: $data/etcd)"
  start_daemon etcd "$SD/logs/etcd.log" "$etcd" --name akv-local --data-dir "$data/etcd" \
    --listen-client-urls "http://127.0.0.1:$ep" --advertise-client-urls "http://127.0.0.1:$ep" \
    --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
    --initial-cluster "akv-local=http://127.0.0.1:$pp" --initial-cluster-state new \
    --unsafe-no-fsync --log-level warn
  wait_for "etcd /health" etcd_healthy || { tail -n 20 "$SD/logs/etcd.log" >&2; die "etcd not healthy (exited or ${TIMEOUT}s timeout); log: $SD/logs/etcd.log"; }

  log "kube-apiserver on https://127.0.0.1:$ap"
  start_daemon kube-apiserver "$SD/logs/kube-apiserver.log" "$kas" \
    --etcd-servers "http://127.0.0.1:$ep" \
    --bind-address 127.0.0.1 --secure-port "$ap" \
    --advertise-address 127.0.0.1 --endpoint-reconciler-type none \
    --tls-cert-file "$SD/pki/apiserver.crt" --tls-private-key-file "$SD/pki/apiserver.key" \
    --cert-dir "$data/pki/generated" \
    --service-cluster-ip-range 10.0.0.0/24 \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$SD/pki/sa.pub" --service-account-signing-key-file "$SD/pki/sa.key" \
    --token-auth-file "$SD/pki/tokens.csv" \
    --authorization-mode "$authz" \
    "${service_account_admission[@]}" \
    --allow-privileged=true --profiling=false --v=1 "${node_args[@]+"${node_args[@]}"}"
  wait_for "kube-apiserver /readyz" apiserver_ready || { tail -n 20 "$SD/logs/kube-apiserver.log" >&2
    die "kube-apiserver not ready (exited or ${TIMEOUT}s timeout); log: $SD/logs/kube-apiserver.log"; }

  write_kubeconfig "$SD/kubeconfig" "$ap" "$SD/pki/ca.crt" "$(cat "$SD/pki/token")"

  local n names=()
  if [ ${#crd_files[@]} -gt 0 ]; then
    for f in "${crd_files[@]}"; do names+=("$(install_crd "$f")"); done
    for n in "${names[@]}"; do
      wait_for "CRD $n Established" crd_established "$n" || die "CRD $n not Established after ${TIMEOUT}s"
    done
    wait_for "API group secrets-store.csi.x-k8s.io/v1 served" group_served secrets-store.csi.x-k8s.io/v1 \
      || die "secrets-store.csi.x-k8s.io/v1 not served"
    case " ${names[*]} " in *" secretsyncs.secret-sync.x-k8s.io "*)
      wait_for "API group secret-sync.x-k8s.io/v1alpha1 served" group_served secret-sync.x-k8s.io/v1alpha1 \
        || die "secret-sync.x-k8s.io/v1alpha1 not served" ;;
    esac
  fi

  if [ -n "$kcm" ]; then
    # Started after the CRDs are served, so that the garbage collector's first discovery
    # already covers them (it rediscovers only every 30s; a foreground delete of a kind
    # it does not watch yet waits for that).
    log "kube-controller-manager (no listening port)"
    start_daemon kube-controller-manager "$SD/logs/kube-controller-manager.log" "$kcm" \
      --kubeconfig "$SD/kubeconfig" \
      --authentication-kubeconfig "$SD/kubeconfig" --authorization-kubeconfig "$SD/kubeconfig" \
      --secure-port 0 --leader-elect=false \
      --controllers "$controllers" \
      --root-ca-file "$SD/pki/ca.crt" --service-account-private-key-file "$SD/pki/sa.key" \
      --use-service-account-credentials=false --v=1
    # the serviceaccount controller creating default/default shows the controllers run
    wait_for "kube-controller-manager (ServiceAccount default/default created)" kcm_working || {
      tail -n 20 "$SD/logs/kube-controller-manager.log" >&2
      die "kube-controller-manager not working (exited or ${TIMEOUT}s timeout); log: $SD/logs/kube-controller-manager.log"; }
    TIMEOUT=30 wait_for "garbage collector synced" grep -q 'all resource monitors have synced' "$SD/logs/kube-controller-manager.log" \
      || log "warning: garbage collector not reported synced yet (see $SD/logs/kube-controller-manager.log)"
  fi

  if [ "$CLUSTER_NODE" = 1 ]; then
    standin_start
    node_start
    # shellcheck disable=SC2086
    [ -z "${AKV_CLUSTER_IMAGES:-}" ] || node_import_images $AKV_CLUSTER_IMAGES
    csi_start
  fi

  [ "$IN_RUN" = 1 ] || CLEANUP_ON_EXIT=0
  printf 'export KUBECONFIG=%q\n' "$SD/kubeconfig" > "$SD/env"
  log "ready; kubeconfig: $SD/kubeconfig  (stop: AKV_CLUSTER_STATE_DIR=$SD scripts/local-cluster.sh stop)"
  echo "$SD/kubeconfig"
}

# ---- stop ----------------------------------------------------------------------
kill_group() { # NAME
  local pidf="$SD/$1.pid" pid
  [ -f "$pidf" ] || return 0
  pid="$(cat "$pidf")"
  if is_running "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do is_running "$pid" || break; sleep 0.1; done
    if is_running "$pid"; then
      log "$1 did not exit after SIGTERM; SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do is_running "$pid" || break; sleep 0.1; done
    fi
    log "stopped $1 (pid $pid)"
  fi
  rm -f "$pidf"
}

cmd_stop() {
  SD="$(state_dir)"
  [ -d "$SD" ] || { log "nothing to stop ($SD does not exist)"; return 0; }
  SD="$(cd "$SD" && pwd)"
  # Each part undoes only what a start left, whatever AKV_CLUSTER_NODE says now.
  csi_stop
  node_stop
  standin_stop
  kill_group kube-controller-manager
  kill_group kube-apiserver
  kill_group etcd
  if [ -f "$SD/datadir" ]; then
    local data
    data="$(cat "$SD/datadir")"
    case "$data" in
      */akv-cluster.*)
        # never follow a mount that is still there (a pod volume, a container rootfs) into what it shows
        if [ -n "$(node_mounts_under "$data")" ]; then
          log "not removing $data: mounts remain under it:"; node_mounts_under "$data" >&2
        else
          rm -rf --one-file-system "$data"
        fi ;;
      *) log "not removing unexpected data dir '$data'" ;;
    esac
    rm -f "$SD/datadir"
  fi
  rm -f "$SD/pki" "$SD/kubeconfig" "$SD/env" "$SD"/*.port
  log "stopped (logs kept in $SD/logs)"
}

cmd_status() {
  SD="$(state_dir)"
  [ -f "$SD/apiserver.port" ] && [ -f "$SD/kube-apiserver.pid" ] || { echo "not running"; return 1; }
  if apiserver_ready 2>/dev/null; then echo "running: $SD/kubeconfig"; else echo "not ready"; return 1; fi
}

cmd_env() {
  SD="$(state_dir)"
  [ -f "$SD/env" ] || die "no running cluster for $SD"
  cat "$SD/env"
}

cmd_run() {
  [ "${1:-}" = "--" ] && shift
  [ $# -gt 0 ] || die "usage: scripts/local-cluster.sh run -- COMMAND [ARGS...]"
  if [ -z "${AKV_CLUSTER_STATE_DIR:-}" ]; then
    AKV_CLUSTER_STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/akv-cluster-state.XXXXXX")"
    export AKV_CLUSTER_STATE_DIR
    RUN_TMP_STATE=1   # removed after a successful run, kept (with logs) after a failure
  fi
  local rc=0
  IN_RUN=1; CLEANUP_ON_EXIT=1
  trap 'forward_and_exit INT 130' INT
  trap 'forward_and_exit TERM 143' TERM
  trap 'forward_and_exit HUP 129' HUP
  cmd_start >/dev/null
  export KUBECONFIG="$AKV_CLUSTER_STATE_DIR/kubeconfig"
  log "KUBECONFIG=$KUBECONFIG; running: $*"
  # run in the background and `wait`, so a signal to this script is handled at once
  "$@" <&0 &
  RUN_CHILD=$!
  wait "$RUN_CHILD" || rc=$?
  RUN_CHILD=""
  log "command exited with $rc"
  return "$rc"
}

RUN_CHILD=""
forward_and_exit() { # SIGNAL EXIT_CODE
  if [ -n "$RUN_CHILD" ] && kill -0 "$RUN_CHILD" 2>/dev/null; then
    kill -"$1" "$RUN_CHILD" 2>/dev/null || true
    wait "$RUN_CHILD" 2>/dev/null || true
  fi
  exit "$2"
}

cmd_import_images() {
  SD="$(state_dir)"
  [ -f "$SD/node/snapshotter" ] || die "no node runs for $SD (start with AKV_CLUSTER_NODE=1)"
  SD="$(cd "$SD" && pwd)"
  node_import_images "$@"
}

cmd_kubectl() {
  SD="$(state_dir)"
  command -v kubectl >/dev/null || die "kubectl is not installed (not needed by the scripts)"
  KUBECONFIG="$SD/kubeconfig" kubectl "$@"
}

CLEANUP_ON_EXIT=0
IN_RUN=0
RUN_TMP_STATE=0
on_exit() {
  local rc=$?
  if [ "$CLEANUP_ON_EXIT" = 1 ]; then
    [ "$IN_RUN" = 1 ] || log "start failed; stopping what was started"
    cmd_stop || true
    if [ "$RUN_TMP_STATE" = 1 ]; then
      if [ "$rc" = 0 ]; then rm -rf "$AKV_CLUSTER_STATE_DIR"; else log "cluster logs kept in $AKV_CLUSTER_STATE_DIR/logs"; fi
    fi
  fi
  exit "$rc"
}
trap on_exit EXIT

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  run) shift; cmd_run "$@" ;;
  kubectl) shift; cmd_kubectl "$@" ;;
  import-images) shift; cmd_import_images "$@" ;;
  -h|--help|help|"") awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$SELF" ;;
  *) die "unknown command: $1 (try --help)" ;;
esac
