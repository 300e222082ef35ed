# shellcheck shell=bash
# The local cluster's node (sourced by scripts/local-cluster.sh; AKV_CLUSTER_NODE=1): containerd with runc and the
# CNI bridge, a kubelet registered as node akv-node, and kube-scheduler. Everything it writes lives in the cluster's
# data dir D (see below) or is named after it (the bridge, the cgroup root), so node_stop finds and removes exactly
# what this node left, also after a half-failed start, and never what another cluster on this machine owns.
#
#   node_apiserver_args      flags the API server needs to reach the kubelet (called before the API server starts)
#   node_start               after the control plane: containerd, the pause image, kube-scheduler, kubelet;
#                            waits until the node is Ready and schedulable
#   node_import_images NAME...  the probe image (scripts/node/probe) under each NAME, for Deployments to use
#   node_stop                idempotent: processes, containers, mounts under D, network namespaces, the bridge,
#                            the cgroups, the CNI state
#
# Layout: D=$(cat "$SD/datadir"); kubelet root $D/kubelet, containerd $D/containerd/{root,state}, socket
# $D/containerd.sock, CNI config $D/cni, host-local IPAM state $D/cni-ipam, pod logs $D/pod-logs; config files,
# the kubelet's kubeconfig and what the node owns in $SD/node; logs in $SD/logs/{containerd,kubelet,kube-scheduler}.log.
#
# Facts of the machines this runs on (containers with cgroup v1, root without CAP_SYS_RESOURCE; docs/toolchain.md):
# the kubelet runs with failCgroupV1: false, the cgroupfs driver and no QoS cgroups, all pod cgroups under one
# cgroup root per cluster; containerd's CRI runs with restrict_oom_score_adj; the node IP is left to the kubelet
# (it refuses loopback, and picks the default route's address); no iptables, so no masquerading or port maps.
#
# Environment (all optional):
#   AKV_KUBELET, AKV_KUBE_SCHEDULER, AKV_CONTAINERD, AKV_CTR, AKV_RUNC   binaries (default: scripts/toolchain.sh)
#   AKV_CNI_BIN_DIR        dir with the bridge, host-local and loopback plugins
#   AKV_NODE_IMAGES_DIR    dir with pause.tar and probe.tar (scripts/toolchain.sh build node-images)
#   AKV_NODE_SNAPSHOTTER   overlayfs or native (default: overlayfs if an overlay mount works in D, else native)
#   AKV_NODE_POD_CIDR      pod subnet on the bridge (default: a free 10.244.N.0/24, N from the data dir's name, so
#                          nodes of clusters started side by side on one machine get different subnets)
#   AKV_KUBELET_SYNC_FREQUENCY  the kubelet's pod resync (default 10s; it is also when the kubelet republishes CSI
#                          volumes with requiresRepublish, i.e. how soon a rotated secret reaches the pod)

NODE_NAME=akv-node
NODE_CNI_NETWORK=akv-pods

node_data() { cat "$SD/datadir"; }
# Names derived from the data dir (mktemp's suffix), so two clusters never share or remove each other's.
node_suffix() { local d; d="$(node_data)"; echo "${d##*.}"; }
node_bridge() { echo "akv$(node_suffix | tr -cd 'A-Za-z0-9' | cut -c1-10)"; }
node_cgroup_root() { echo "/akv-node-$(node_suffix)"; }
node_ctr() { "$NODE_CTR" --address "$(node_data)/containerd.sock" --namespace k8s.io "$@"; }
# ctr warns on every call that cgroup v1 is deprecated; show its output only when it fails
node_ctr_quiet() {
  local out
  out="$(node_ctr "$@" 2>&1)" || { printf '%s\n' "$out" >&2; return 1; }
}

