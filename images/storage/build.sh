#!/bin/bash
# Builds the local-path provisioner from its Go module. Runs inside the builder
# container; /out receives the binary.
#   build.sh <version, e.g. v0.0.30>
set -euo pipefail
VERSION=$1
export CGO_ENABLED=0 GOFLAGS=-trimpath
echo "### local-path-provisioner $VERSION"
GOBIN=/out go install -v -ldflags "-s -w -X main.VERSION=$VERSION" "github.com/rancher/local-path-provisioner@$VERSION"
ls -la /out
