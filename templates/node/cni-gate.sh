#!/bin/bash
# Puts back the CNI configuration the entrypoint held at boot, once kube-proxy
# answers healthy (or at once where the cluster runs without kube-proxy), so
# the node's pods start with working Service addresses. Gives up waiting after
# two minutes: a late network beats none.
set -uo pipefail

held=/etc/kcluster/cni-held/10-kcluster.conflist
target=/etc/cni/net.d/10-kcluster.conflist

[ -f "$held" ] || exit 0

kube_proxy_healthy() {
  exec 3<>/dev/tcp/127.0.0.1/10256 || return 1
  printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3
  head -n 1 <&3 | grep -q ' 200 '
}

if [ ! -f /etc/kcluster/no-kube-proxy ]; then
  for _ in $(seq 1 600); do
    ( kube_proxy_healthy ) 2>/dev/null && break
    sleep 0.2
  done
fi
# Written, not renamed: containerd 1.6 reloads its CNI configuration on a
# write event and ignores a file that merely appears.
cat "$held" > "$target"
rm -f "$held"
echo "kcluster-cni-gate: CNI configuration back in place"
