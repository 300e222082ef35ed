#!/usr/bin/env bash
# Exercises the Secrets Store CSI driver and the Azure provider without a kubelet: creates a SecretProviderClass and
# a Pod object (bound to node akv-node; nothing runs it), then calls the driver's NodePublishVolume over its socket
# exactly as the kubelet does for an inline (Ephemeral) volume of that pod, checks the result, and unpublishes.
#
#   AKV_CLUSTER_NODE=1 scripts/local-cluster.sh run -- scripts/csi-publish-check.sh [OPTIONS]
#
#   --mode sp|mi|wi        identity: service principal (nodePublishSecretRef secrets: clientid/clientsecret),
#                          user-assigned managed identity (useVMManagedIdentity, IMDS) or workload identity (clientID
#                          and a service-account token for api://AzureADTokenExchange, from the TokenRequest API like
#                          the kubelet's tokenRequests). Default sp.
#   --vault NAME --tenant ID --client-id ID   default akvcheck / a fixed test tenant / a fixed test client
#   --client-secret-file F  sp mode: the client secret (default: a random one)
#   --object TYPE/NAME[:N]  Key Vault object to mount (secret/, key/ or cert/; :N = objectVersionHistory N;
#                          repeatable; default secret/app-secret)
#   --expect-failure        succeed only if the mount FAILS in the provider (e.g. no stand-in yet): the driver must
#                           have mounted a tmpfs, called the provider, reported its error and unmounted again
#
# Prints names, file names, sizes and hashes, never a value or a token. Exit 0 when the outcome is the expected one.
set -euo pipefail

SD="${AKV_CLUSTER_STATE_DIR:?run me through scripts/local-cluster.sh run (AKV_CLUSTER_STATE_DIR not set)}"
MODE=sp VAULT=akvcheck TENANT=7f2d9b3e-1c44-4a5e-9a0f-2b6c1d8e4f10 CLIENT_ID=3c9a6e21-5b7d-4f08-8d2e-9e1f0a4b7c55
SECRET_FILE="" EXPECT_FAILURE=0 OBJECTS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) MODE="$2"; shift 2 ;;
    --vault) VAULT="$2"; shift 2 ;;
    --tenant) TENANT="$2"; shift 2 ;;
    --client-id) CLIENT_ID="$2"; shift 2 ;;
    --client-secret-file) SECRET_FILE="$2"; shift 2 ;;
    --object) OBJECTS+=("$2"); shift 2 ;;
    --expect-failure) EXPECT_FAILURE=1; shift ;;
    *) echo "unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
