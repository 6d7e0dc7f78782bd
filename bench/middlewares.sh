#!/usr/bin/env bash
# The three middlewares in one run: qsub/sbatch -> running and -> finished on an all-off cluster
# (RUNS each, alternating: clusters alive together); then for Torque a node's `docker run` ->
# `free` in the server, and a busy node killed -> its job running again elsewhere.
# Usage: bench/middlewares.sh [RUNS]   (needs: npm run images -- slurm / sge / torque)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
runs=${1:-5}
# Each probe polls from inside the frontend every 50 ms and prints "running_ms finished_ms".
declare -A probe
probe[sge]='t0=$(date +%s%N); j=$(echo "hostname; sleep 1" | qsub -terse); r=; c=
while :; do s=$(qstat | awk -v j=$j "\$1 == j { print \$5 }"); n=$(date +%s%N)
  [ -z "$r" ] && [ "$s" = r -o -z "$s" ] && r=$(( (n - t0) / 1000000 ))
  [ -z "$s" ] && { c=$(( (n - t0) / 1000000 )); break; }
  [ $(( (n - t0) / 1000000 )) -gt 120000 ] && { echo "timeout"; exit 1; }
  sleep 0.05; done; echo "$r $c"'
probe[torque]='t0=$(date +%s%N); j=$(echo "hostname; sleep 1" | qsub); r=; c=
while :; do s=$(qstat -f $j 2>/dev/null | awk "\$1 == \"job_state\" { print \$3 }"); n=$(date +%s%N)
  [ -z "$r" ] && [ "$s" = R -o "$s" = E -o "$s" = C -o -z "$s" ] && r=$(( (n - t0) / 1000000 ))
  [ "$s" = C -o -z "$s" ] && { c=$(( (n - t0) / 1000000 )); break; }
  [ $(( (n - t0) / 1000000 )) -gt 120000 ] && { echo "timeout"; exit 1; }
  sleep 0.05; done; echo "$r $c"'
probe[slurm]=$SLURM_PROBE
# on_nodes NAME: its running node containers; wait_off MIDDLEWARE NAME: until none (and Slurm shows all off).
on_nodes() { node_containers "$1" | wc -l; }
wait_off() {
  local deadline=$((SECONDS + 120))
  until [ "$(on_nodes "$2")" = 0 ] && { [ "$1" != slurm ] || ! docker exec "$2" sinfo -h -N -o %t | grep -vq '~$'; }; do
    [ $SECONDS -lt $deadline ] || { echo "bench: nodes of $2 still on after 120 s" >&2; return 1; }
    sleep 0.2
  done
}
mws=(slurm sge torque)
declare -A name running finished
for mw in "${mws[@]}"; do name[$mw]=bench$mw$$; done
trap 'for mw in "${mws[@]}"; do bench_cleanup "${name[$mw]}"; done' EXIT
for mw in "${mws[@]}"; do
  printf '%s\n' "EC4DOCK_SERVERNAME=${name[$mw]}" "EC4DOCK_NODEBASENAME=${name[$mw]}n" EC4DOCK_MIDDLEWARE=$mw EC4DOCK_MAXNODES=2 \
    EC4DOCK_IDLE_TIME=1 "EC4DOCK_FRONTEND_IMAGENAME=ec4d$mw:frontend" "EC4DOCK_WN_IMAGENAME=ec4d$mw:wn" >"/tmp/${name[$mw]}.config"
  "$SETUP" -f "/tmp/${name[$mw]}.config" -y >/dev/null
done
for _ in $(seq 1 "$runs"); do
  for mw in "${mws[@]}"; do
    wait_off "$mw" "${name[$mw]}"
    read -r r c < <(in_frontend "${name[$mw]}" "${probe[$mw]}")
    running[$mw]+="$r " finished[$mw]+="$c "
  done
done
printf '%-8s %-40s %s\n' middleware 'submit->running ms (median, runs)' 'submit->finished ms (median, runs)'
for mw in "${mws[@]}"; do
  printf '%-8s %-40s %s\n' "$mw" "$(median ${running[$mw]}) (${running[$mw]% })" "$(median ${finished[$mw]}) (${finished[$mw]% })"
done
# Torque, on a cluster of its own with nodes powered by hand only (EC4DOCK_ELASTICITY=none: the
# monitor still repairs, but powers nothing off): a node's docker run -> free in the server (the
# node is created, its container started, and poweron returns once pbs_server lists it free).
for mw in "${mws[@]}"; do bench_cleanup "${name[$mw]}"; done
t=benchtorquenone$$; mws+=(none); name[none]=$t
printf '%s\n' "EC4DOCK_SERVERNAME=$t" "EC4DOCK_NODEBASENAME=${t}n" EC4DOCK_MIDDLEWARE=torque EC4DOCK_MAXNODES=2 EC4DOCK_ELASTICITY=none \
  EC4DOCK_FRONTEND_IMAGENAME=ec4dtorque:frontend EC4DOCK_WN_IMAGENAME=ec4dtorque:wn >"/tmp/$t.config"
"$SETUP" -f "/tmp/$t.config" -y >/dev/null
free=()
for _ in 1 2 3; do
  t0=$(date +%s%N); docker exec "$t" /opt/ec4docker/poweron "${t}n1" >/dev/null; free+=("$(( ($(date +%s%N) - t0) / 1000000 ))")
  docker exec "$t" /opt/ec4docker/poweroff "${t}n1" >/dev/null
done
echo "torque: poweron -> node free in pbs_server, ms: median $(median "${free[@]}") (${free[*]})"
# Torque: a busy node killed (from the host) -> its job running again on the other node, 3 times.
state_of() { docker exec "$t" qstat -f "$1" 2>/dev/null | awk '$1 == "job_state" { print $3 }'; }
host_of() { docker exec "$t" qstat -f "$1" 2>/dev/null | awk '$1 == "exec_host" { split($3, a, "/"); print a[1] }'; }
back=()
for _ in 1 2 3; do
  docker exec "$t" /opt/ec4docker/poweron "${t}n1" "${t}n2" >/dev/null
  job=$(in_frontend "$t" 'echo "sleep 300" | qsub')
  until [ "$(state_of "$job")" = R ]; do sleep 0.1; done
  victim=$(host_of "$job")
  t0=$(date +%s%N); docker kill "$victim" >/dev/null
  until h=$(host_of "$job"); [ "$(state_of "$job")" = R ] && [ -n "$h" ] && [ "$h" != "$victim" ]; do
    [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt 120 ] || { echo "bench: job $job not running again after 120 s" >&2; exit 1; }
    sleep 0.1
  done
  back+=("$(( ($(date +%s%N) - t0) / 1000000 ))")
  docker exec "$t" qdel "$job"
done
echo "torque: busy node killed -> job running again elsewhere, ms: median $(median "${back[@]}") (${back[*]})"