node_resolve_bins() {
  NODE_KUBELET="$(resolve_bin kubelet AKV_KUBELET)"
  NODE_SCHEDULER="$(resolve_bin kube-scheduler AKV_KUBE_SCHEDULER)"
  NODE_CONTAINERD="$(resolve_bin containerd AKV_CONTAINERD)"
  NODE_CTR="$(resolve_bin ctr AKV_CTR)"
  NODE_RUNC="$(resolve_bin runc AKV_RUNC)"
  local shim
  shim="$(dirname "$NODE_CONTAINERD")/containerd-shim-runc-v2"
  [ -x "$shim" ] || die "containerd-shim-runc-v2 not found next to $NODE_CONTAINERD"
  NODE_CNI_BIN_DIR="${AKV_CNI_BIN_DIR:-$(dirname "$(resolve_bin bridge AKV_CNI_BRIDGE)")}"
  local p
  for p in bridge host-local loopback; do
    [ -x "$NODE_CNI_BIN_DIR/$p" ] || die "CNI plugin $p not found in $NODE_CNI_BIN_DIR (scripts/toolchain.sh build cni-plugins)"
  done
  NODE_IMAGES_DIR="${AKV_NODE_IMAGES_DIR:-$(dirname "$(resolve_bin oci-images AKV_OCI_IMAGES)")/../images}"
  for p in pause probe; do
    [ -f "$NODE_IMAGES_DIR/$p.tar" ] || die "$NODE_IMAGES_DIR/$p.tar not found (scripts/toolchain.sh build node-images)"
  done
}

# ---- certificates -----------------------------------------------------------------------------------------------
node_sign() { # NAME SUBJECT EXTENSIONS: NAME.key/NAME.crt in $SD/pki, signed by the cluster CA
  local d="$SD/pki" n="$1"
  openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$d/$n.key" -out "$d/$n.csr" 2>/dev/null &&
    printf '%s\n' "$3" > "$d/$n.ext" &&
    openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 7 \
      -extfile "$d/$n.ext" -out "$d/$n.crt" 2>/dev/null || die "could not sign the $n certificate"
  chmod 600 "$d/$n.key"
}

# The API server authenticates the kubelet by client certificate (the kubelet's identity system:node:akv-node, which
# the Node authorizer serves), reaches it at its InternalIP, verifies its serving certificate against the cluster CA,
# and authenticates to it with a client certificate of its own (RBAC: system:kubelet-api-admin, see node_start),
# which is what GET .../pods/P/log needs.
node_apiserver_args() {
  node_sign kubelet-client "/CN=kube-apiserver-kubelet-client" "extendedKeyUsage=clientAuth"
  printf '%s\n' --client-ca-file "$SD/pki/ca.crt" \
    --kubelet-client-certificate "$SD/pki/kubelet-client.crt" --kubelet-client-key "$SD/pki/kubelet-client.key" \
    --kubelet-certificate-authority "$SD/pki/ca.crt" --kubelet-preferred-address-types InternalIP \
    --enable-admission-plugins NodeRestriction
}

# The node's addresses as the kubelet will pick them (it leaves out loopback): every address of this host.
node_host_ips() { hostname -I 2>/dev/null | tr ' ' '\n' | grep -v '^$' | grep -v '^127\.' | grep -vx '::1'; }

node_write_kubelet_pki() {
  local ips san="DNS:$NODE_NAME" ip
  ips="$(node_host_ips)"
  [ -n "$ips" ] || die "this host has no non-loopback address for the kubelet (hostname -I is empty)"
  for ip in $ips; do san="$san,IP:$ip"; done
  node_sign kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "extendedKeyUsage=clientAuth"
  node_sign kubelet-serving "/CN=$NODE_NAME" "subjectAltName=$san
extendedKeyUsage=serverAuth"
  local ca
  ca="$(base64 -w0 < "$SD/pki/ca.crt")"
  umask 077
  cat > "$SD/node/kubelet.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: akv-local
  cluster:
    server: https://127.0.0.1:$(cat "$SD/apiserver.port")
    certificate-authority-data: $ca
users:
- name: system:node:$NODE_NAME
  user:
    client-certificate: $SD/pki/kubelet.crt
    client-key: $SD/pki/kubelet.key
contexts:
- name: akv-local
  context: {cluster: akv-local, user: "system:node:$NODE_NAME"}
current-context: akv-local
EOF
  umask 022
}

# ---- containerd -------------------------------------------------------------------------------------------------
node_pick_snapshotter() { # D
  if [ -n "${AKV_NODE_SNAPSHOTTER:-}" ]; then echo "$AKV_NODE_SNAPSHOTTER"; return; fi
  local t="$1/overlay-check" ok=native
  mkdir -p "$t"/{lower,upper,work,merged}
  if mount -t overlay overlay -o "lowerdir=$t/lower,upperdir=$t/upper,workdir=$t/work" "$t/merged" 2>/dev/null; then
    umount "$t/merged" && ok=overlayfs
  fi
  rm -rf "$t"
  echo "$ok"
}

