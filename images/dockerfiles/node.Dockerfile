FROM {{BASE}}
COPY --from={{BINARIES}} /kube /usr/local/bin/kube
COPY --from={{CRI_TOOLS}} /crictl /usr/local/bin/crictl
COPY rootfs/ /
RUN for name in {{COMMANDS}}; do ln -s kube "/usr/local/bin/$name"; done \
 && systemctl enable kubelet.service containerd.service \
 && systemctl mask getty.target systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service \
      systemd-journald-audit.socket systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
      e2scrub_reap.service modprobe@.service dev-hugepages.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
 && mkdir -p /etc/systemd/system-generators \
 && for generator in /usr/lib/systemd/system-generators/*; do ln -s /dev/null "/etc/systemd/system-generators/${generator##*/}"; done \
 && mv /var/lib/dpkg /usr/lib/kcluster-dpkg && ln -s /usr/lib/kcluster-dpkg /var/lib/dpkg \
 && : > /etc/machine-id \
 && mkdir -p /etc/cni/net.d /etc/kubernetes/manifests /var/lib/kubelet /etc/kcluster
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT ["/usr/local/bin/kcluster-entrypoint"]
