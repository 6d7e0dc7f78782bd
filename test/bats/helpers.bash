# Shared by the end-to-end tests: they run the built executable against the real Docker engine.
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
load "$ROOT/node_modules/bats-support/load"
load "$ROOT/node_modules/bats-assert/load"
bats_require_minimum_version 1.5.0
SETUP="$ROOT/setup-cluster"
export PATH="$ROOT/dist:$PATH"

# unique_name PREFIX: a cluster name no other run uses (lower-case, as config rules want).
unique_name() { echo "$1$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"; }

# labelled NAME: every container, network and volume carrying the cluster's label, one per line.
labelled() {
  local f="label=org.ec4docker.cluster=$1"
  docker ps -aq --filter "$f" | sed 's/^/container /'
  docker network ls -q --filter "$f" | sed 's/^/network /'
  docker volume ls -q --filter "$f" | sed 's/^/volume /'
}

# destroy NAME: removes a test cluster whatever state it is in (teardown, even after failures).
destroy() {
  local f="label=org.ec4docker.cluster=$1" ids
  # the frontend first: otherwise its power programs may start a node while the rest goes
  ids=$(docker ps -aq --filter "$f" --filter label=org.ec4docker.role=frontend); [ -z "$ids" ] || docker rm -f -v $ids >/dev/null 2>&1 || true
  ids=$(docker ps -aq --filter "$f"); [ -z "$ids" ] || docker rm -f -v $ids >/dev/null 2>&1 || true
  ids=$(docker network ls -q --filter "$f"); [ -z "$ids" ] || docker network rm $ids >/dev/null 2>&1 || true
  ids=$(docker volume ls -q --filter "$f"); [ -z "$ids" ] || docker volume rm $ids >/dev/null 2>&1 || true
  rm -rf "$HOME/.ec4docker/$1"
}

# destroy_extras: the clusters single tests listed in $BATS_FILE_TMPDIR/extra, and the node
# images they built ("NAME:wn" or "ec4dtest-NAME:wn"), in case a test stopped before removing them.
destroy_extras() {
  local c
  for c in $(cat "$BATS_FILE_TMPDIR/extra" 2>/dev/null); do
    destroy "$c"
    docker rmi "$c:wn" "ec4dtest-$c:wn" >/dev/null 2>&1 || true
  done
}

# extra_cluster NAME KEY=VALUE...: a cluster of one test's own (server NAME, nodes NAMEn1..),
# listed for destroy_extras in case the test stops before removing it.
extra_cluster() {
  local name=$1; shift
  echo "$name" >>"$BATS_FILE_TMPDIR/extra"
  make_config "$BATS_TEST_TMPDIR/$name.config" "EC4DOCK_SERVERNAME=$name" "EC4DOCK_NODEBASENAME=${name}n" "$@"
  "$SETUP" -f "$BATS_TEST_TMPDIR/$name.config" >/dev/null
}

# fe NAME CMD...: run a command in the frontend as root.
fe() { local name=$1; shift; docker exec "$name" "$@"; }
# as_ubuntu NAME 'shell command': run a login shell command as ubuntu in the frontend.
as_ubuntu() { docker exec -u ubuntu -w /home/ubuntu "$1" bash -lc "$2"; }

# wait_until SECONDS CMD...: poll CMD every 0.5 s until it succeeds; fail after the deadline.
# When CMD's first argument is a Slurm frontend, a timeout also prints slurm_diagnostics.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "timed out waiting for: $*" >&2
      [ "$(docker inspect -f '{{index .Config.Labels "org.ec4docker.middleware"}}' "${2:-}" 2>/dev/null)" != slurm ] || slurm_diagnostics "$2"
      return 1
    fi
    sleep 0.5
  done
}

# Conditions for wait_until (evaluated at every poll, unlike a "$(...)" argument).
job_gone() { [ -z "$(docker exec "$1" squeue -h -j "$2" -o %T 2>/dev/null)" ]; }
no_booting_mark() { [ -z "$(docker exec "$1" ls /run/ec4docker/booting)" ]; }
job_requeued() { docker exec "$1" scontrol -o show job "$2" | grep -q ' Restarts=[1-9]'; }
job_state_is() { [ "$(docker exec "$1" squeue -h -j "$2" -o %T 2>/dev/null)" = "$3" ]; }
node_has_no_job() { [ -z "$(docker exec "$1" squeue -h -w "$2" -o %i 2>/dev/null)" ]; }
node_state_matches() { [[ "$(docker exec "$1" sinfo -h -n "$2" -o %t 2>/dev/null)" =~ ^($3)$ ]]; }

