#!/bin/bash
# Installs Kubernetes Web View and its pinned dependencies from PyPI. Runs in a
# container of the dashboard's Python base; /out receives the packages folder.
set -euo pipefail
echo "### pip: $(grep -c '==' /src/requirements.txt) pinned packages"
# --target writes outside Debian's managed site-packages; pip's cache lives on a volume.
python3 -m pip install --break-system-packages --no-deps --no-warn-script-location \
  --progress-bar off --target /out/site-packages -r /src/requirements.txt
rm -rf /out/site-packages/bin
echo "### installed"
du -sh /out/site-packages
