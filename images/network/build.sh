#!/bin/bash
# Builds flanneld, the pod network's route keeper, from its Go module. Runs
# inside the builder container; /out receives the binary.
#   build.sh <version, e.g. v0.27.4>
set -euo pipefail
VERSION=$1
# The udp backend has C parts; the image runs it on the same Debian it is built on.
export CGO_ENABLED=1 GOFLAGS=-trimpath
echo "### flannel $VERSION"
GOBIN=/out go install -v -ldflags "-s -w -X github.com/flannel-io/flannel/pkg/version.Version=$VERSION" "github.com/flannel-io/flannel@$VERSION"
ls -la /out
