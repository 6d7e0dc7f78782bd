#!/usr/bin/env bash
# Installs (Debian's docker.io, debootstrap) and starts a Docker engine if none answers.
# Idempotent: a running engine is left alone. Prints where its log is.
set -euo pipefail
if docker info >/dev/null 2>&1; then echo "engine: already running"; exit 0; fi
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "engine: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  echo "engine: starting dockerd (log: /var/log/ec4docker-dockerd.log)"
  nohup dockerd >/var/log/ec4docker-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
fi
docker info >/dev/null 2>&1 || { echo "engine: dockerd did not answer within 30 s; see /var/log/ec4docker-dockerd.log" >&2; exit 1; }
echo "engine: $(docker version --format '{{.Server.Version}}')"
