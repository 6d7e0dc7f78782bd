#!/usr/bin/env bash
# EC4DOCK_ORCHESTRATOR=swarm on three simulated hosts (test/swarm/hosts.sh), with the simulated
# engines' own speed in the same run as the yardstick:
#   - all-off sbatch -> RUNNING on a node on a worker host (RUNS times, the node image already
#     pulled on both workers), beside a plain `docker run -d` on a worker's engine;
#   - NODES nodes powered on over the two workers -> all idle in Slurm;
#   - a worker host stopped under a running job -> the job RUNNING again on the other (3 times).
#   - with HEARTBEATS="5s 1s", the last once for each of Swarm's dispatcher heartbeats (default 5s);
#     with LOST_AFTERS="5 0", once for each EC4DOCK_SWARM_LOST_AFTER (a cluster each, default 5).
# Usage: [HEARTBEATS=...] [LOST_AFTERS=...] bench/swarm.sh [RUNS] [NODES]   (needs: npm run images -- slurm)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
runs=${1:-5} nodes=${2:-20}
hosts=benchsw$$ name=benchswc$$
manager=$(bash "$ROOT/test/swarm/hosts.sh" up "$hosts" ec4dslurm:frontend ec4dslurm:wn ec4dslurm:db)
export DOCKER_HOST=$manager
read -r -a lost_afters <<<"${LOST_AFTERS:-5}"
clusters=("$name")
trap 'for c in "${clusters[@]}"; do bench_cleanup $c; done; DOCKER_HOST= bash "$ROOT/test/swarm/hosts.sh" down $hosts' EXIT
# swarm_config NAME LOST_AFTER: the benchmark's cluster config
swarm_config() {
  printf '%s\n' "EC4DOCK_SERVERNAME=$1" "EC4DOCK_NODEBASENAME=${1}n" "EC4DOCK_MAXNODES=$nodes" EC4DOCK_ORCHESTRATOR=swarm \
    EC4DOCK_SHARED_HOME=bind:/srv/ec4docker-home "EC4DOCK_REGISTRY=$hosts-mgr:5000" EC4DOCK_SWARM_CONSTRAINTS=node.role==worker \
    EC4DOCK_IDLE_TIME=1 "EC4DOCK_SWARM_LOST_AFTER=$2" >"/tmp/$1.config"
}
swarm_config "$name" "${lost_afters[0]}"
t0=$(date +%s%N); "$SETUP" -f "/tmp/$name.config" -y >/dev/null
echo "setup-cluster (image pushed to the registry): $(( ($(date +%s%N) - t0) / 1000000 )) ms"

on_host() { local h=$1; shift; DOCKER_HOST= docker exec "$h" "$@"; }
all_off() { [ -z "$(docker service ls -q --filter "label=org.ec4docker.cluster=$1")" ] && ! docker exec "$1" sinfo -h -N -o %t | grep -vq '~$'; }
wait_all_off() { local d=$((SECONDS + 180)); until all_off "${1:-$name}"; do [ $SECONDS -lt $d ] || { echo "bench: nodes still on after 180 s" >&2; exit 1; }; sleep 0.2; done; }

running=() plain=()
# Both time a start, not a pull: which worker pulls first depends on where Swarm places a node.
for w in w1 w2; do on_host "$hosts-$w" docker pull -q "$hosts-mgr:5000/ec4dslurm:wn" >/dev/null; done
for i in $(seq 1 "$runs"); do
  wait_all_off
  read -r r _ < <(in_frontend "$name" "$SLURM_PROBE")
  running+=("$r")
  # the yardstick: a container started on a worker's own engine, on the overlay (image local there)
  t0=$(date +%s%N); on_host "$hosts-w1" docker run -d --name "yard$i" --network "$name-net" "$hosts-mgr:5000/ec4dslurm:wn" sleep 60 >/dev/null
  plain+=("$(( ($(date +%s%N) - t0) / 1000000 ))"); on_host "$hosts-w1" docker rm -f "yard$i" >/dev/null
done
echo "all-off sbatch -> RUNNING on a worker host, ms: median $(median "${running[@]}") (${running[*]})"
echo "yardstick: docker run -d on a worker's engine, overlay network, ms: median $(median "${plain[@]}") (${plain[*]})"

wait_all_off
t0=$(date +%s%N)
docker exec "$name" /opt/ec4docker/poweron $(seq -f "${name}n%g" 1 "$nodes") >/dev/null
until [ "$(docker exec "$name" sinfo -h -N -t idle -o %N | wc -l)" = "$nodes" ]; do sleep 0.2; done
# (with few nodes and an idle time of 1 s, some may be off again already)
spread=$(docker service ps --filter desired-state=running --format '{{.Node}}' $(docker service ls -q --filter "label=org.ec4docker.cluster=$name") 2>/dev/null | sort | uniq -c | awk '{ printf "%s %s ", $2, $1 }' || true)
echo "$nodes nodes powered on -> all idle in Slurm: $(( ($(date +%s%N) - t0) / 1000000 )) ms (placed: $spread)"
docker exec "$name" /opt/ec4docker/poweroff $(seq -f "${name}n%g" 1 "$nodes") >/dev/null

for lost_after in "${lost_afters[@]}"; do
  c=$name
  if [ "$lost_after" != "${lost_afters[0]}" ]; then
    c=${name}l$lost_after; clusters+=("$c")
    swarm_config "$c" "$lost_after"; "$SETUP" -f "/tmp/$c.config" -y >/dev/null
  fi
  for hb in ${HEARTBEATS:-5s}; do
    # how often workers report to the managers: a silent host is Down after a few of these
    docker swarm update --dispatcher-heartbeat "$hb" >/dev/null
    back=()
    for i in 1 2 3; do
      wait_all_off "$c"
      job=$(in_frontend "$c" "sbatch --parsable --wrap 'sleep 300'")
      until [ "$(docker exec "$c" squeue -h -j "$job" -o %T)" = RUNNING ]; do sleep 0.1; done
      node=$(docker exec "$c" squeue -h -j "$job" -o %N)
      lost=$(docker service ps --filter desired-state=running --format '{{.Node}}' "$node" | head -n 1)
      t0=$(date +%s%N); DOCKER_HOST= docker stop -t 0 "$lost" >/dev/null
      until s=$(docker exec "$c" squeue -h -j "$job" -o '%T %N'); [ "${s%% *}" = RUNNING ] && [ "${s#* }" != "$node" ]; do
        [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt 180 ] || { echo "bench: job $job not running again after 180 s" >&2; exit 1; }
        sleep 0.1
      done
      back+=("$(( ($(date +%s%N) - t0) / 1000000 ))")
      docker exec "$c" scancel "$job"
      DOCKER_HOST= docker start "$lost" >/dev/null
      # Back for good before the next run: its own engine up (the manager may not have marked it
      # down yet, and still says ready), and one container on the cluster's network made there,
      # the slow first one after a restart, which no run should measure.
      d=$((SECONDS + 120))
      until on_host "$lost" docker run --rm --network "$c-net" --entrypoint true "$hosts-mgr:5000/ec4dslurm:wn" >/dev/null 2>&1; do
        [ $SECONDS -lt $d ] || { echo "bench: host $lost not back after 120 s" >&2; exit 1; }
        sleep 1
      done
      until [ "$(docker node inspect -f '{{.Status.State}}' "$lost")" = ready ]; do sleep 0.5; done
    done
    echo "worker host stopped -> its job RUNNING again on the other (EC4DOCK_SWARM_LOST_AFTER=$lost_after, dispatcher heartbeat $hb), ms: median $(median "${back[@]}") (${back[*]})"
  done
done
