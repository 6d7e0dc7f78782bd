#!/usr/bin/env bats
# Elasticity by Slurm's own power saving (EC4DOCK_ELASTICITY=slurm), clues-monitor reconciling around it.

setup_file() {
  load helpers
  export NAME=$(unique_name ec4ts)
  make_config "$BATS_FILE_TMPDIR/c" "EC4DOCK_SERVERNAME=$NAME" "EC4DOCK_NODEBASENAME=${NAME}n" EC4DOCK_MAXNODES=3 \
    EC4DOCK_ELASTICITY=slurm EC4DOCK_IDLE_TIME=5
  "$SETUP" -f "$BATS_FILE_TMPDIR/c" >/dev/null
}

setup() { load helpers; }
teardown_file() {
  load helpers
  destroy "$NAME"
  destroy_extras
}

@test "powered-off nodes are idle~ (Slurm may power them up itself)" {
  run -0 fe "$NAME" sinfo -h -N -o %t
  assert_output "$(printf 'idle~\nidle~\nidle~')"
}

@test "jobs power nodes on and complete; idle nodes go off after the idle time" {
  for i in 1 2; do as_ubuntu "$NAME" "sbatch -o slurm-mode-$i.out --wrap 'hostname; sleep 1'" >/dev/null; done
  wait_until 60 queue_empty "$NAME"
  run -0 fe "$NAME" cat /home/ubuntu/slurm-mode-1.out
  assert_output --regexp "^${NAME}n[1-3]$"
  wait_until 60 no_node_container "$NAME"
  wait_until 10 all_nodes_in "$NAME" 'idle~'
}

@test "a node container killed mid-job: the job is requeued at once and completes elsewhere" {
  killed_node_job_completes_elsewhere "$NAME"
}

@test "an orphan node container (Slurm counts the node off) is removed" {
  wait_until 60 no_node_container "$NAME"
  in_place_of_spare "${NAME}n2" run -d --name "${NAME}n2" --label "org.ec4docker.cluster=$NAME" --label org.ec4docker.role=node \
    --label "org.ec4docker.node=${NAME}n2" --entrypoint sleep ec4docker:base 600
  wait_until 10 no_node_container "$NAME"
  event_logged "$NAME" orphan_removed "${NAME}n2"
}

@test "EC4DOCK_EXTRA_NODES_FREE: one node is kept on and idle, past the idle time (clues-monitor starts it, Slurm keeps it)" {
  local warm
  warm=$(unique_name ec4tw)
  extra_cluster "$warm" EC4DOCK_MAXNODES=2 EC4DOCK_ELASTICITY=slurm EC4DOCK_IDLE_TIME=2 EC4DOCK_EXTRA_NODES_FREE=1
  run -0 fe "$warm" scontrol show config
  assert_line --regexp "^SuspendExcNodes += ${warm}n\[1-2\]:1$"
  wait_until 30 node_state_matches "$warm" "${warm}n1" idle
  # Well past the 2 s idle time: still on, and the other node still off.
  sleep 8
  run -0 node_state_matches "$warm" "${warm}n1" idle
  run -0 node_state_matches "$warm" "${warm}n2" 'idle~'
  run -0 node_containers "$warm"
  assert_output "${warm}n1 "
  destroy "$warm"
}

