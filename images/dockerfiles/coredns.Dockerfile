FROM scratch
COPY --from={{BINARIES}} /coredns /coredns
EXPOSE 53 53/udp
ENTRYPOINT ["/coredns"]
