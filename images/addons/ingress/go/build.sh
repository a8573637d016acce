#!/bin/bash
# Builds Traefik from its Go module, and takes the Gateway API CRDs of the
# version Traefik is built against from that module's sources. Runs inside the
# builder container; /out receives the binary and the CRDs.
#   build.sh <traefik version, e.g. v3.6.12>
set -euo pipefail
VERSION=$1
export CGO_ENABLED=0 GOFLAGS=-trimpath
mkdir -p /out/manifests /build
step() { echo "### $*"; }

step "traefik $VERSION: resolving modules"
rm -rf /build/traefik && mkdir -p /build/traefik && cd /build/traefik
upstream_mod=$(go mod download -json "github.com/traefik/traefik/v3@$VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
go_directive=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$upstream_mod")
# Traefik's replace and exclude lines bind only its own build: a module that
# requires it must repeat them (all but those pointing into its own tree).
{
  printf 'module kcluster.local/traefik\n\ngo %s\n\nrequire github.com/traefik/traefik/v3 %s\n\n' "$go_directive" "$VERSION"
  awk '
    /^replace \($/ {block = "replace"; next}
    /^exclude \($/ {block = "exclude"; next}
    block != "" && /^\)$/ {block = ""; next}
    block != "" && NF {sub(/[ \t]*\/\/.*/, ""); sub(/^[ \t]+/, ""); if ($0 != "") print block " " $0; next}
    /^(replace|exclude) / {sub(/[ \t]*\/\/.*/, ""); print}
  ' "$upstream_mod" | grep -v '=> \./'
} > go.mod
# A file that imports the command, so that `go mod tidy` keeps what it needs.
printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/traefik/traefik/v3/cmd/traefik"\n' > tools.go
cat go.mod
go mod tidy

build_date=$(date -u -d "@${SOURCE_DATE_EPOCH:-0}" +%Y-%m-%dT%H:%M:%SZ)
step "traefik $VERSION: compiling (the web UI is left out: its assets need a Node.js build)"
# How many packages the build compiles at most, so progress reads "n of total".
echo "#@ packages $(go list -deps github.com/traefik/traefik/v3/cmd/traefik | wc -l)"
go build -v -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$VERSION -X github.com/traefik/traefik/v3/pkg/version.BuildDate=$build_date" \
  -o /out/traefik github.com/traefik/traefik/v3/cmd/traefik

gateway_version=$(go list -m -f '{{.Version}}' sigs.k8s.io/gateway-api)
step "Gateway API $gateway_version CRDs (standard channel)"
gateway_dir=$(go mod download -json "sigs.k8s.io/gateway-api@$gateway_version" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
for crd in "$gateway_dir"/config/crd/standard/gateway.networking.k8s.io_*.yaml; do
  echo "---"
  cat "$crd"
done > /out/manifests/gateway-api-crds.yaml
echo "$gateway_version" > /out/manifests/gateway-api-version
grep -c '^kind: CustomResourceDefinition' /out/manifests/gateway-api-crds.yaml
ls -la /out /out/manifests