node_image_name() { # ARCHIVE -> the name the archive carries
  tar -xOf "$1" index.json | json_get 'j.manifests[0].annotations["io.containerd.image.name"]'
}

node_write_containerd_config() { # D SNAPSHOTTER PAUSE_IMAGE PLATFORM
  local d="$1"
  cat > "$SD/node/containerd.toml" <<EOF
# Written by scripts/local-cluster/node.sh; everything under the cluster's data dir.
version = 4
root = "$d/containerd/root"
state = "$d/containerd/state"
# nothing from /etc/containerd
imports = []
# plugins that would reach outside the data dir, or need what this machine lacks
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.blockfile", "io.containerd.snapshotter.v1.erofs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing", "io.containerd.image-verifier.v1.bindir"]

[plugins]
  [plugins.'io.containerd.server.v1.grpc']
    address = "$d/containerd.sock"
  [plugins.'io.containerd.server.v1.ttrpc']
    address = "$d/containerd.sock.ttrpc"
  [plugins.'io.containerd.server.v1.debug']
    address = ""
  [plugins.'io.containerd.server.v1.metrics']
    address = ""
  [plugins.'io.containerd.internal.v1.opt']
    path = "$d/containerd/opt"
  # what `ctr images import` unpacks into (the transfer service knows only overlayfs by default)
  [plugins.'io.containerd.transfer.v1.local']
    [[plugins.'io.containerd.transfer.v1.local'.unpack_config]]
      platform = "$4"
      snapshotter = "$2"
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = "$2"
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = "$3"
  [plugins.'io.containerd.cri.v1.runtime']
    # root lacks CAP_SYS_RESOURCE here: never ask for an oom_score_adj below containerd's own
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    cdi_spec_dirs = []
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = "runc"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = "$NODE_RUNC"
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ["$NODE_CNI_BIN_DIR"]
      conf_dir = "$d/cni"
      max_conf_num = 1
EOF
}

# A /24 no route on this host uses yet; the first one tried depends on the data dir, so two clusters starting at
# the same moment are unlikely to race for the same one.
node_pick_pod_cidr() {
  if [ -n "${AKV_NODE_POD_CIDR:-}" ]; then
    if [ -n "$(ip route show "$AKV_NODE_POD_CIDR" 2>/dev/null)" ]; then
      die "a route for AKV_NODE_POD_CIDR=$AKV_NODE_POD_CIDR exists already (another local cluster's node?)"
    fi
    echo "$AKV_NODE_POD_CIDR"; return
  fi
  local start i n
  start=$(( $(node_suffix | cksum | cut -d' ' -f1) % 200 ))
  for i in $(seq 0 199); do
    n=$(( (start + i) % 200 ))
    if [ -z "$(ip route show "10.244.$n.0/24" 2>/dev/null)" ]; then echo "10.244.$n.0/24"; return; fi
  done
  die "no free 10.244.N.0/24 for the pods (set AKV_NODE_POD_CIDR)"
}

node_write_cni_config() { # D CIDR
  cat > "$1/cni/10-$NODE_CNI_NETWORK.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$NODE_CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$(node_bridge)",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$2" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$1/cni-ipam"
      }
    }
  ]
}
EOF
}

containerd_ready() {
  is_running "$(cat "$SD/containerd.pid")" || return 3
  node_ctr version
}

# ---- kubelet ----------------------------------------------------------------------------------------------------
node_write_kubelet_config() { # D PORT HEALTHZ_PORT
  local d="$1"
  cat > "$SD/node/kubelet.yaml" <<EOF
# Written by scripts/local-cluster/node.sh
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$d/containerd.sock
# cgroups are effectively v1 here (a tmpfs of v1 hierarchies); the kubelet would refuse to start without this
failCgroupV1: false
cgroupDriver: cgroupfs
# no QoS cgroups: pod and container cgroups go directly under this cluster's own cgroup root
cgroupsPerQOS: false
cgroupRoot: $(node_cgroup_root)
enforceNodeAllocatable: []
failSwapOn: false
memorySwap: {}
port: $2
healthzBindAddress: 127.0.0.1
healthzPort: $3
readOnlyPort: 0
tlsCertFile: $SD/pki/kubelet-serving.crt
tlsPrivateKeyFile: $SD/pki/kubelet-serving.key
rotateCertificates: false
serverTLSBootstrap: false
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $SD/pki/ca.crt}
authorization:
  mode: Webhook
