#!/bin/bash
# Builds flanneld, the pod network's route keeper, from its Go module. Runs
# inside the builder container; /out receives the binary.
#   build.sh <version, e.g. v0.27.4>
set -euo pipefail
VERSION=$1
export CGO_ENABLED=0 GOFLAGS=-trimpath
echo "### flannel $VERSION"
GOBIN=/out go install -v -ldflags "-s -w -X github.com/flannel-io/flannel/pkg/version.Version=$VERSION" "github.com/flannel-io/flannel@$VERSION"
ls -la /out
