FROM scratch
COPY --from={{BINARIES}} /local-path-provisioner /usr/local/bin/local-path-provisioner
ENV PATH=/usr/local/bin
ENTRYPOINT ["/usr/local/bin/local-path-provisioner"]