podLogsDir: $d/pod-logs
volumePluginDir: $d/kubelet/volume-plugins
resolvConf: /etc/resolv.conf
syncFrequency: ${AKV_KUBELET_SYNC_FREQUENCY:-10s}
# a shared development disk: never evict or garbage-collect images because of other people's files
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 50Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
EOF
}

kubelet_healthy() {
  is_running "$(cat "$SD/kubelet.pid")" || return 3
  curl -sf --max-time 2 "http://127.0.0.1:$(cat "$SD/kubelet-healthz.port")/healthz" | grep -qx ok
}

node_ready() { # Ready, and no NoSchedule taint left (the node-lifecycle controller removes not-ready)
  is_running "$(cat "$SD/kubelet.pid")" || return 3
  local out
  out="$(api GET "/api/v1/nodes/$NODE_NAME")" || return 1
  [ "${out##*$'\n'}" = 200 ] || return 1
  printf '%s' "${out%$'\n'*}" | json_get '(j.status.conditions || []).some(c => c.type === "Ready" && c.status === "True") &&
    !(j.spec.taints || []).some(t => t.effect === "NoSchedule" || t.effect === "NoExecute")'
}

scheduler_running() {
  is_running "$(cat "$SD/kube-scheduler.pid")" || return 3
  grep -q 'Successfully acquired\|Starting Kubernetes Scheduler\|"Starting Kubernetes Scheduler"' "$SD/logs/kube-scheduler.log"
}

# RBAC for the API server's kubelet client certificate: the built-in role for everything the API server proxies to
# kubelets (logs, exec, metrics).
node_grant_apiserver() {
  local out code
  out="$(api POST /apis/rbac.authorization.k8s.io/v1/clusterrolebindings -H 'Content-Type: application/json' --data-binary @- <<'EOF'
{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding",
 "metadata":{"name":"akv-local:kube-apiserver-kubelet-client"},
 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:kubelet-api-admin"},
 "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"kube-apiserver-kubelet-client"}]}
EOF
)"
  code="${out##*$'\n'}"
  case "$code" in 201|409) ;; *) printf '%s\n' "${out%$'\n'*}" >&2; die "could not bind system:kubelet-api-admin (HTTP $code)" ;; esac
}

