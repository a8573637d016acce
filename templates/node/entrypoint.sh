#!/bin/bash
# PID 1 of a kcluster node before systemd: repairs what a container lacks for
# running kubelet and nested containers, then hands over to systemd. Nothing
# here may stop the node from booting: a repair that cannot be made is logged
# and skipped. Sourced with no arguments by tests, it only defines functions.
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

# Rules in both iptables backends, counted.
count_rules() {
  { "$1" 2>/dev/null || true; } | grep -c '^-' || true
}

# The node shares the host's kernel, and the host's firewall (Docker's rules
# among it) lives in one of two backends: the node's iptables must use the
# same one, or its rules and Docker's never meet.
select_iptables_backend() {
  local legacy nft mode
  legacy=$(( $(count_rules iptables-legacy-save) + $(count_rules ip6tables-legacy-save) ))
  nft=$(( $(count_rules iptables-nft-save) + $(count_rules ip6tables-nft-save) ))
  if [ "$legacy" -gt "$nft" ]; then mode=legacy; else mode=nft; fi
  update-alternatives --set iptables "/usr/sbin/iptables-$mode" >/dev/null 2>&1 || log "could not switch iptables to $mode"
  update-alternatives --set ip6tables "/usr/sbin/ip6tables-$mode" >/dev/null 2>&1 || log "could not switch ip6tables to $mode"
  log "iptables backend: $mode (rules seen: legacy $legacy, nft $nft)"
}

# The port Docker's embedded resolver really listens on for a protocol, read
# from Docker's DNAT rules; empty when they cannot be seen.
docker_dns_port() {
  local protocol=$1 rules=$2
  printf '%s\n' "$rules" | sed -n "/-A DOCKER_OUTPUT .*-p $protocol .*--to-destination 127\.0\.0\.11:/{s/.*--to-destination 127\.0\.0\.11:\([0-9]*\).*/\1/p;q}"
}

# Pods cannot reach Docker's embedded resolver at 127.0.0.11 inside the node's
# loopback, so cluster DNS forwards to the node's own address, which is
# redirected to the embedded resolver. Without Docker's rules in sight, pods
# get the node's other resolvers instead.
redirect_docker_dns() {
  local resolv_conf=$1 pod_resolv_conf=$2 node_ip rules udp_port tcp_port
  mkdir -p "$(dirname "$pod_resolv_conf")"
  node_ip=$(ip -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n1 || true)
  if [ -n "$node_ip" ] && grep -q '^nameserver 127\.0\.0\.11' "$resolv_conf"; then
    rules=$(iptables-save -t nat 2>/dev/null || true)
    udp_port=$(docker_dns_port udp "$rules")
    tcp_port=$(docker_dns_port tcp "$rules")
    if [ -n "$udp_port" ] && [ -n "$tcp_port" ]; then
      # PREROUTING serves the pods; OUTPUT the node's own host-network processes (kube-proxy, kubelet).
      local chain
      for chain in PREROUTING OUTPUT; do
        iptables -t nat -I "$chain" -d "$node_ip" -p udp --dport 53 -j DNAT --to-destination "127.0.0.11:$udp_port"
        iptables -t nat -I "$chain" -d "$node_ip" -p tcp --dport 53 -j DNAT --to-destination "127.0.0.11:$tcp_port"
      done
      # DNAT to a loopback address is dropped unless the kernel may route it.
      sysctl -qw net.ipv4.conf.all.route_localnet=1 || true
      echo "nameserver $node_ip" > "$pod_resolv_conf"
      return 0
    fi
    log "Docker's DNS rules are not visible from the node; pods use the node's other resolvers"
  fi
  grep -v '^nameserver 127\.' "$resolv_conf" > "$pod_resolv_conf" || true
}

# Pods reach the API server and other nodes' addresses on the cluster network
# before flanneld (a pod itself) has put its masquerading back after a boot;
# without a node source address the answers never find their way back and the
# connection hangs until a 30 s dial timeout. Masquerade what leaves for the
# node network from any other source, from the first moment.
masquerade_to_node_network() {
  local subnet
  subnet=$(ip -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}' | head -n1 || true)
  if [ -z "$subnet" ]; then
    log "no IPv4 address on eth0: pods' traffic to the node network is not masqueraded"
    return 0
  fi
  iptables -t nat -A POSTROUTING -o eth0 -d "$subnet" ! -s "$subnet" -j MASQUERADE || log "could not masquerade pod traffic to $subnet"
}

# Each node needs its own identity, kept across restarts so its journal and
# kubelet's record of it stay one machine. The image ships an empty file.
ensure_machine_id() {
  local file=$1
  if [ ! -s "$file" ]; then
    tr -d '-' < /proc/sys/kernel/random/uuid > "$file"
  fi
}

main() {
  if [ "$(stat -f -c %T /sys/fs/cgroup)" != "cgroup2fs" ]; then
    remount_cgroups_v1
    create_kubelet_cgroups_v1
  else
    mkdir -p /sys/fs/cgroup/kubelet
  fi
  # Mount propagation for volumes of nested containers.
  mount --make-rshared /
  ensure_machine_id /etc/machine-id
  select_iptables_backend
  redirect_docker_dns /etc/resolv.conf /etc/kcluster/resolv.conf
  masquerade_to_node_network
  exec /sbin/init "$@"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