done
case "$MODE" in sp|mi|wi) ;; *) echo "--mode must be sp, mi or wi" >&2; exit 2 ;; esac
[ ${#OBJECTS[@]} -gt 0 ] || OBJECTS=(secret/app-secret)

say() { printf '[csi-check] %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
api() { # METHOD PATH [curl args] -> body, then the HTTP code on the last line
  local method="$1" path="$2"; shift 2
  curl -sS --max-time 30 -X "$method" --cacert "$SD/pki/ca.crt" -H "Authorization: Bearer $(cat "$SD/pki/token")" \
    -w '\n%{http_code}' "$@" "https://127.0.0.1:$(cat "$SD/apiserver.port")$path"
}
api_ok() { # METHOD PATH JSON -> body; fails unless 2xx
  local out
  out="$(api "$1" "$2" -H 'Content-Type: application/json' --data-binary "$3")"
  case "${out##*$'\n'}" in 2??) printf '%s' "${out%$'\n'*}" ;; *) printf '%s\n' "${out%$'\n'*}" >&2; fail "$1 $2: HTTP ${out##*$'\n'}" ;; esac
}
mounted() { findmnt -n -M "$1" >/dev/null 2>&1; }

D="$(cat "$SD/datadir")"
SOCKET="$D/kubelet/plugins/csi-secrets-store/csi.sock"
[ -S "$SOCKET" ] || fail "no driver socket $SOCKET (start the cluster with AKV_CLUSTER_NODE=1)"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CSI_CALL="${AKV_CSI_CALL:-$("$REPO_ROOT/scripts/toolchain.sh" paths | awk '$1 == "csi-call" { print $2 }')}"
[ -x "$CSI_CALL" ] || fail "csi-call not built (scripts/toolchain.sh build node)"
WORK="$(mktemp -d)"; chmod 700 "$WORK"
NS=default POD="akv-check-$MODE" SPC="akv-check-$MODE"
cleanup() { # the Pod (its SecretProviderClassPodStatus goes with it, by owner reference) and the SecretProviderClass
  api DELETE "/api/v1/namespaces/$NS/pods/$POD?gracePeriodSeconds=0" >/dev/null 2>&1 || true
  api DELETE "/apis/secrets-store.csi.x-k8s.io/v1/namespaces/$NS/secretproviderclasses/$SPC" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

objects_yaml() {
  local o
  echo "array:"
  for o in "${OBJECTS[@]}"; do
    local type="${o%%/*}" rest="${o#*/}"
    printf '  - |\n    objectName: %s\n    objectType: %s\n' "${rest%%:*}" "$type"
    [ "$rest" = "${rest%%:*}" ] || printf '    objectVersionHistory: %s\n' "${rest#*:}"
  done
}
params="$(node -e '
  const [mode, vault, tenant, client, objects] = process.argv.slice(1);
  const p = { keyvaultName: vault, tenantId: tenant, objects, usePodIdentity: "false" };
  if (mode === "mi") Object.assign(p, { useVMManagedIdentity: "true", userAssignedIdentityID: client });
  if (mode === "wi") p.clientID = client;
  console.log(JSON.stringify(p));' "$MODE" "$VAULT" "$TENANT" "$CLIENT_ID" "$(objects_yaml)")"
api DELETE "/apis/secrets-store.csi.x-k8s.io/v1/namespaces/$NS/secretproviderclasses/$SPC" >/dev/null || true
api_ok POST "/apis/secrets-store.csi.x-k8s.io/v1/namespaces/$NS/secretproviderclasses" \
  "{\"apiVersion\":\"secrets-store.csi.x-k8s.io/v1\",\"kind\":\"SecretProviderClass\",\"metadata\":{\"name\":\"$SPC\"},
    \"spec\":{\"provider\":\"azure\",\"parameters\":$params}}" >/dev/null
say "SecretProviderClass $NS/$SPC: mode $MODE, vault $VAULT, objects ${OBJECTS[*]}"

api DELETE "/api/v1/namespaces/$NS/pods/$POD?gracePeriodSeconds=0" >/dev/null || true
for _ in $(seq 1 50); do [ "$(api GET "/api/v1/namespaces/$NS/pods/$POD" | tail -n1)" = 404 ] && break; sleep 0.2; done
UID_="$(api_ok POST "/api/v1/namespaces/$NS/pods" \
  "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"$POD\"},\"spec\":{\"nodeName\":\"akv-node\",
    \"serviceAccountName\":\"default\",\"containers\":[{\"name\":\"app\",\"image\":\"akv-probe:local\"}],
    \"volumes\":[{\"name\":\"secrets-store\",\"csi\":{\"driver\":\"secrets-store.csi.k8s.io\",\"readOnly\":true,
      \"volumeAttributes\":{\"secretProviderClass\":\"$SPC\"}}}]}}" | node -e '
  let s = ""; process.stdin.on("data", d => s += d).on("end", () => console.log(JSON.parse(s).metadata.uid));')"
say "Pod $NS/$POD uid $UID_ (bound to akv-node; no kubelet runs it here)"

# What the kubelet puts into the volume context of an inline volume with podInfoOnMount (pkg/volume/csi).
attrs=(--attr "secretProviderClass=$SPC" --attr "csi.storage.k8s.io/pod.name=$POD"
  --attr "csi.storage.k8s.io/pod.namespace=$NS" --attr "csi.storage.k8s.io/pod.uid=$UID_"
  --attr "csi.storage.k8s.io/serviceAccount.name=default" --attr "csi.storage.k8s.io/ephemeral=true")
extra=()
case "$MODE" in
  sp)
    [ -n "$SECRET_FILE" ] || { SECRET_FILE="$WORK/client-secret"; openssl rand -hex 16 > "$SECRET_FILE"; }
    node -e 'const fs = require("fs"); const [id, f, out] = process.argv.slice(1);
      fs.writeFileSync(out, JSON.stringify({ clientid: id, clientsecret: fs.readFileSync(f, "utf8").trim() }), { mode: 0o600 });' \
      "$CLIENT_ID" "$SECRET_FILE" "$WORK/secrets.json"
    extra=(--secrets-file "$WORK/secrets.json") ;;
  wi)
    # the kubelet asks the TokenRequest API for the CSIDriver's tokenRequests audience, bound to the pod
    api_ok POST "/api/v1/namespaces/$NS/serviceaccounts/default/token" \
      "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{\"audiences\":[\"api://AzureADTokenExchange\"],
        \"boundObjectRef\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"name\":\"$POD\",\"uid\":\"$UID_\"}}}" | node -e '
      let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
        const st = JSON.parse(s).status;
        const tokens = { "api://AzureADTokenExchange": { token: st.token, expirationTimestamp: st.expirationTimestamp } };
        require("fs").writeFileSync(process.argv[1], JSON.stringify({ "csi.storage.k8s.io/serviceAccount.tokens": JSON.stringify(tokens) }), { mode: 0o600 });
      });' "$WORK/attrs.json"
    extra=(--attrs-file "$WORK/attrs.json") ;;
