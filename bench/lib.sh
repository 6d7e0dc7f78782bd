# Shared by the benchmarks: make a cluster, time things from inside its frontend, clean up.
# Figures are printed, never asserted: this machine's times are noisy, so compare runs made together.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SETUP="$ROOT/setup-cluster"

# bench_cluster NAME KEY=VALUE...: a fresh cluster for one benchmark (removed by bench_cleanup).
bench_cluster() {
  local name=$1; shift
  printf '%s\n' "EC4DOCK_SERVERNAME=$name" "EC4DOCK_NODEBASENAME=${name}n" "$@" >"/tmp/$name.config"
  "$SETUP" -f "/tmp/$name.config" -y >/dev/null
  trap "bench_cleanup $name" EXIT
}
bench_cleanup() { "$SETUP" -s "$1" -t -y --purge >/dev/null 2>&1 || true; rm -f "/tmp/$1.config"; }

# in_frontend NAME SCRIPT: runs a bash script in the frontend as ubuntu (times taken there, ms).
in_frontend() { docker exec -u ubuntu -w /home/ubuntu "$1" bash -c "$2"; }

# median of the numbers given as arguments
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# node_containers NAME: the ids of the cluster's running node containers.
node_containers() { docker ps -q --filter "label=org.ec4docker.cluster=$1" --filter label=org.ec4docker.role=node; }

# wait_all_off NAME: until every node is powered off (~) and no node container is left.
wait_all_off() {
  local deadline=$((SECONDS + 120))
  until ! docker exec "$1" sinfo -h -N -o %t | grep -vq '~$' && [ -z "$(node_containers "$1")" ]; do
    [ $SECONDS -lt $deadline ] || { echo "bench: nodes of $1 still on after 120 s" >&2; return 1; }
    sleep 0.2
  done
  # and 2 s more, past the monitor's power-off tail and its next looks, which make the nodes'
  # spares (lib/backend/engine.ts): a cluster all off for a while, as a user's is
  sleep 2
}

# end_to_gone NAME: ms from a job's end (gone from squeue) until no node container of the cluster
# is left (the frontend's clock is the host's): the idle time, the monitor's look, the power-off.
end_to_gone() {
  local t0
  t0=$(in_frontend "$1" 'j=$(sbatch --parsable --wrap "sleep 1"); while [ -n "$(squeue -h -j $j -o %i)" ]; do sleep 0.05; done; date +%s%N')
  while [ -n "$(node_containers "$1")" ]; do sleep 0.05; done
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

# requeue_once NAME: ms from a busy node's kill (on the host: the gate lets the frontend kill nothing)
# until its job is PENDING again, and until it RUNS again; the frontend's clock is the host's.
requeue_once() {
  local job victim t0 out q r
  job=$(in_frontend "$1" 'sbatch --parsable --wrap "sleep 300"')
  until [ "$(docker exec "$1" squeue -h -j "$job" -o %T)" = RUNNING ]; do sleep 0.1; done
  victim=$(docker exec "$1" squeue -h -j "$job" -o %N)
  out=$(mktemp)
  docker exec "$1" bash -c "q=; while :; do s=\$(squeue -h -j $job -o %T); n=\$(date +%s%N)
      [ -z \"\$q\" ] && [ \"\$s\" = PENDING ] && q=\$n
      [ -n \"\$q\" ] && [ \"\$s\" = RUNNING ] && { echo \$q \$n; break; }
      sleep 0.05; done" >"$out" &
  local poll=$!
  sleep 0.5; t0=$(date +%s%N); docker kill "$victim" >/dev/null
  timeout 300 tail --pid="$poll" -f /dev/null || kill "$poll"
  read -r q r <"$out" && echo "$(( (q - t0) / 1000000 ))/$(( (r - t0) / 1000000 ))" || echo timeout
  rm -f "$out"; docker exec "$1" scancel "$job"
}

# SLURM_PROBE: a script for in_frontend: sbatch "hostname; sleep 1", poll squeue every 50 ms,
# print "running_ms completed_ms" (from the submit).
SLURM_PROBE='t0=$(date +%s%N); j=$(sbatch --parsable --wrap "hostname; sleep 1"); r=; c=
while :; do s=$(squeue -h -j $j -o %T 2>/dev/null); n=$(date +%s%N)
  [ -z "$r" ] && [ "$s" = RUNNING -o "$s" = COMPLETING -o -z "$s" ] && r=$(( (n - t0) / 1000000 ))
  [ -z "$s" ] && { c=$(( (n - t0) / 1000000 )); break; }
  [ $(( (n - t0) / 1000000 )) -gt 120000 ] && { echo "timeout"; exit 1; }
  sleep 0.05; done; echo "$r $c"'

# other_images REF: another commit's Slurm images, tagged ec4dother:*, built from a worktree at
# $OTHER (removed by other_cleanup); then this tree's (ec4dslurm:*) again. Prints nothing.
OTHER=/tmp/ec4d-other-$$
other_images() {
  local log=/tmp/ec4d-other-images.log
  git -C "$ROOT" worktree add -q "$OTHER" "$1"
  ln -s "$ROOT/node_modules" "$OTHER/node_modules"
  images() { (cd "$1" && npm run -s images -- slurm >"$log" 2>&1) || { tail -20 "$log" >&2; exit 1; }; }
  images "$OTHER" && docker tag ec4dslurm:frontend ec4dother:frontend && docker tag ec4dslurm:wn ec4dother:wn
  # an accounting image, where the other commit has one
  if docker image inspect ec4dslurm:db >/dev/null 2>&1 && [ -d "$OTHER/dockerfiles/slurm/db" ]; then docker tag ec4dslurm:db ec4dother:db; fi
  images "$ROOT"
}
# variant_cluster other|this NAME [KEY=VALUE | -FLAG]...: a cluster made by that variant's tree
# (other: the commit of other_images) with that tree's images; flags go to its setup-cluster.
variant_cluster() {
  local tree=$ROOT image=ec4dslurm name=$2 keys=() flags=()
  if [ "$1" = other ]; then tree=$OTHER image=ec4dother; fi
  shift 2
  for a in "$@"; do case $a in -*) flags+=("$a") ;; *) keys+=("$a") ;; esac; done
  printf '%s\n' "EC4DOCK_SERVERNAME=$name" "EC4DOCK_NODEBASENAME=${name}n" \
    "EC4DOCK_FRONTEND_IMAGENAME=$image:frontend" "EC4DOCK_WN_IMAGENAME=$image:wn" "${keys[@]}" >"/tmp/$name.config"
  if grep -q EC4DOCK_DB_IMAGENAME "$tree/lib/core/config.ts"; then echo "EC4DOCK_DB_IMAGENAME=$image:db" >>"/tmp/$name.config"; fi
  "$tree/setup-cluster" -f "/tmp/$name.config" "${flags[@]}" -y >/dev/null
}
other_cleanup() { git -C "$ROOT" worktree remove --force "$OTHER" 2>/dev/null || true; }
