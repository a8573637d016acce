FROM scratch
COPY --from={{BINARIES}} /etcd /usr/local/bin/etcd
ENV PATH=/usr/local/bin
ENTRYPOINT ["/usr/local/bin/etcd"]
