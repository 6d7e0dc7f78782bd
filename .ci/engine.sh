#!/usr/bin/env bash
# Installs what the end-to-end tests need from Debian (docker.io, debootstrap, an ssh client, curl, jq)
# and starts a Docker engine if none answers. Idempotent: a running engine is left alone.
# When it starts dockerd it writes the pid to /run/ec4docker-ci-dockerd.pid (.ci/run stops it).
set -euo pipefail
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v ssh >/dev/null || need+=(openssh-client)
# the REST API tests speak HTTP and read JSON
command -v curl >/dev/null || need+=(curl)
command -v jq >/dev/null || need+=(jq)
if [ ${#need[@]} -gt 0 ]; then
  echo "engine: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if docker info >/dev/null 2>&1; then echo "engine: already running"; exit 0; fi
echo "engine: starting dockerd (log: /var/log/ec4docker-dockerd.log)"
nohup dockerd >/var/log/ec4docker-dockerd.log 2>&1 &
echo $! >/run/ec4docker-ci-dockerd.pid
for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
docker info >/dev/null 2>&1 || { echo "engine: dockerd did not answer within 30 s; see /var/log/ec4docker-dockerd.log" >&2; exit 1; }
echo "engine: Docker $(docker version --format '{{.Server.Version}}')"
