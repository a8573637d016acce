# flanneld programs routes and masquerading with the iptables of the component base.
FROM {{BASE}}
COPY --from={{BINARIES}} /flannel /usr/local/bin/flanneld
ENTRYPOINT ["/usr/local/bin/flanneld"]
