#!/usr/bin/env bash
# Smoke test of the local cluster's node (scripts/local-cluster/node.sh), for CI and by hand:
#
#   scripts/local-cluster/node-smoke.sh
#
# In a private cluster (`AKV_CLUSTER_NODE=1 scripts/local-cluster.sh run`): imports the probe image as
# registry.example/demo:1, creates a 2-replica Deployment with an emptyDir at /mnt/secrets-store and one env var,
# waits until both pods are Ready, reads a pod's log through the API server (the probe's line: names and hashes,
# never the value), checks the pods' events, deletes the Deployment and waits until the pods are gone. Then, after
# the cluster stopped, checks that the node left nothing: no process, no mount, no network namespace, no bridge, no
# cgroup, no CNI result, no shim socket, no data dir. Needs root and `scripts/toolchain.sh build` (the node tools).
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NAME=akv-node-smoke
IMAGE=registry.example/demo:1
ENV_VALUE=smoke-value-never-printed
TIMEOUT="${AKV_SMOKE_TIMEOUT:-120}"

say() { printf '[node-smoke] %s\n' "$*" >&2; }
fail() { printf '[node-smoke] FAIL: %s\n' "$*" >&2; exit 1; }

if [ "${1:-}" != --inside ]; then
  record="$(mktemp -d "${TMPDIR:-/tmp}/akv-node-smoke.XXXXXX")"
  trap 'rm -rf "$record"' EXIT
  ip netns list 2>/dev/null | sort > "$record/netns-before" || true
  AKV_CLUSTER_NODE=1 AKV_SMOKE_RECORD="$record" "$REPO_ROOT/scripts/local-cluster.sh" run -- "$0" --inside
  # ---- after stop: nothing of the node may be left -----------------------------------------------------------------
  d="$(cat "$record/datadir")"
  [ -n "$d" ] || fail "the inside run recorded no data dir"
  left=""
  for p in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null < "$p/cmdline" | grep -qF "$d" && left="$left ${p#/proc/}"
  done
  [ -z "$left" ] || fail "processes naming $d still run:$left"
  ! grep -F "$d" /proc/mounts || fail "mounts under $d left (above)"
  [ ! -e "$d" ] || fail "data dir $d left"
  ! ip link show "$(cat "$record/bridge")" >/dev/null 2>&1 || fail "bridge $(cat "$record/bridge") left"
  ! ls -d /sys/fs/cgroup/*/"$(cat "$record/cgroup-root")" 2>/dev/null || fail "cgroups left (above)"
  ip netns list 2>/dev/null | sort | comm -13 "$record/netns-before" - > "$record/netns-new" || true
  [ ! -s "$record/netns-new" ] || fail "network namespaces left: $(cat "$record/netns-new")"
  while read -r id; do
    ! ls /var/lib/cni/results/*"$id"* 2>/dev/null || fail "CNI results of sandbox $id left (above)"
  done < "$record/sandboxes"
  while read -r s; do [ ! -e "$s" ] || fail "shim socket $s left"; done < "$record/sockets"
  say "OK: after stop no process, mount, network namespace, bridge, cgroup, CNI result, shim socket or data dir of $d is left"
  exit 0
fi

# ---- inside the running cluster --------------------------------------------------------------------------------
SD="$AKV_CLUSTER_STATE_DIR"
D="$(cat "$SD/datadir")"
echo "$D" > "$AKV_SMOKE_RECORD/datadir"
cp "$SD/node/bridge" "$AKV_SMOKE_RECORD/bridge"
sed 's#^/##' "$SD/node/cgroup-root" > "$AKV_SMOKE_RECORD/cgroup-root"
api() { # METHOD PATH [curl args...]
  local m="$1" p="$2"; shift 2
  curl -sS --fail-with-body --max-time 30 -X "$m" --cacert "$SD/pki/ca.crt" -H "Authorization: Bearer $(cat "$SD/pki/token")" \
    "$@" "https://127.0.0.1:$(cat "$SD/apiserver.port")$p"
}
js() { node -e 'let s=""; process.stdin.on("data", d => s += d).on("end", () => { const j = JSON.parse(s); const r = (0, eval)("(j) => (" + process.argv[1] + ")")(j); console.log(typeof r === "string" ? r : JSON.stringify(r)); });' "$1"; }
until_ok() { # SECONDS DESCRIPTION COMMAND...
  local deadline=$(( $(date +%s) + $1 )) what="$2"; shift 2
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt "$deadline" ] || fail "$what: not within ${TIMEOUT}s"; sleep 1; done
}

"$REPO_ROOT/scripts/local-cluster.sh" import-images "$IMAGE"
t0=$(date +%s)
api POST /apis/apps/v1/namespaces/default/deployments -H 'Content-Type: application/json' --data-binary @- > /dev/null <<JSON
{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"$NAME","namespace":"default"},
 "spec":{"replicas":2,"selector":{"matchLabels":{"app":"$NAME"}},
  "template":{"metadata":{"labels":{"app":"$NAME"}},
   "spec":{"terminationGracePeriodSeconds":5,
    "containers":[{"name":"probe","image":"$IMAGE","env":[{"name":"SMOKE_SECRET","value":"$ENV_VALUE"}],
      "volumeMounts":[{"name":"secrets","mountPath":"/mnt/secrets-store"}]}],
    "volumes":[{"name":"secrets","emptyDir":{}}]}}}}
JSON
say "Deployment $NAME created (2 replicas, image $IMAGE)"
pods() { api GET "/api/v1/namespaces/default/pods?labelSelector=app%3D$NAME"; }
two_ready() {
  [ "$(pods | js 'j.items.filter(p => (p.status.conditions || []).some(c => c.type === "Ready" && c.status === "True")).length')" = 2 ]
}
until_ok "$TIMEOUT" "both pods Ready" two_ready
say "both pods Ready after $(( $(date +%s) - t0 ))s: $(pods | js 'j.items.map(p => p.metadata.name + " " + p.status.podIP).join(", ")')"
# what stop must remove, recorded while it exists
ls "$D/containerd/state/io.containerd.grpc.v1.cri/sandboxes" > "$AKV_SMOKE_RECORD/sandboxes"
cat "$D"/containerd/state/io.containerd.runtime.v2.task/k8s.io/*/address 2>/dev/null | sed 's#^unix://##' > "$AKV_SMOKE_RECORD/sockets" || true
[ -s "$AKV_SMOKE_RECORD/sandboxes" ] || fail "no pod sandboxes in $D"

