# Programs built from a Go module (src/images/kinds/go-binary.ts) on a small base.
FROM {{BINARIES}} AS binaries
FROM {{BASE}}
# Each program to /usr/local/bin; files of the module's tree where the recipe says.
{{COPY}}
# Most programs speak TLS to something; the builder's bundle is Debian's.
COPY --from={{BUILDER}} /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV PATH=/usr/local/bin:/usr/bin:/bin
{{EXTRA}}
ENTRYPOINT {{ENTRYPOINT}}
