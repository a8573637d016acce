# One image for kube-apiserver, kube-controller-manager, kube-scheduler and
# kube-proxy: the multicall binary under every component name.
FROM {{BASE}}
COPY --from={{BINARIES}} /kube /usr/local/bin/kube
RUN for name in {{COMMANDS}}; do ln -s kube "/usr/local/bin/$name"; done
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
