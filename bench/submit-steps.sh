#!/usr/bin/env bash
# Where submit -> RUNNING goes, run by run, on an all-off cluster: ms after sbatch at which
# clues-monitor decided to power a node on (monitor mode), the node's `docker run` returned,
# slurmd registered, Slurm allocated the job, and squeue showed it RUNNING. Read from the
# frontend's event log and slurmctld.log (the clocks of one host).
# Usage: bench/submit-steps.sh [MODE] [RUNS]   (MODE monitor or slurm; default monitor 8)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mode=${1:-monitor} runs=${2:-8}
# In the frontend, as ubuntu: submit, poll squeue every 50 ms; prints "submit_ms running_ms job".
probe='t0=$(date +%s%3N); j=$(sbatch --parsable --wrap "hostname; sleep 1"); r=
while :; do s=$(squeue -h -j $j -o %T 2>/dev/null); n=$(date +%s%3N)
  [ "$s" = RUNNING -o "$s" = COMPLETING -o -z "$s" ] && { r=$n; break; }
  [ $((n - t0)) -gt 120000 ] && { echo "timeout" >&2; exit 1; }
  sleep 0.05; done; echo "$t0 $r $j"'
# since T0 TIMESTAMP: ms from T0 (epoch ms) to an ISO timestamp (UTC), or "-" if there is none.
since() { if [ -n "$2" ]; then echo $(( $(date -u -d "$2" +%s%3N) - $1 )); else echo -; fi; }
name=benchsteps$$
bench_cluster "$name" EC4DOCK_MAXNODES=2 "EC4DOCK_ELASTICITY=$mode" EC4DOCK_IDLE_TIME=1
printf '%-8s %-9s %-13s %-11s %-10s %-11s %s\n' mode decided 'docker run' registered allocated 'prolog end' RUNNING
for _ in $(seq 1 "$runs"); do
  wait_all_off "$name"
  read -r t0 r job < <(in_frontend "$name" "$probe")
  events=$(docker exec "$name" cat /var/log/ec4docker/events.jsonl)
  field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
  decided=$(echo "$events" | grep '"action":"power_on"' | tail -1 | field time || true)
  # the node's first start after the decision: clues-monitor's (monitor mode) or slurm-resume's
  resumed=$(echo "$events" | awk '/"action":"power_on"/ { s = "" } /"action":"(started|resume)"/ && s == "" { s = $0 } END { print s }')
  node=$(echo "$resumed" | field node)
  ctld=$(docker exec "$name" cat /var/log/slurm/slurmctld.log)
  registered=$(echo "$ctld" | sed -n "s/^\[\([^]]*\)\] Node $node now responding$/\1/p" | tail -1)
  allocated=$(echo "$ctld" | sed -n "s/^\[\([^]]*\)\] sched: Allocate JobId=$job .*/\1/p" | tail -1)
  configured=$(echo "$ctld" | sed -n "s/^\[\([^]]*\)\] prolog_running_decr: Configuration for JobId=$job is complete$/\1/p" | tail -1)
  [ "$mode" = monitor ] || decided=
  printf '%-8s %-9s %-13s %-11s %-10s %-11s %s\n' "$mode" "$(since "$t0" "$decided")" "$(since "$t0" "$(echo "$resumed" | field time)")" \
    "$(since "$t0" "$registered")" "$(since "$t0" "$allocated")" "$(since "$t0" "$configured")" $((r - t0))
done