@test "EC4DOCK_MAX_BOOTING_NODES: Slurm powers a 3-node job's nodes up, and they boot one at a time" {
  local slow job
  slow=$(unique_name ec4tb)
  extra_cluster "$slow" EC4DOCK_MAXNODES=3 EC4DOCK_ELASTICITY=slurm EC4DOCK_IDLE_TIME=60 EC4DOCK_MAX_BOOTING_NODES=1
  job=$(as_ubuntu "$slow" "sbatch --parsable -N 3 -o three.out --wrap 'srun hostname'")
  wait_until 90 job_gone "$slow" "$job"
  run -0 fe "$slow" sort /home/ubuntu/three.out
  assert_output "$(printf '%s\n' "${slow}n1" "${slow}n2" "${slow}n3")"
  # By the host's clock, not by our event log: in the order the containers started, each one
  # started only after the one before it had registered (slurmctld: "Node ... now responding").
  local started node up previous=0
  while read -r started node; do
    [ "$started" -gt "$previous" ] || fail "$node started at $started ms, before the node before it registered ($previous ms)"
    up=$(fe "$slow" sed -n "s/^\[\([^]]*\)\] Node $node now responding$/\1/p" /var/log/slurm/slurmctld.log | head -1)
    [ -n "$up" ] || fail "slurmctld.log says nothing of $node registering"
    previous=$(date -u -d "$up" +%s%3N)
  done < <(for n in 1 2 3; do echo "$(date -u -d "$(docker inspect -f '{{.State.StartedAt}}' "${slow}n$n")" +%s%3N) ${slow}n$n"; done | sort -n)
  # two of the three waited for a slot, and said so
  run -0 fe "$slow" grep -c '"action":"queued"' /var/log/ec4docker/events.jsonl
  assert_output 2
  destroy "$slow"
}

@test "a node whose slurmd never registers: Slurm's ResumeTimeout, recovered, retried, then set aside" {
  never_registering_node_set_aside slurm
}

@test "a node back to idle~ the moment Slurm gives up on its boot: the requeued job is allocated again, not stuck cleaning" {
  # The race behind a CI failure: clues-monitor recovered the node 0.26 s after Slurm's
  # ResumeTimeout; slurm-prolog (PrologSlurmctld) never saw it down and kept waiting, and Slurm
  # kept the requeued job pending ("Cleaning") for as long as the prolog ran. Here a loop in the
  # frontend resumes the node as soon as it is down, every time.
  local name job
  name=$(unique_name ec4tr)
  never_registering_cluster "$name" slurm 5
  fe "$name" bash -c "nohup bash -c 'while sleep 0.02; do sinfo -h -n ${name}n1 -o %t | grep -q ^down && scontrol update nodename=${name}n1 state=resume; done' >/dev/null 2>&1 &"
  job=$(as_ubuntu "$name" "sbatch --parsable --wrap hostname")
  wait_until 10 job_state_is "$name" "$job" CONFIGURING
  wait_until 20 job_requeued "$name" "$job"
  # allocated again (to the same node, the only one), so the prolog let go of the first run
  wait_until 20 eval '[ "$(fe "$name" grep -c "Allocate JobId=$job " /var/log/slurm/slurmctld.log)" -ge 2 ]' \
    || { slurm_diagnostics "$name"; fail "job $job stayed pending after its requeue"; }
  run -0 fe "$name" grep -c "update_node: node ${name}n1 state set to IDLE" /var/log/slurm/slurmctld.log
  destroy "$name"
  docker rmi "$name:wn" >/dev/null
}

@test "a requeued job whose failed run's prolog ends late is allocated again at once, not at backfill's next pass" {
  # Slurm asks for no scheduling pass when a prolog ends: a requeued job that a pass found
  # "Cleaning" would wait for backfill's (up to 30 s). clues-monitor nudges it. The prolog is
  # held (SIGSTOP) across the requeue, so that the pass comes while it runs.
  local name job prolog
  name=$(unique_name ec4tc)
  never_registering_cluster "$name" slurm 5
  job=$(as_ubuntu "$name" "sbatch --parsable --wrap hostname")
  wait_until 10 eval 'prolog=$(fe "$name" pgrep -f slurm-prolog-wait)'
  fe "$name" kill -STOP "$prolog"
  wait_until 20 eval '[ "$(fe "$name" squeue -h -j "$job" -o %r)" = Cleaning ]'
  fe "$name" kill -CONT "$prolog"
  # allocated by the main scheduler (backfill writes no "Allocate" line)
  wait_until 8 eval '[ "$(fe "$name" grep -c "Allocate JobId=$job " /var/log/slurm/slurmctld.log)" -ge 2 ]'
  destroy "$name"
  docker rmi "$name:wn" >/dev/null
}
