# shellcheck shell=bash
# The Secrets Store CSI driver, the Azure Key Vault provider and our plugin registrar as host processes next to the
# local node's kubelet. Sourced by scripts/local-cluster.sh, whose helpers and variables it uses ($SD, log, die,
# start_daemon, kill_group, wait_for, api, resolve_bin, free_port, apiserver_ready).
#
#   csi_start   CSIDriver object, provider on $D/providers/azure.sock, driver on
#               $D/kubelet/plugins/csi-secrets-store/csi.sock, registrar in $D/kubelet/plugins_registry; waits until
#               each socket exists, the driver answers GetPluginInfo/Probe and the registrar serves
#   csi_stop    stops all three, removes their sockets, deletes the CSIDriver object if the API server still runs;
#               idempotent, also after a half-failed start
#
# The provider's only way out is the Key Vault stand-in, as its HTTPS_PROXY/HTTP_PROXY (port in $SD/standin.port),
# trusting only the stand-in's CA ($SD/standin/ca.pem). It runs with an otherwise empty environment, so no proxy
# exception, Azure identity variable or system CA of the host applies. Without a stand-in it gets a proxy port where
# nothing listens: every fetch then fails, nothing leaves the machine.
#
# Environment: AKV_ROTATION_POLL_INTERVAL (driver's --rotation-poll-interval, default 10s),
#   AKV_CSI_LOG_LEVEL (klog -v of driver and provider, default 2: names, never values),
#   AKV_CSI_DRIVER, AKV_AZURE_PROVIDER, AKV_CSI_REGISTRAR, AKV_CSI_CALL (binaries; default from scripts/toolchain.sh)

CSI_DRIVER_NAME=secrets-store.csi.k8s.io
CSI_NODE_NAME=akv-node
# What the kubelet needs to know about the driver: inline (Ephemeral) volumes only, pod info and a workload identity
# token in every NodePublishVolume, and periodic republish, which is how v1.6.0 rotates (--enable-secret-rotation).
CSI_DRIVER_OBJECT='{"apiVersion":"storage.k8s.io/v1","kind":"CSIDriver","metadata":{"name":"secrets-store.csi.k8s.io"},
 "spec":{"podInfoOnMount":true,"attachRequired":false,"volumeLifecycleModes":["Ephemeral"],"requiresRepublish":true,
 "tokenRequests":[{"audience":"api://AzureADTokenExchange"}]}}'
CSI_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin   # the driver runs mount/umount

csi_paths() { # sets the CSI_* path variables from the data dir
  local d
  d="$(cat "$SD/datadir")"
  CSI_PLUGIN_DIR="$d/kubelet/plugins/csi-secrets-store"
  CSI_SOCKET="$CSI_PLUGIN_DIR/csi.sock"
  CSI_REGISTRY_DIR="$d/kubelet/plugins_registry"
  CSI_REG_SOCKET="$CSI_REGISTRY_DIR/$CSI_DRIVER_NAME-reg.sock"
  CSI_PROVIDER_DIR="$d/providers"
  CSI_PROVIDER_SOCKET="$CSI_PROVIDER_DIR/azure.sock"
  CSI_EMPTY_CERT_DIR="$d/csi-no-system-cas"
}

csi_socket_up() { # PIDNAME SOCKET  (3 = the process is gone)
  is_running "$(cat "$SD/$1.pid" 2>/dev/null)" || return 3
  [ -S "$2" ]
}

csi_driver_answers() {
  is_running "$(cat "$SD/csi-driver.pid" 2>/dev/null)" || return 3
  "$CSI_CALL" probe --endpoint "$CSI_SOCKET" --driver-name "$CSI_DRIVER_NAME" --timeout 1s
}

csi_fail() { # NAME LOGFILE MESSAGE
  tail -n 20 "$2" >&2 || true
  die "$3; log: $2"
}

csi_create_driver_object() {
  local out code
  out="$(api POST /apis/storage.k8s.io/v1/csidrivers -H 'Content-Type: application/json' --data-binary "$CSI_DRIVER_OBJECT")"
  code="${out##*$'\n'}"
  case "$code" in
    201) log "CSIDriver $CSI_DRIVER_NAME created" ;;
    409) # left by an earlier start against the same API server: replace it, so its spec is ours
      api DELETE "/apis/storage.k8s.io/v1/csidrivers/$CSI_DRIVER_NAME" >/dev/null
      out="$(api POST /apis/storage.k8s.io/v1/csidrivers -H 'Content-Type: application/json' --data-binary "$CSI_DRIVER_OBJECT")"
      [ "${out##*$'\n'}" = 201 ] || { printf '%s\n' "${out%$'\n'*}" >&2; die "recreating CSIDriver $CSI_DRIVER_NAME failed"; }
      log "CSIDriver $CSI_DRIVER_NAME recreated" ;;
    *) printf '%s\n' "${out%$'\n'*}" >&2; die "creating CSIDriver $CSI_DRIVER_NAME failed (HTTP $code)" ;;
  esac
  touch "$SD/csi-driver-object"
}

