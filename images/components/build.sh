#!/bin/bash
# Builds the node's binaries from upstream Go modules. Runs inside the builder
# container: /src holds this folder, /out receives the binaries, GOMODCACHE and
# GOCACHE live on volumes so an unchanged rebuild only links.
#   GO_VERSION=<go directive, e.g. 1.24.0> build.sh <kubernetes-version, e.g. v1.34.4>
set -euo pipefail
: "${GO_VERSION:?the go directive of our modules}"
KUBE_VERSION=$1
minor=$(echo "$KUBE_VERSION" | cut -d. -f2)
patch=$(echo "$KUBE_VERSION" | cut -d. -f3)
STAGING_VERSION="v0.${minor}.${patch}"
export CGO_ENABLED=0 GOFLAGS=-trimpath
mkdir -p /out /build
step() { echo "### $*"; }
# How many packages the next build compiles at most, so progress reads "n of total".
packages() { echo "#@ packages $(go list -deps "$@" | wc -l)"; }

step "kubernetes $KUBE_VERSION: resolving modules"
rm -rf /build/kube && cp -r /src/kube /build/kube && cd /build/kube
cat > go.mod <<MOD
module kcluster.local/kube

go $GO_VERSION

godebug default=go${GO_VERSION%.*}

require k8s.io/kubernetes $KUBE_VERSION
MOD
upstream_mod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
# k8s.io/kubernetes points its staging modules at ./staging; dependants must
# name their published versions instead.
grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$upstream_mod" | awk '{print $1}' | sort -u | while read -r m; do
  echo "replace $m => $m $STAGING_VERSION" >> go.mod
done
go mod tidy
build_date=$(date -u -d "@${SOURCE_DATE_EPOCH:-0}" +%Y-%m-%dT%H:%M:%SZ)
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date -X $pkg.gitCommit=module-$KUBE_VERSION"
done
step "kubernetes $KUBE_VERSION: compiling"
packages -tags selinux,notest .
go build -v -tags selinux,notest -ldflags "$ldflags" -o /out/kube .
/out/kube kubeadm config images list --kubernetes-version "$KUBE_VERSION" > /out/images.txt
cat /out/images.txt
etcd_version=$(grep '/etcd:' /out/images.txt | sed 's/.*://; s/-[0-9]*$//')
coredns_version=$(grep '/coredns:' /out/images.txt | sed 's/.*://')

step "etcd v$etcd_version"
rm -rf /build/etcd && cp -r /src/etcd /build/etcd && cd /build/etcd
printf 'module kcluster.local/etcd\n\ngo %s\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' "$GO_VERSION" "$etcd_version" > go.mod
go mod tidy
packages .
go build -v -ldflags "-s -w" -o /out/etcd .

step "coredns $coredns_version"
GOBIN=/out go install -v -ldflags "-s -w" "github.com/coredns/coredns@$coredns_version"

step "pause"
kube_dir=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
pause_version=$(grep '/pause:' /out/images.txt | sed 's/.*://')
gcc -Os -Wall -Werror -static -DVERSION=v$pause_version -o /out/pause "$kube_dir/build/pause/linux/pause.c"
strip /out/pause
ls -la /out
