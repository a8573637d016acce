# One image for kube-apiserver, kube-controller-manager, kube-scheduler and
# kube-proxy: the multicall binary under every component name.
FROM {{BASE}}
COPY bin/ /usr/local/bin/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
