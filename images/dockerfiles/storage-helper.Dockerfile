# The image of the provisioner's short-lived helper pods, which create and
# remove volume folders with a shell script: static busybox and its applets.
FROM {{BASE}} AS tools
RUN mkdir -p /helper/bin && cp /bin/busybox /helper/bin/busybox \
 && for applet in sh mkdir rm chmod ls; do ln -s busybox "/helper/bin/$applet"; done

FROM scratch
COPY --from=tools /helper/ /
ENV PATH=/bin