esac

VOLUME_ID="csi-$(printf '%s' "$UID_/secrets-store" | sha256sum | cut -c1-64)"
TARGET="$D/kubelet/pods/$UID_/volumes/kubernetes.io~csi/secrets-store/mount"
log_lines_before="$(wc -l < "$SD/logs/csi-driver.log")"
set +e
out="$("$CSI_CALL" publish --endpoint "$SOCKET" --volume-id "$VOLUME_ID" --target "$TARGET" "${attrs[@]}" "${extra[@]}" 2>&1)"
rc=$?
set -e
driver_log="$(tail -n +"$((log_lines_before + 1))" "$SD/logs/csi-driver.log")"

if [ "$rc" != 0 ]; then
  say "NodePublishVolume failed: $(printf '%s' "$out" | sed -e 's/^csi-call publish: //' | cut -c1-600)"
  grep -q 'unmounting target path as node publish volume failed' <<< "$driver_log" &&
    say "driver: mounted a tmpfs at the target, called the provider, unmounted it after the provider's error"
  ! mounted "$TARGET" || fail "target $TARGET is still mounted after a failed publish"
  if [ "$EXPECT_FAILURE" = 1 ]; then
    grep -q 'unmounting target path as node publish volume failed' <<< "$driver_log" ||
      fail "the driver did not get as far as mounting and calling the provider"
    grep -q 'failed to get keyvault client\|failed to get objectType\|GetSecretsStoreObjectContent\|provider' <<< "$out" ||
      fail "the error does not come from the provider"
    say "OK: failed as expected, in the provider"
    exit 0
  fi
  fail "NodePublishVolume failed"
fi

say "$out"
mounted "$TARGET" || fail "NodePublishVolume succeeded but $TARGET is not a mount point"
say "mount: $(findmnt -n -o FSTYPE,OPTIONS -M "$TARGET")"
( cd "$TARGET" && find . -mindepth 1 ! -name '..*' -printf '%P\n' | sort | while read -r f; do
    if [ -f "$f" ]; then printf '[csi-check] file %s: %s bytes, sha256:%s\n' "$f" "$(stat -Lc %s "$f")" "$(sha256sum < "$f" | cut -c1-16)" >&2; fi
  done )
status="$(api GET "/apis/secrets-store.csi.x-k8s.io/v1/namespaces/$NS/secretproviderclasspodstatuses/$POD-$NS-$SPC")"
if [ "${status##*$'\n'}" = 200 ]; then
  say "SecretProviderClassPodStatus $POD-$NS-$SPC: $(printf '%s' "${status%$'\n'*}" | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => { const st = JSON.parse(s).status;
      console.log("mounted=" + st.mounted + " objects=" + (st.objects || []).map(o => o.id + "@" + o.version).join(",")); });')"
else
  fail "no SecretProviderClassPodStatus $POD-$NS-$SPC after a successful mount (HTTP ${status##*$'\n'})"
fi

"$CSI_CALL" unpublish --endpoint "$SOCKET" --volume-id "$VOLUME_ID" --target "$TARGET" >&2
! mounted "$TARGET" || fail "target $TARGET still mounted after NodeUnpublishVolume"
say "unmounted after NodeUnpublishVolume"
[ "$EXPECT_FAILURE" = 0 ] || fail "the mount succeeded, but --expect-failure was given"
say "OK"