pod="$(pods | js 'j.items[0].metadata.name')"
line=""
has_line() { line="$(api GET "/api/v1/namespaces/default/pods/$pod/log" | grep '^akv-probe ' | tail -n 1)"; [ -n "$line" ]; }
until_ok 20 "the probe's line in the log of $pod" has_line
has_line
say "log of $pod (GET /api/v1/namespaces/default/pods/$pod/log): $line"
want_hash="sha256:$(printf '%s' "$ENV_VALUE" | sha256sum | cut -c1-16)"
[ "$line" = "akv-probe {\"files\":{},\"env\":{\"SMOKE_SECRET\":\"$want_hash\"}}" ] || fail "unexpected probe line (want SMOKE_SECRET=$want_hash and an empty secrets dir)"
case "$line" in *"$ENV_VALUE"*) fail "the log holds the env var's value" ;; esac
events="$(api GET "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3D$pod" | js 'j.items.map(e => e.reason).join(",")')"
case ",$events," in *,Started,*) say "events of $pod: $events" ;; *) fail "no Started event for $pod (events: $events)" ;; esac

api DELETE "/apis/apps/v1/namespaces/default/deployments/$NAME" -H 'Content-Type: application/json' \
  --data '{"propagationPolicy":"Foreground"}' > /dev/null
no_pods() { [ "$(pods | js 'j.items.length')" = 0 ]; }
t1=$(date +%s)
until_ok "$TIMEOUT" "the pods gone after deleting the Deployment" no_pods
say "Deployment deleted; its pods gone after $(( $(date +%s) - t1 ))s"

# A pod still running when the cluster stops: stop must take it down too.
api POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' --data-binary @- > /dev/null <<JSON
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"$NAME-left-running","namespace":"default","labels":{"app":"$NAME"}},
 "spec":{"containers":[{"name":"probe","image":"$IMAGE","volumeMounts":[{"name":"secrets","mountPath":"/mnt/secrets-store"}]}],
  "volumes":[{"name":"secrets","emptyDir":{"medium":"Memory"}}]}}
JSON
one_ready() {
  [ "$(pods | js 'j.items.filter(p => (p.status.conditions || []).some(c => c.type === "Ready" && c.status === "True")).length')" = 1 ]
}
until_ok "$TIMEOUT" "pod $NAME-left-running Ready" one_ready
ls "$D/containerd/state/io.containerd.grpc.v1.cri/sandboxes" >> "$AKV_SMOKE_RECORD/sandboxes"
cat "$D"/containerd/state/io.containerd.runtime.v2.task/k8s.io/*/address 2>/dev/null | sed 's#^unix://##' >> "$AKV_SMOKE_RECORD/sockets" || true
say "pod $NAME-left-running (a tmpfs emptyDir) left running for stop to remove"
