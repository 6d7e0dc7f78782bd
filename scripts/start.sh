#!/usr/bin/env bash
# npm start: from a fresh clone to the default Slurm cluster (ec4docker-slurm.config).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! docker info >/dev/null 2>&1; then
  echo "npm start: no Docker engine answers; on Debian: apt-get install docker.io (see README)" >&2
  exit 1
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run -s build
# Cached layers make this quick when the images are already there.
log=/tmp/ec4docker-images.log
if ! bash dockerfiles/build-images.sh slurm 2>&1 | tee "$log" | grep --line-buffered '^==>'; then
  tail -20 "$log" >&2
  exit 1
fi
exec ./setup-cluster -f ec4docker-slurm.config "$@"
