#!/bin/bash
# Builds crictl, the CRI client that inspects a node's pods and containers,
# from the cri-tools Go module. Runs inside the builder container; /out
# receives the binary.
#   build.sh <version, e.g. v1.34.0>
set -euo pipefail
VERSION=$1
export CGO_ENABLED=0 GOFLAGS=-trimpath
echo "### crictl $VERSION"
GOBIN=/out go install -v -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$VERSION" "sigs.k8s.io/cri-tools/cmd/crictl@$VERSION"
ls -la /out
