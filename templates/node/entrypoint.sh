#!/bin/bash
# PID 1 of a kcluster node before systemd: repairs what a container lacks for
# running kubelet and nested containers, then hands over to systemd.
set -euo pipefail

log() { echo "kcluster-entrypoint: $*" >&2; }

# cgroup v1 without --privileged: Docker mounts each hierarchy read-only. The
# container has its own cgroup namespace, so a fresh mount of the same
# hierarchy is writable and rooted at this container's cgroup, which keeps
# kubelet's cgroups out of the host's tree and away from other nodes.
remount_cgroups_v1() {
  local target options
  while read -r _ target _ options _; do
    case ",$options," in *,ro,*) ;; *) continue ;; esac
    local subsystems
    subsystems=$(echo "$options" | tr ',' '\n' | grep -vE '^(ro|rw|nosuid|nodev|noexec|relatime|noatime)$' | paste -sd, -)
    umount "$target"
    mount -t cgroup -o "rw,nosuid,nodev,noexec,relatime,$subsystems" cgroup "$target"
    log "remounted $target ($subsystems) read-write"
  done < <(awk '$3 == "cgroup" && $2 ~ "^/sys/fs/cgroup/" {print $1, $2, $3, $4}' /proc/self/mounts)
  # A read-only tmpfs over the hierarchies would stop systemd creating its own.
  if awk '$2 == "/sys/fs/cgroup" && $3 == "tmpfs" {print $4}' /proc/self/mounts | grep -qE '(^|,)ro(,|$)'; then
    mount -o remount,rw /sys/fs/cgroup || true
  fi
}

# kubelet's cgroupRoot must exist before it starts, in every hierarchy.
create_kubelet_cgroups_v1() {
  local target
  for target in $(awk '$3 == "cgroup" && $2 ~ "^/sys/fs/cgroup/" {print $2}' /proc/self/mounts); do
    mkdir -p "$target/kubelet"
    # A new cpuset starts with no CPUs or memory nodes: inherit the parent's.
    if [ -f "$target/cpuset.cpus" ]; then
      cat "$target/cpuset.cpus" > "$target/kubelet/cpuset.cpus"
      cat "$target/cpuset.mems" > "$target/kubelet/cpuset.mems"
    fi
  done
}

if [ "$(stat -f -c %T /sys/fs/cgroup)" != "cgroup2fs" ]; then
  remount_cgroups_v1
  create_kubelet_cgroups_v1
else
  mkdir -p /sys/fs/cgroup/kubelet
fi

# Mount propagation for volumes of nested containers.
mount --make-rshared /

# Each node needs its own identity; systemd fills an empty file at boot.
: > /etc/machine-id

# Pods cannot reach Docker's embedded resolver at 127.0.0.11 inside the node's
# loopback, so cluster DNS forwards to the node's own address, which is
# redirected to the embedded resolver.
node_ip=$(ip -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n1 || true)
if [ -n "$node_ip" ] && grep -q '^nameserver 127.0.0.11' /etc/resolv.conf; then
  mkdir -p /etc/kcluster
  iptables-save -t nat | grep -E '^-A DOCKER_(OUTPUT|POSTROUTING)' > /tmp/docker-dns-rules || true
  udp_port=$(grep -- '-p udp' /tmp/docker-dns-rules | grep -- '--to-destination' | sed -n 's/.*--to-destination 127.0.0.11:\([0-9]*\).*/\1/p' | head -n1)
  tcp_port=$(grep -- '-p tcp' /tmp/docker-dns-rules | grep -- '--to-destination' | sed -n 's/.*--to-destination 127.0.0.11:\([0-9]*\).*/\1/p' | head -n1)
  if [ -n "$udp_port" ] && [ -n "$tcp_port" ]; then
    iptables -t nat -I PREROUTING -d "$node_ip" -p udp --dport 53 -j DNAT --to-destination "127.0.0.11:$udp_port"
    iptables -t nat -I PREROUTING -d "$node_ip" -p tcp --dport 53 -j DNAT --to-destination "127.0.0.11:$tcp_port"
    # DNAT to a loopback address is dropped unless the kernel may route it.
    sysctl -qw net.ipv4.conf.all.route_localnet=1 || true
    echo "nameserver $node_ip" > /etc/kcluster/resolv.conf
  fi
  rm -f /tmp/docker-dns-rules
fi
[ -s /etc/kcluster/resolv.conf ] || { mkdir -p /etc/kcluster; grep -v '^nameserver 127\.' /etc/resolv.conf > /etc/kcluster/resolv.conf || true; }

exec /sbin/init "$@"
