FROM scratch
COPY --from={{BINARIES}} /pause /pause
ENTRYPOINT ["/pause"]
