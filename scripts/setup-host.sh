#!/usr/bin/env bash
# Makes a Debian/Ubuntu host ready for kcluster: a running Docker engine and
# mmdebstrap (for the node image's root filesystem). Safe to run again.
#   --tests  also what the end-to-end tests need beyond that: Chromium, the dashboard test's browser.
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
if [ "${1:-}" = "--tests" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    $SUDO systemctl start docker
  else
    # No init system (containers, CI sandboxes): run the daemon in the background.
    $SUDO sh -c 'setsid nohup dockerd >/var/log/dockerd.log 2>&1 < /dev/null &'
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/dockerd.log" >&2; tail -n 30 /var/log/dockerd.log >&2 || true; exit 1; }
fi
echo "docker $(docker version --format '{{.Server.Version}}') is running"

# Many nodes watch many files; the kernel's default instance limit is low.
if [ -w /proc/sys/fs/inotify/max_user_instances ] && [ "$(cat /proc/sys/fs/inotify/max_user_instances)" -lt 512 ]; then
  echo 512 > /proc/sys/fs/inotify/max_user_instances
fi
