#!/usr/bin/env bash
# Stops the Docker engine and starts it again, as a host reboot or a Docker
# Desktop restart would: used by the tests and the bench to prove clusters come
# back by themselves. Under systemd it restarts the service; without an init
# system it signals the daemon, waits for it to exit and starts it as
# scripts/setup-host.sh does.
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
  $SUDO systemctl restart docker
else
  pidfile=/var/run/docker.pid
  [ -f "$pidfile" ] || { echo "no $pidfile: is dockerd running?" >&2; exit 1; }
  pid=$(cat "$pidfile")
  $SUDO kill -TERM "$pid"
  # dockerd stops every container first (their stop signals, then SIGKILL after their timeouts).
  for _ in $(seq 1 240); do $SUDO kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if $SUDO kill -0 "$pid" 2>/dev/null; then echo "dockerd ($pid) did not exit within 120 s" >&2; exit 1; fi
  # Not the caller's TMPDIR: the test runner's goes when the tests end, and the engine's runtime puts its
  # console sockets there for as long as it runs.
  $SUDO env -u TMPDIR sh -c 'setsid nohup dockerd >>/var/log/dockerd.log 2>&1 < /dev/null &'
fi
for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
docker info >/dev/null 2>&1 || { echo "dockerd did not come back; see /var/log/dockerd.log" >&2; exit 1; }
echo "docker $(docker version --format '{{.Server.Version}}') is running again"
