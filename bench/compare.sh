#!/usr/bin/env bash
# The code of another commit against this tree, in one run: setup-cluster until ready, sbatch ->
# RUNNING on an all-off cluster (ROUNDS each, alternating), a busy node killed -> its job requeued
# and running again, a job's end -> its node's container gone (idle time 1 s), and N nodes
# powered on -> all idle (twice each, ABBA order), each cluster made by its own tree's
# setup-cluster with its own images. Prints medians and the ratios
# this/other, and the memory of the frontends, an idle node, the gate and the accounting database.
# Usage: bench/compare.sh REF [ROUNDS] [N]    (e.g. bench/compare.sh HEAD~3 7 50)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ref=${1:?usage: bench/compare.sh REF [ROUNDS] [N]}; rounds=${2:-7}; scale=${3:-50}
other_images "$ref"
probe='t0=$(date +%s%N); j=$(sbatch --parsable --wrap "hostname; sleep 1"); r=
while :; do s=$(squeue -h -j $j -o %T 2>/dev/null); n=$(date +%s%N)
  [ "$s" = RUNNING -o "$s" = COMPLETING -o -z "$s" ] && { r=$(( (n - t0) / 1000000 )); break; }
  [ $(( (n - t0) / 1000000 )) -gt 120000 ] && { echo "timeout"; exit 1; }
  sleep 0.05; done; echo "$r"'
mk() { variant_cluster "$1" "$2" "EC4DOCK_MAXNODES=$3" EC4DOCK_IDLE_TIME=1 "${@:4}"; } # mk VARIANT NAME MAXNODES [KEY=VALUE...]
trap 'for v in other this; do bench_cleanup p$v$$; bench_cleanup s$v$$; bench_cleanup m$v$$; done; other_cleanup' EXIT
declare -A sub scl up rq off
for round in 1 2; do
  for v in other this; do
    t0=$(date +%s%N); mk $v "p$v$$" 2; up[$v]+="$(( ($(date +%s%N) - t0) / 1000000 )) "
    [ "$round" = 2 ] || bench_cleanup "p$v$$"  # the first round is only timed
  done
done
for _ in $(seq 1 "$rounds"); do
  for v in other this; do wait_all_off "p$v$$"; sub[$v]+="$(in_frontend "p$v$$" "$probe") "; done
done
for _ in 1 2 3; do
  for v in other this; do rq[$v]+="$(requeue_once "p$v$$") "; done
done
for _ in 1 2 3; do
  for v in other this; do wait_all_off "p$v$$"; off[$v]+="$(end_to_gone "p$v$$") "; done
done
for v in other this; do bench_cleanup "p$v$$"; done
# memory, in a static cluster (mode none) whose two nodes have each run a job and stay on
mem() { docker stats --no-stream --format '{{.MemUsage}}' "$1" 2>/dev/null | cut -d/ -f1; }
for v in other this; do
  n="m$v$$"; mk $v "$n" 2 EC4DOCK_ELASTICITY=none
  docker exec "$n" /opt/ec4docker/poweron "${n}n1" "${n}n2" >/dev/null
  in_frontend "$n" 'sbatch -N 2 --wrap "srun hostname" >/dev/null'; sleep 15
  echo "memory, $v: frontend $(mem "$n"), idle nodes $(mem "${n}n1") $(mem "${n}n2"), gate $(mem "$n-gate"), accounting database $(mem "$n-db" || true)"
  bench_cleanup "$n"
done
for v in other this this other; do
  n="s$v$$"; mk $v "$n" "$scale"; wait_all_off "$n"
  nodes=$(seq -f "${n}n%g" 1 "$scale" | tr '\n' ' ')
  t0=$(date +%s%N); docker exec "$n" /opt/ec4docker/poweron $nodes >/dev/null; scl[$v]+="$(( ($(date +%s%N) - t0) / 1000000 )) "
  bench_cleanup "$n"
done
for v in other this; do
  echo "$v: setup-cluster -> ready (ms) ${up[$v]}; submit->RUNNING median $(median ${sub[$v]}) ms (${sub[$v]}); poweron $scale -> idle median $(median ${scl[$v]}) ms (${scl[$v]})"
  echo "$v: kill -> requeued/running again (ms) ${rq[$v]}"
  echo "$v: job end -> its node's container gone, idle time 1 s (ms) ${off[$v]}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "this/other: setup $(ratio "$(median ${up[this]})" "$(median ${up[other]})"), submit $(ratio "$(median ${sub[this]})" "$(median ${sub[other]})"), job end -> gone $(ratio "$(median ${off[this]})" "$(median ${off[other]})"), $scale nodes $(ratio "$(median ${scl[this]})" "$(median ${scl[other]})")"
