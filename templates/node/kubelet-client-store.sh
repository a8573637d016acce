#!/bin/sh
# Runs before each kubelet start. kubeadm init gives the kubelet a kubeconfig
# with its client certificate inline. A kubelet whose certificate store is
# empty copies that certificate in and then asks the cluster for a new one at
# once; when the new one arrives it closes every client connection, which
# fails the volume mounts and token requests of the first pods just as they
# start. Putting the same certificate into the store first leaves the kubelet
# nothing to replace until it nears expiry (client rotation stays on).
set -eu
store=${KUBELET_PKI_DIR:-/var/lib/kubelet/pki}
kubeconfig=${KUBELET_KUBECONFIG:-/etc/kubernetes/kubelet.conf}
[ -e "$store/kubelet-client-current.pem" ] && exit 0
[ -f "$kubeconfig" ] || exit 0
cert=$(sed -n 's/^ *client-certificate-data: *//p' "$kubeconfig")
key=$(sed -n 's/^ *client-key-data: *//p' "$kubeconfig")
[ -n "$cert" ] && [ -n "$key" ] || exit 0
mkdir -p "$store"
umask 077
file="$store/kubelet-client-$(date +%Y-%m-%d-%H-%M-%S).pem"
{ echo "$cert" | base64 -d; echo "$key" | base64 -d; } > "$file"
ln -sf "$file" "$store/kubelet-client-current.pem"