csi_start() {
  local driver provider registrar proxy_port ca level interval
  driver="$(resolve_bin secrets-store-csi-driver AKV_CSI_DRIVER)"
  provider="$(resolve_bin secrets-store-csi-driver-provider-azure AKV_AZURE_PROVIDER)"
  registrar="$(resolve_bin csi-registrar AKV_CSI_REGISTRAR)"
  CSI_CALL="$(resolve_bin csi-call AKV_CSI_CALL)"
  csi_paths
  level="${AKV_CSI_LOG_LEVEL:-2}"
  interval="${AKV_ROTATION_POLL_INTERVAL:-10s}"
  mkdir -p "$CSI_PLUGIN_DIR" "$CSI_REGISTRY_DIR" "$CSI_PROVIDER_DIR" "$CSI_EMPTY_CERT_DIR"

  csi_create_driver_object

  if [ -f "$SD/standin.port" ]; then
    proxy_port="$(cat "$SD/standin.port")"
  else
    proxy_port="$(free_port)"
    log "warning: no Key Vault stand-in ($SD/standin.port missing): the provider's proxy is 127.0.0.1:$proxy_port, where nothing listens, so every fetch fails"
  fi
  ca="$SD/standin/ca.pem"
  [ -f "$ca" ] || log "warning: no stand-in CA at $ca: the provider trusts no server certificate"
  log "Azure Key Vault provider on $CSI_PROVIDER_SOCKET (proxy http://127.0.0.1:$proxy_port)"
  # the health and metrics ports cannot be turned off; free ones keep them out of the way
  start_daemon csi-provider "$SD/logs/csi-provider.log" env -i PATH="$CSI_PATH" \
    HTTPS_PROXY="http://127.0.0.1:$proxy_port" HTTP_PROXY="http://127.0.0.1:$proxy_port" \
    SSL_CERT_FILE="$ca" SSL_CERT_DIR="$CSI_EMPTY_CERT_DIR" \
    "$provider" --endpoint "unix://${CSI_PROVIDER_SOCKET#/}" \
    --healthz-port "$(free_port)" --prometheus-port "$(free_port)" -v="$level"
  wait_for "Azure provider socket" csi_socket_up csi-provider "$CSI_PROVIDER_SOCKET" ||
    csi_fail csi-provider "$SD/logs/csi-provider.log" "Azure provider did not listen on $CSI_PROVIDER_SOCKET"

  log "Secrets Store CSI driver on $CSI_SOCKET (node $CSI_NODE_NAME, rotation every $interval)"
  start_daemon csi-driver "$SD/logs/csi-driver.log" env -i PATH="$CSI_PATH" KUBECONFIG="$SD/kubeconfig" \
    "$driver" --endpoint "unix://${CSI_SOCKET#/}" --drivername "$CSI_DRIVER_NAME" --nodeid "$CSI_NODE_NAME" \
    --provider-volume "$CSI_PROVIDER_DIR" --additional-provider-volume-paths "$CSI_PROVIDER_DIR" \
    --enable-secret-rotation --rotation-poll-interval "$interval" \
    --metrics-addr 0 -v="$level"
  wait_for "CSI driver socket" csi_socket_up csi-driver "$CSI_SOCKET" ||
    csi_fail csi-driver "$SD/logs/csi-driver.log" "CSI driver did not listen on $CSI_SOCKET"
  wait_for "CSI driver answers GetPluginInfo/Probe" csi_driver_answers ||
    csi_fail csi-driver "$SD/logs/csi-driver.log" "CSI driver does not answer on $CSI_SOCKET"

  log "plugin registrar on $CSI_REG_SOCKET"
  start_daemon csi-registrar "$SD/logs/csi-registrar.log" "$registrar" \
    --registration-socket "$CSI_REG_SOCKET" --csi-endpoint "$CSI_SOCKET" --driver-name "$CSI_DRIVER_NAME"
  wait_for "plugin registration socket" csi_socket_up csi-registrar "$CSI_REG_SOCKET" ||
    csi_fail csi-registrar "$SD/logs/csi-registrar.log" "registrar did not listen on $CSI_REG_SOCKET"
}

csi_stop() {
  # registrar first: its socket going away makes the kubelet deregister the driver
  kill_group csi-registrar
  kill_group csi-driver
  kill_group csi-provider
  if [ -f "$SD/datadir" ]; then
    csi_paths
    rm -f "$CSI_REG_SOCKET" "$CSI_SOCKET" "$CSI_PROVIDER_SOCKET"
    rm -rf "$CSI_EMPTY_CERT_DIR"
  fi
  if [ -f "$SD/csi-driver-object" ]; then
    if [ -f "$SD/kube-apiserver.pid" ] && apiserver_ready 2>/dev/null; then
      api DELETE "/apis/storage.k8s.io/v1/csidrivers/$CSI_DRIVER_NAME" >/dev/null 2>&1 || true
      log "CSIDriver $CSI_DRIVER_NAME deleted"
    fi
    rm -f "$SD/csi-driver-object"
  fi
}