node_start() {
  local d snapshotter pause platform cg h cidr
  d="$(node_data)"
  node_resolve_bins
  command -v ip >/dev/null || die "ip (iproute2) not found: the node's bridge needs it"
  mkdir -p "$SD/node" "$d/kubelet" "$d/containerd/root" "$d/containerd/state" "$d/containerd/opt" "$d/cni" \
    "$d/cni-ipam" "$d/pod-logs"
  # what node_stop must remove, written before it exists
  node_bridge > "$SD/node/bridge"
  cg="$(node_cgroup_root)"; echo "$cg" > "$SD/node/cgroup-root"
  for h in /sys/fs/cgroup/*/; do
    [ -f "$h/cgroup.procs" ] && [ ! -f "$h/cgroup.controllers" ] || continue   # v1 hierarchies only
    mkdir -p "$h${cg#/}" || die "cannot create cgroup $h${cg#/}"
  done

  snapshotter="$(node_pick_snapshotter "$d")"
  pause="$(node_image_name "$NODE_IMAGES_DIR/pause.tar")" || die "no image name in $NODE_IMAGES_DIR/pause.tar"
  platform="linux/$(tar -xOf "$NODE_IMAGES_DIR/pause.tar" index.json | json_get 'j.manifests[0].platform.architecture')" ||
    die "no platform in $NODE_IMAGES_DIR/pause.tar"
  node_write_containerd_config "$d" "$snapshotter" "$pause" "$platform"
  cidr="$(node_pick_pod_cidr)"
  echo "$cidr" > "$SD/node/pod-cidr"
  node_write_cni_config "$d" "$cidr"
  log "containerd $("$NODE_CONTAINERD" --version | awk '{print $3}') (snapshotter $snapshotter, socket $d/containerd.sock, pods on $cidr)"
  PATH="$(dirname "$NODE_CONTAINERD"):$PATH" \
    start_daemon containerd "$SD/logs/containerd.log" "$NODE_CONTAINERD" --config "$SD/node/containerd.toml" --log-level warn
  wait_for "containerd" containerd_ready || { tail -n 20 "$SD/logs/containerd.log" >&2; die "containerd not ready; log: $SD/logs/containerd.log"; }
  node_ctr_quiet images import --snapshotter "$snapshotter" --label io.cri-containerd.pinned=pinned "$NODE_IMAGES_DIR/pause.tar" ||
    die "could not import $NODE_IMAGES_DIR/pause.tar"
  echo "$snapshotter" > "$SD/node/snapshotter"
  log "pause image $pause imported"

  node_grant_apiserver
  log "kube-scheduler (no listening port)"
  start_daemon kube-scheduler "$SD/logs/kube-scheduler.log" "$NODE_SCHEDULER" \
    --kubeconfig "$SD/kubeconfig" --authentication-kubeconfig "$SD/kubeconfig" --authorization-kubeconfig "$SD/kubeconfig" \
    --secure-port 0 --leader-elect=false --v=1
  wait_for "kube-scheduler" scheduler_running || { tail -n 20 "$SD/logs/kube-scheduler.log" >&2; die "kube-scheduler not running; log: $SD/logs/kube-scheduler.log"; }

  node_write_kubelet_pki
  free_port > "$SD/kubelet.port"
  free_port > "$SD/kubelet-healthz.port"
  node_write_kubelet_config "$d" "$(cat "$SD/kubelet.port")" "$(cat "$SD/kubelet-healthz.port")"
  log "kubelet $NODE_NAME on port $(cat "$SD/kubelet.port") (root dir $d/kubelet, cgroup root $cg)"
  start_daemon kubelet "$SD/logs/kubelet.log" "$NODE_KUBELET" \
    --config "$SD/node/kubelet.yaml" --kubeconfig "$SD/node/kubelet.kubeconfig" \
    --hostname-override "$NODE_NAME" --root-dir "$d/kubelet" --cert-dir "$d/kubelet/pki" --v=1
  wait_for "kubelet /healthz" kubelet_healthy || { tail -n 20 "$SD/logs/kubelet.log" >&2; die "kubelet not healthy; log: $SD/logs/kubelet.log"; }
  wait_for "node $NODE_NAME Ready and schedulable" node_ready || { tail -n 20 "$SD/logs/kubelet.log" >&2
    die "node $NODE_NAME not Ready (or still tainted) after ${TIMEOUT}s; logs: $SD/logs/kubelet.log, $SD/logs/kube-controller-manager.log"; }
}

# The probe image under each NAME (e.g. registry.example/app:1): imported once, then tagged. The pods must not pull
# (no registry): a tag other than :latest gives imagePullPolicy IfNotPresent by default.
node_import_images() {
  [ $# -gt 0 ] || die "usage: node_import_images NAME..."
  [ -n "${NODE_IMAGES_DIR:-}" ] || node_resolve_bins
  local probe name
  probe="$(node_image_name "$NODE_IMAGES_DIR/probe.tar")" || die "no image name in $NODE_IMAGES_DIR/probe.tar"
  node_ctr_quiet images import --snapshotter "$(cat "$SD/node/snapshotter")" "$NODE_IMAGES_DIR/probe.tar" ||
    die "could not import $NODE_IMAGES_DIR/probe.tar"
  for name in "$@"; do
    node_ctr_quiet images tag --force "$probe" "$name" || die "could not tag $probe as $name"
    log "image $name (the probe, $probe)"
  done
}

# ---- stop -------------------------------------------------------------------------------------------------------
# Pids of every process in this node's cgroups (the pods' containers, in any v1 hierarchy).
node_cgroup_pids() { # CGROUP_ROOT
  local h
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h${1#/}" ] || continue
    find "$h${1#/}" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -un
}

# Pids whose command line names this cluster's containerd (the runc shims: -address $D/containerd.sock); the data
# dir is a unique mktemp name, so this matches nothing of any other cluster.
node_shim_pids() { # D
  local p
  for p in /proc/[0-9]*; do
    if tr '\0' ' ' 2>/dev/null < "$p/cmdline" | grep -qF -- "-address $1/containerd.sock"; then echo "${p#/proc/}"; fi
  done
  return 0
}

# Mount points at or under DIR in this mount namespace, deepest first (/proc/mounts escapes spaces as \040).
node_mounts_under() { # DIR
  awk -v d="$1" '{ m = $2; gsub(/\\040/, " ", m); if (m == d || index(m, d "/") == 1) print length(m) "\t" m }' /proc/self/mounts |
    sort -rn | cut -f2- | uniq
}

# Shim sockets live outside the data dir (containerd 2 keeps them in /run/containerd/s/); each task's bundle in our
# state dir names its own in an "address" file.
node_shim_sockets() { # D
  local f
  for f in "$1"/containerd/state/io.containerd.runtime.v2.task/*/*/address; do
    if [ -f "$f" ]; then sed -n 's#^unix://##p' "$f"; fi
  done
  return 0
}

