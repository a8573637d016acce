#!/bin/bash
# Builds programs of one Go module at one version inside the module's own
# source tree, so its replace lines and go.sum apply as they do upstream. Runs
# inside the builder container; /out receives the binaries.
#   build-module.sh <module> <version> <name>=<package>...
# Environment: LDFLAGS (may use $VERSION), CGO_ENABLED, TAGS, PREPARE (shell
# commands run in the source tree before the build).
set -euo pipefail
MODULE=$1 VERSION=$2
shift 2
export VERSION
echo "### downloading $MODULE@$VERSION"
dir=$(go mod download -json "$MODULE@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[ -d "$dir" ] || { echo "go mod download gave no source folder for $MODULE@$VERSION" >&2; exit 1; }
# The module cache is read-only; the build works on a copy.
cp -r "$dir" /tmp/src && chmod -R u+w /tmp/src && cd /tmp/src
if [ -n "${PREPARE:-}" ]; then
  echo "### preparing the source"
  bash -euo pipefail -c "$PREPARE"
fi
ldflags=$(eval echo "\"${LDFLAGS:-}\"")
for spec in "$@"; do
  name=${spec%%=*} package=${spec#*=}
  echo "### compiling $name ($package)"
  go build -v -mod=mod -trimpath -tags "${TAGS:-}" -ldflags "$ldflags" -o "/out/$name" "$package"
done
ls -la /out
