#!/usr/bin/env bash
# Torque nodes cycled many times, to count the power-ons whose pbs_mom never registers (seen twice
# in bench/middlewares.sh after a few rounds). Each cycle, on a 2-node cluster powered by hand
# (EC4DOCK_ELASTICITY=none): `poweron n1 n2` (timed), a job started, its node's container killed
# from the host, the job running again on the other node (timed), then `poweroff n1 n2`.
# Prints each cycle, then the failed power-ons, the jobs lost and the medians.
# Usage: bench/torque-cycles.sh [CYCLES]   (needs: npm run images -- torque)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cycles=${1:-20}
t=benchtcyc$$
bench_cluster "$t" EC4DOCK_MIDDLEWARE=torque EC4DOCK_MAXNODES=2 EC4DOCK_ELASTICITY=none \
  EC4DOCK_FRONTEND_IMAGENAME=ec4dtorque:frontend EC4DOCK_WN_IMAGENAME=ec4dtorque:wn
state_of() { docker exec "$t" qstat -f "$1" 2>/dev/null | awk '$1 == "job_state" { print $3 }'; }
host_of() { docker exec "$t" qstat -f "$1" 2>/dev/null | awk '$1 == "exec_host" { split($3, a, "/"); print a[1] }'; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
on=() back=() failed=0 lost=0
printf '%-6s %-12s %s\n' cycle 'poweron ms' 'killed -> running again ms'
for i in $(seq 1 "$cycles"); do
  t0=$(date +%s%N)
  if ! out=$(docker exec "$t" /opt/ec4docker/poweron "${t}n1" "${t}n2" 2>&1); then
    failed=$((failed + 1)); printf '%-6s failed: %s\n' "$i" "$(tail -1 <<<"$out")"
    docker exec "$t" /opt/ec4docker/poweroff "${t}n1" "${t}n2" >/dev/null 2>&1 || true
    continue
  fi
  on+=("$(ms_since "$t0")")
  job=$(in_frontend "$t" 'echo "sleep 300" | qsub')
  until [ "$(state_of "$job")" = R ]; do sleep 0.1; done
  victim=$(host_of "$job")
  t0=$(date +%s%N); docker kill "$victim" >/dev/null
  again=
  until s=$(state_of "$job"); h=$(host_of "$job"); [ "$s" = R ] && [ -n "$h" ] && [ "$h" != "$victim" ]; do
    [ -n "$s" ] && [ "$s" != C ] || { again=lost; break; }  # gone or ended: a `sleep 300` cannot have completed
    [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt 120 ] || { again=timeout; break; }
    sleep 0.1
  done
  if [ -z "$again" ]; then back+=("$(ms_since "$t0")"); again=${back[-1]}; else lost=$((lost + 1)); fi
  printf '%-6s %-12s %s\n' "$i" "${on[-1]}" "$again"
  docker exec "$t" qdel "$job" 2>/dev/null || true
  docker exec "$t" /opt/ec4docker/poweroff --drain "${t}n1" "${t}n2" >/dev/null
done
echo "torque: $cycles cycles, $failed power-on(s) failed, $lost job(s) lost or not running again within 120 s; poweron -> both free, ms: median $(median "${on[@]}");" \
  "busy node killed -> job running again elsewhere, ms: median $(median "${back[@]}")"
