# Sourced by scripts/local-cluster.sh: the Key Vault / Entra ID / IMDS stand-in the Azure provider uses as its
# HTTPS_PROXY/HTTP_PROXY (docs/keyvault-standin.md). Uses local-cluster.sh's $SD, log, die, resolve_bin,
# free_port, start_daemon, kill_group, wait_for, is_running.
#
#   standin_start   start it on a free port (or $AKV_STANDIN_PORT); writes $SD/standin.port, its CA to
#                   $SD/standin/ca.pem; serves ${AKV_KEYVAULT_CONTENT:-$SD/keyvault.json}, reloaded on change;
#                   requests logged to $SD/logs/keyvault-requests.jsonl. Checks workload-identity assertions
#                   against the cluster's service-account key ($SD/pki/sa.pub) when there is one.
#   standin_stop    idempotent: stops it and removes the port file and the CA (the content file and the
#                   logs stay: the content is the harness's data, written with `keyvault-standin add/grant`)
#   standin_content print the content file path (for `keyvault-standin add --content "$(standin_content)" ...`)

standin_content() { echo "${AKV_KEYVAULT_CONTENT:-$SD/keyvault.json}"; }

standin_ready() { # PORT
  is_running "$(cat "$SD/keyvault-standin.pid" 2>/dev/null)" || return 3
  curl -fsS --noproxy '*' -o /dev/null "http://127.0.0.1:$1/healthz"
}

standin_start() {
  local bin port sa_key=()
  bin="$(resolve_bin keyvault-standin AKV_KEYVAULT_STANDIN)"
  if [ -f "$SD/keyvault-standin.pid" ] && is_running "$(cat "$SD/keyvault-standin.pid")"; then
    die "the Key Vault stand-in of an earlier start is still running for $SD (stop first)"
  fi
  mkdir -p "$SD/logs" "$SD/standin"
  port="${AKV_STANDIN_PORT:-$(free_port)}"
  [ -f "$SD/pki/sa.pub" ] && sa_key=(--service-account-key "$SD/pki/sa.pub")
  start_daemon keyvault-standin "$SD/logs/keyvault-standin.log" "$bin" serve --listen "127.0.0.1:$port" \
    --ca-dir "$SD/standin" --content "$(standin_content)" --request-log "$SD/logs/keyvault-requests.jsonl" \
    "${sa_key[@]}"
  wait_for "Key Vault stand-in on 127.0.0.1:$port" standin_ready "$port" || {
    tail -n 20 "$SD/logs/keyvault-standin.log" >&2
    die "the Key Vault stand-in did not start; log: $SD/logs/keyvault-standin.log"; }
  echo "$port" > "$SD/standin.port"
}

standin_stop() {
  kill_group keyvault-standin
  rm -f "$SD/standin.port"
  rm -rf "$SD/standin"
}
