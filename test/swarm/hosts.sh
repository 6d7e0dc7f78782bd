#!/usr/bin/env bash
# Simulated hosts for the Swarm tests, on this machine's engine: three engines in containers
# (PREFIX-mgr, the manager with a registry on :5000, and the workers PREFIX-w1, PREFIX-w2) form a
# Swarm; one host directory is bound into all three at /srv/ec4docker-home (EC4DOCK_SHARED_HOME=bind:).
# The manager gets the cluster images (docker save | load), as a site builds them on its manager.
#   hosts.sh up PREFIX [IMAGE...]   prints the manager's engine address (tcp://IP:2375)
#   hosts.sh down PREFIX            removes the hosts, their volumes and network
# Recipe and why each flag: ../../docs/swarm.md ("How it was tested").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command=${1:?usage: hosts.sh up|down PREFIX [IMAGE...]}; prefix=${2:?usage: hosts.sh up|down PREFIX [IMAGE...]}; shift 2
hosts=("$prefix-mgr" "$prefix-w1" "$prefix-w2")
home=/var/lib/ec4docker-test/$prefix-home

down() {
  docker rm -f "${hosts[@]}" >/dev/null 2>&1 || true
  for h in "${hosts[@]}"; do docker volume rm "$h-lib" >/dev/null 2>&1 || true; done
  docker network rm "$prefix-hosts" >/dev/null 2>&1 || true
  rm -rf "$home"
}
if [ "$command" = down ]; then down; exit 0; fi
[ "$command" = up ] || { echo "hosts.sh: unknown command $command" >&2; exit 2; }

# --privileged fails on this kernel (CAP_SYS_RESOURCE is not in the bounding set): every other
# capability, no seccomp filter, writable /proc and /sys paths, FUSE, an init that reaps shims.
host_flags=(--cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt systempaths=unconfined --device /dev/fuse --init)
docker build -q -t ec4docker:swarm-host . >/dev/null  # cached but for what changed
docker network create "$prefix-hosts" >/dev/null
mkdir -p "$home"
for h in "${hosts[@]}"; do
  # overlay2 inside needs /var/lib/docker off the container's own overlayfs: a volume
  docker run -d --name "$h" --hostname "$h" --network "$prefix-hosts" "${host_flags[@]}" \
    -e INSECURE="$prefix-mgr:5000" -e REGISTRY=$([ "$h" = "$prefix-mgr" ] && echo 1 || echo 0) \
    -v "$h-lib:/var/lib/docker" -v "$home:/srv/ec4docker-home" ec4docker:swarm-host >/dev/null
done
ip() { docker inspect -f "{{(index .NetworkSettings.Networks \"$prefix-hosts\").IPAddress}}" "$1"; }
for h in "${hosts[@]}"; do
  for _ in $(seq 1 150); do docker exec "$h" docker info >/dev/null 2>&1 && break; sleep 0.2; done
  docker exec "$h" docker info >/dev/null 2>&1 || { echo "hosts.sh: the engine of $h did not start: $(docker exec "$h" tail -n 3 /var/log/dockerd.log)" >&2; exit 1; }
done
docker exec "$prefix-mgr" docker swarm init --advertise-addr "$(ip "$prefix-mgr")" >/dev/null
token=$(docker exec "$prefix-mgr" docker swarm join-token -q worker)
for h in "$prefix-w1" "$prefix-w2"; do docker exec "$h" docker swarm join --token "$token" "$(ip "$prefix-mgr"):2377" >/dev/null; done
[ $# -eq 0 ] || docker save "$@" | docker exec -i "$prefix-mgr" docker load -q >/dev/null  # one archive: shared layers once
echo "tcp://$(ip "$prefix-mgr"):2375"