# make_config FILE KEY=VALUE...: a config file for a test cluster.
make_config() { local file=$1; shift; printf '%s\n' "$@" >"$file"; }
# node_containers NAME: the names of the cluster's running node containers, sorted, space-separated.
node_containers() { docker ps --filter "label=org.ec4docker.cluster=$1" --filter label=org.ec4docker.role=node --format '{{.Names}}' | sort | tr '\n' ' '; }
# no_node_container NAME: true once no node container of the cluster exists but spares (made
# ahead for a power-on, never started: lib/backend/engine.ts).
no_node_container() { [ -z "$(docker ps -a --filter "label=org.ec4docker.cluster=$1" --filter label=org.ec4docker.role=node --format "$NOT_SPARE" | grep -v '^spare$')" ]; }
# node_container NODE: the id of the node's container, if it has one other than a spare.
node_container() { docker ps -a --filter "name=^$1$" --format "$NOT_SPARE" | grep -v '^spare$' || true; }
# spare_of NODE: the id of the node's spare, if it has one.
spare_of() { docker ps -a --filter "name=^$1$" --filter label=org.ec4docker.spare --filter status=created -q; }
has_spare() { [ -n "$(spare_of "$1")" ]; }
# in_place_of_spare NODE DOCKER-ARGS...: runs `docker DOCKER-ARGS...` (a create or run of a
# container named NODE) once the node's spare is removed; clues-monitor may make it again in
# between, so up to 5 times.
in_place_of_spare() {
  local node=$1; shift
  for _ in 1 2 3 4 5; do
    docker rm -f $(spare_of "$node") >/dev/null 2>&1 || true
    docker "$@" >/dev/null 2>&1 && return 0
  done
  docker "$@"
}
NOT_SPARE='{{if and (eq .State "created") (ne (.Label "org.ec4docker.spare") "")}}spare{{else}}{{.ID}}{{end}}'
# all_nodes_in NAME REGEX: true once every node's short state matches REGEX.
all_nodes_in() { ! docker exec "$1" sinfo -h -N -o %t | grep -Evq "^($2)$"; }
# queue_empty NAME: no job left in the queue.
queue_empty() { [ -z "$(docker exec "$1" squeue -h -o %i)" ]; }
# event_logged NAME ACTION NODE: the frontend's event log has such an action for the node.
event_logged() { docker exec "$1" grep -q "\"action\":\"$2\",\"node\":\"$3\"" /var/log/ec4docker/events.jsonl; }

# killed_node_job_completes_elsewhere NAME [SUFFIX] [BEFORE]: a job's node container (or with SUFFIX
# "-netns", the container holding its network) is killed mid-job; the job must be requeued within
# 10 s and complete on another node (the tests of both elastic modes use it). BEFORE: a command
# run with NAME and the node just before the kill.
killed_node_job_completes_elsewhere() {
  local name=$1 suffix=${2:-} before=${3:-} job victim
  job=$(as_ubuntu "$name" "sbatch --parsable -o killed.out --wrap 'hostname; sleep 8; echo finished'")
  wait_until 60 job_state_is "$name" "$job" RUNNING
  victim=$(docker exec "$name" squeue -h -j "$job" -o %N)
  [ -z "$before" ] || "$before" "$name" "$victim"
  docker kill "$victim$suffix" >/dev/null
  # requeued: Slurm counts a restart (the job may be pending only for a moment if a node is free)
  wait_until 10 job_requeued "$name" "$job"
  wait_until 90 job_gone "$name" "$job"
  run -0 docker exec "$name" tail -n 2 /home/ubuntu/killed.out
  assert_line --index 1 finished
  assert_not_equal "${lines[0]}" "$victim"
  event_logged "$name" vanished "$victim"
  # No launch Slurm still retried for the dead container reached a new one of the same name
  # (before the cool-down one did, and slurmctld logged this line).
  run -1 fe "$name" grep 'sent from wrong node' /var/log/slurm/slurmctld.log
}

# Grid Engine (the sge middleware).
# sge_queue_empty NAME: no job of any user left in Grid Engine.
sge_queue_empty() { [ -z "$(docker exec "$1" qstat -u '*')" ]; }
# sge_job_host NAME JOB: the node a running job is on (empty while it is not running).
sge_job_host() { docker exec "$1" qstat -u '*' | awk -v j="$2" '$1 == j && $5 ~ /r$/ { sub(/.*@/, "", $8); print $8 }'; }
sge_job_running() { [ -n "$(sge_job_host "$1" "$2")" ]; }
sge_job_gone() { ! docker exec "$1" qstat -u '*' | awk '{ print $1 }' | grep -qx "$2"; }
# sge_job_moved NAME JOB NODE: the job runs, on a node other than NODE.
sge_job_moved() { local h; h=$(sge_job_host "$1" "$2"); [ -n "$h" ] && [ "$h" != "$3" ]; }
# sge_hosts NAME: the nodes in the queue's host group (powered on), or NONE.
sge_hosts() { docker exec "$1" qconf -shgrp @allhosts | awk '$1 == "hostlist" { $1 = ""; print substr($0, 2) }'; }
sge_no_hosts() { [ "$(sge_hosts "$1")" = NONE ]; }

