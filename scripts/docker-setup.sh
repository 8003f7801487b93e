#!/usr/bin/env bash
# Prepares this machine for the Docker runtime driver and its tests:
#   1. installs Debian's docker.io, tini (the containers' init), debootstrap and docker-registry
#      (Swarm's release images) packages when they are missing;
#   2. starts dockerd in the background (no systemd here) when it is not running, with
#      no-new-privileges as every container's default, logging to /var/log/berth-dockerd.log;
#   3. waits until the Engine API answers on /var/run/docker.sock.
# Idempotent: running it again on a ready machine changes nothing. Needs root.
# No image is pulled: the stack images are built locally by berthd (src/images/stack-image.ts).
set -euo pipefail

readonly SOCKET=/var/run/docker.sock
readonly LOG_FILE=/var/log/berth-dockerd.log
readonly WAIT_SECONDS=60

log() { printf 'docker-setup: %s\n' "$*" >&2; }

if [[ "$(id -u)" -ne 0 ]]; then
  log 'must run as root (installs packages and starts dockerd)'
  exit 1
fi

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v pgrep >/dev/null 2>&1 || missing+=(procps)
# The registry berthd runs for Swarm's release images (BERTH_REGISTRY=builtin). Its package's own
# service is not wanted: berthd starts it with its own configuration (see below).
[[ -x /usr/bin/docker-registry ]] || missing+=(docker-registry)
# The init app containers run with (HostConfig.Init, `docker run --init`): docker.io's docker-init
# is a link to tini's binary, so it needs the tini package (a dependency, checked in case it went).
command -v tini-static >/dev/null 2>&1 || command -v docker-init >/dev/null 2>&1 || missing+=(tini)
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # No package's service starts while apt installs (docker-registry's would take port 5000).
  policy=/usr/sbin/policy-rc.d
  had_policy=0
  [[ -e "$policy" ]] && had_policy=1
  [[ "$had_policy" == 1 ]] || { printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
  [[ "$had_policy" == 1 ]] || rm -f "$policy"
  [[ "${status:-0}" == 0 ]] || exit "$status"
fi

# The Engine API answers GET /_ping with "OK".
engine_answers() {
  [[ -S "$SOCKET" ]] || return 1
  local reply
  reply="$(curl --silent --max-time 2 --unix-socket "$SOCKET" http://localhost/_ping 2>/dev/null)" || return 1
  [[ "$reply" == "OK" ]]
}

if engine_answers; then
  log 'dockerd is running'
  exit 0
fi

if pgrep -x dockerd >/dev/null 2>&1; then
  log 'dockerd is starting; waiting for its socket'
else
  log "starting dockerd (log: $LOG_FILE)"
  # A socket or pid file left by a dockerd that died would make the new one refuse to start.
  if [[ -e /var/run/docker.pid ]] && ! pgrep -x dockerd >/dev/null 2>&1; then
    rm -f /var/run/docker.pid
  fi
  # --no-new-privileges: every container's default. Berth sets it on each container it makes, but
  # Swarm services cannot ask for it (Engine API 1.41): only dockerd's default reaches their tasks.
  nohup dockerd --host "unix://$SOCKET" --no-new-privileges >>"$LOG_FILE" 2>&1 </dev/null &
  disown
fi

for ((i = 0; i < WAIT_SECONDS * 2; i++)); do
  if engine_answers; then
    log 'dockerd is ready'
    exit 0
  fi
  sleep 0.5
done
log "dockerd did not answer within ${WAIT_SECONDS}s; last lines of $LOG_FILE:"
tail -n 20 "$LOG_FILE" >&2 || true
exit 1
