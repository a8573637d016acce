#!/bin/bash
# Builds Traefik in its own module tree, so its go.mod, go.sum and replace
# lines apply exactly as in its own build, and takes the Gateway API CRDs of
# the version Traefik is built against from that module's sources. Runs inside
# the builder container; /out receives the binary and the CRDs.
#   build.sh <traefik version, e.g. v3.6.12>
# Only the modules whose packages the command imports are downloaded: no
# `go mod tidy`, which would fetch every module the tests of every package need.
set -euo pipefail
VERSION=$1
export CGO_ENABLED=0 GOFLAGS=-trimpath
mkdir -p /out/manifests
step() { echo "### $*"; }

step "traefik $VERSION: downloading its module and the modules it imports"
dir=$(go mod download -json "github.com/traefik/traefik/v3@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[ -d "$dir" ] || { echo "go mod download gave no source folder for traefik $VERSION" >&2; exit 1; }
# The module cache is read-only; the build works on a copy.
rm -rf /build/traefik && mkdir -p /build && cp -r "$dir" /build/traefik && chmod -R u+w /build/traefik && cd /build/traefik
# Listing the command's packages downloads what they need, and says how many
# packages the build compiles at most, so progress reads "n of total".
packages=$(go list -deps ./cmd/traefik | wc -l)

build_date=$(date -u -d "@${SOURCE_DATE_EPOCH:-0}" +%Y-%m-%dT%H:%M:%SZ)
step "traefik $VERSION: compiling (the web UI is left out: its assets need a Node.js build)"
echo "#@ packages $packages"
go build -v -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$VERSION -X github.com/traefik/traefik/v3/pkg/version.BuildDate=$build_date" \
  -o /out/traefik ./cmd/traefik

gateway_version=$(go list -m -f '{{.Version}}' sigs.k8s.io/gateway-api)
step "Gateway API $gateway_version CRDs (standard channel)"
gateway_dir=$(go mod download -json "sigs.k8s.io/gateway-api@$gateway_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
for crd in "$gateway_dir"/config/crd/standard/gateway.networking.k8s.io_*.yaml; do
  echo "---"
  cat "$crd"
done > /out/manifests/gateway-api-crds.yaml
echo "$gateway_version" > /out/manifests/gateway-api-version
grep -c '^kind: CustomResourceDefinition' /out/manifests/gateway-api-crds.yaml
ls -la /out /out/manifests