node_stop() {
  [ -f "$SD/datadir" ] || return 0
  local d cg pids m h left bridge sockets ids
  d="$(node_data)"
  [ -n "$d" ] && [ -d "$d" ] || return 0
  cg="$(cat "$SD/node/cgroup-root" 2>/dev/null || true)"
  ids="$(ls "$d/containerd/state/io.containerd.grpc.v1.cri/sandboxes" "$d/containerd/state/io.containerd.runtime.v2.task/k8s.io" 2>/dev/null | sort -u || true)"
  sockets="$(node_shim_sockets "$d")"
  kill_group kubelet
  kill_group kube-scheduler
  # The containers: through containerd while it runs, so the shims exit and clean up after themselves.
  NODE_CTR="${NODE_CTR:-$(resolve_bin ctr AKV_CTR 2>/dev/null || true)}"
  if [ -f "$SD/containerd.pid" ] && is_running "$(cat "$SD/containerd.pid")" && [ -x "$NODE_CTR" ]; then
    local id
    for id in $(node_ctr tasks ls -q 2>/dev/null); do node_ctr tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    for _ in $(seq 1 50); do [ -n "$cg" ] && [ -n "$(node_cgroup_pids "$cg")" ] || break; sleep 0.1; done
    for id in $(node_ctr tasks ls -q 2>/dev/null); do node_ctr tasks delete --force "$id" >/dev/null 2>&1 || true; done
    for id in $(node_ctr containers ls -q 2>/dev/null); do node_ctr containers delete "$id" >/dev/null 2>&1 || true; done
  fi
  kill_group containerd
  # Whatever survived: container processes in our cgroups, shims naming our data dir.
  local round
  for round in 1 2 3 4; do
    pids="$( { [ -z "$cg" ] || node_cgroup_pids "$cg"; node_shim_pids "$d"; } | sort -un)"
    [ -n "$pids" ] && [ "$round" != 4 ] || break
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.3
  done
  [ -z "$pids" ] || log "warning: processes of the node still alive: $pids"
  for m in $sockets; do case "$m" in /run/containerd/s/*) rm -f "$m" ;; esac; done
  # Mounts: the kubelet's volumes (tmpfs, CSI), the containers' rootfs and shm, the pods' network namespaces.
  while IFS= read -r m; do
    [ -n "$m" ] || continue
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "warning: cannot unmount $m"
  done < <(node_mounts_under "$d")
  left="$(node_mounts_under "$d")"
  [ -z "$left" ] || log "warning: mounts left under $d: $left"
  # The bridge (the pods' veth ends went with their network namespaces).
  bridge="$(cat "$SD/node/bridge" 2>/dev/null || true)"
  if [ -n "$bridge" ] && ip link show "$bridge" >/dev/null 2>&1; then
    ip link delete "$bridge" || log "warning: cannot delete bridge $bridge"
  fi
  # The cgroups, deepest first (a v1 cgroup is removed with rmdir once it has no processes).
  if [ -n "$cg" ]; then
    for h in /sys/fs/cgroup/*/; do
      [ -d "$h${cg#/}" ] || continue
      find "$h${cg#/}" -depth -type d -exec rmdir {} + 2>/dev/null || true
      [ ! -d "$h${cg#/}" ] || log "warning: cgroup $h${cg#/} not removed"
    done
  fi
  # libcni's result cache stays in /var/lib/cni (containerd has no setting for it): <network>-<sandbox id>-<ifname>,
  # for our network and containerd's loopback one; a pod stopped through the CRI removes its own, a killed one not
  for m in $ids; do
    [ ${#m} = 64 ] || continue
    rm -f /var/lib/cni/results/"$NODE_CNI_NETWORK-$m"-* /var/lib/cni/results/cni-loopback-"$m"-* 2>/dev/null || true
  done
  rm -f "$SD"/kubelet.port "$SD"/kubelet-healthz.port
  rm -rf "$SD/node"
}