# slurm_diagnostics NAME: what Slurm and the monitor saw, on stderr (shown when a test fails).
slurm_diagnostics() {
  {
    echo "--- sinfo"; docker exec "$1" sinfo -N -o '%N %T %E %H'
    echo "--- squeue"; docker exec "$1" squeue -o '%i %T %r %S %N'
    echo "--- scontrol show job"; docker exec "$1" scontrol -o show job
    echo "--- containers"; docker ps -a --filter "label=org.ec4docker.cluster=$1" --format '{{.Names}} {{.Status}}'
  } >&2 2>&1
  cluster_diagnostics "$1" tail -n 60 /var/log/slurm/slurmctld.log
}

# cluster_diagnostics NAME [CMD...]: what the monitor did and how the nodes' containers ended,
# then CMD's output in the frontend (the scheduler's view), on stderr.
cluster_diagnostics() {
  local name=$1 node; shift
  {
    echo "--- events"; docker exec "$name" tail -n 40 /var/log/ec4docker/events.jsonl
    echo "--- monitor.log"; docker exec "$name" tail -n 20 /var/log/ec4docker/monitor.log
    [ $# -eq 0 ] || { echo "--- $*"; docker exec "$name" "$@"; }
    for node in $(docker ps -a --filter "label=org.ec4docker.cluster=$name" --filter label=org.ec4docker.role=node --format '{{.Names}}'); do
      echo "--- $node: $(docker inspect -f '{{.State.Status}} since {{.State.StartedAt}}' "$node")"; docker logs --tail 15 "$node"
    done
  } >&2 2>&1
}
# diagnose_failure NAME [CMD...]: in a teardown, cluster_diagnostics if the test failed.
diagnose_failure() { [ -n "${BATS_TEST_COMPLETED:-}" ] || cluster_diagnostics "$@" || true; }

# never_registering_cluster NAME MODE RETRIES: a one-node cluster of that elasticity mode whose
# node image starts but never runs slurmd (EC4DOCK_MAX_WAIT_POWERON=5, RETRIES power-on retries).
never_registering_cluster() {
  local name=$1
  printf 'FROM ec4dslurm:wn\nENTRYPOINT ["sleep", "infinity"]\n' | docker build -q -t "$name:wn" - >/dev/null
  extra_cluster "$name" EC4DOCK_MAXNODES=1 "EC4DOCK_WN_IMAGENAME=$name:wn" "EC4DOCK_ELASTICITY=$2" \
    "EC4DOCK_RETRIES_POWER_ON=$3" EC4DOCK_MAX_WAIT_POWERON=5
}

# never_registering_node_set_aside MODE: in a never_registering_cluster of that mode, a waiting
# job's power-on fails at EC4DOCK_MAX_WAIT_POWERON, is retried once, and the node is then set
# aside; no container is left, and the job waits.
never_registering_node_set_aside() {
  local name job
  name=$(unique_name ec4th)
  never_registering_cluster "$name" "$1" 1
  job=$(as_ubuntu "$name" "sbatch --parsable --wrap hostname")
  # the container does run: this is the slurmd that never registers, not a container that exits
  wait_until 30 eval '[ "$(node_containers "$name")" = "${name}n1 " ]'
  # the retry comes seconds after the first failure: clues-monitor releases the requeued job
  wait_until 60 eval 'docker exec "$name" sinfo -h -N -o %E | grep -q "^ec4docker: set aside: not up"' \
    || { slurm_diagnostics "$name"; return 1; }
  # the event is written once Slurm has the node down with that reason
  wait_until 10 event_logged "$name" set_aside "${name}n1"
  wait_until 10 no_node_container "$name"
  run -0 fe "$name" squeue -h -j "$job" -o %T
  assert_output PENDING
  destroy "$name"
  docker rmi "$name:wn" >/dev/null
}

# restart_engine: stops the Docker engine and starts it again, as a host reboot would (systemd's
# docker.service where it runs; otherwise the dockerd .ci/engine.sh started), then waits for it.
restart_engine() {
  if command -v systemctl >/dev/null && systemctl is-active -q docker 2>/dev/null; then
    systemctl restart docker
  else
    local pid; pid=$(pidof dockerd) || { echo "no dockerd to restart" >&2; return 1; }
    kill -TERM $pid
    while kill -0 $pid 2>/dev/null; do sleep 0.2; done
    # fd 3 closed: bats waits for every process that holds it open
    nohup dockerd >>/var/log/ec4docker-dockerd.log 2>&1 3>&- &
    [ ! -f /run/ec4docker-ci-dockerd.pid ] || echo $! >/run/ec4docker-ci-dockerd.pid
  fi
  for _ in $(seq 1 150); do docker info >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "the engine did not come back within 30 s" >&2; return 1
}
