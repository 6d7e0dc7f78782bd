#!/usr/bin/env bats
# Grid Engine (EC4DOCK_MIDDLEWARE=sge) for real: qmaster in the frontend, execd in the nodes,
# nodes powered on and off by clues-monitor and by hand, the seed's `echo ... | qsub` as ubuntu.

setup_file() {
  load helpers
  export NAME=$(unique_name ec4ge)
  # The shipped config, with this run's names and a short idle time (a key may be set once).
  { grep -vE '^(EC4DOCK_SERVERNAME|EC4DOCK_NODEBASENAME|EC4DOCK_MAXNODES|EC4DOCK_IDLE_TIME|EC4DOCK_MAX_WAIT_POWERON)=' "$ROOT/ec4docker-sge.config"
    echo "EC4DOCK_SERVERNAME=$NAME"; echo "EC4DOCK_NODEBASENAME=${NAME}n"; echo EC4DOCK_MAXNODES=2
    echo EC4DOCK_IDLE_TIME=10; echo EC4DOCK_MAX_WAIT_POWERON=30; } >"$BATS_FILE_TMPDIR/c"
  "$SETUP" -f "$BATS_FILE_TMPDIR/c" >"$BATS_FILE_TMPDIR/setup.out"
}

setup() { load helpers; }
teardown() { diagnose_failure "$NAME" qstat -f -u '*'; }
teardown_file() {
  load helpers
  [ -n "${EC4D_KEEP:-}" ] || destroy "$NAME"
  destroy_extras
}

@test "setup-cluster -f ec4docker-sge.config: a Grid Engine frontend, every node off" {
  run -0 cat "$BATS_FILE_TMPDIR/setup.out"
  assert_line --index 0 "cluster $NAME is up: frontend $NAME, nodes ${NAME}n1..${NAME}n2 (elastic: monitor)"
  run -0 fe "$NAME" qconf -sq main.q
  assert_line --regexp '^hostlist +@allhosts$'
  assert_line --regexp '^load_thresholds +NONE$'
  run -0 sge_hosts "$NAME"
  assert_output NONE
  run -0 node_containers "$NAME"
  assert_output ""
  # Each node has a fixed address in the network's upper half, known to the frontend beforehand.
  range=$(docker network inspect -f '{{index .Labels "org.ec4docker.node-range"}}' "$NAME-net")
  assert_regex "$range" '^[0-9.]+/[0-9]+$'
  run -0 fe "$NAME" getent hosts "${NAME}n2"
  assert_output --regexp "^[0-9.]+ +${NAME}n2$"
}

@test "qsub as ubuntu with every node off: a node powers on, runs the job, output in /home, then goes off" {
  run -0 as_ubuntu "$NAME" 'echo "hostname && sleep 2" | qsub -terse'
  job=$output
  wait_until 60 sge_job_gone "$NAME" "$job"
  run -0 fe "$NAME" cat "/home/ubuntu/STDIN.o$job"
  assert_output --regexp "^${NAME}n[12]$"
  node=$output
  event_logged "$NAME" power_on "$node"
  # Idle for 10 s, then powered off: out of Grid Engine and no container.
  wait_until 60 no_node_container "$NAME"
  wait_until 10 sge_no_hosts "$NAME"
  event_logged "$NAME" power_off "$node"
}

@test "a job that names a host (qsub -l h=) gets that host powered on" {
  wait_until 60 no_node_container "$NAME"
  n1_on() { docker exec "$NAME" grep -c "\"action\":\"power_on\",\"node\":\"${NAME}n1\"" /var/log/ec4docker/events.jsonl || true; }
  before=$(n1_on)
  run -0 as_ubuntu "$NAME" "echo hostname | qsub -terse -l h=${NAME}n2"
  job=$output
  wait_until 60 sge_job_gone "$NAME" "$job"
  run -0 fe "$NAME" cat "/home/ubuntu/STDIN.o$job"
  assert_output "${NAME}n2"
  event_logged "$NAME" power_on "${NAME}n2"
  # not the lowest-numbered node, which the job could not use
  assert_equal "$(n1_on)" "$before"
  wait_until 60 no_node_container "$NAME"
}

@test "a 2-node parallel job (qsub -pe make) gets two nodes powered on, and neither is powered off under it" {
  wait_until 60 no_node_container "$NAME"
  # Twice a node's slots (EC4DOCK_NODE_CPUS, the host's CPUs here): 'make' ($round_robin) needs
  # two hosts. Only the master host runs the script: the job outlasts the idle time (10 s), so a
  # slave host taken for idle would be powered off under it, and the job would not notice.
  slots=$(fe "$NAME" qconf -sq main.q | awk '$1 == "slots" { print $2 }')
  run -0 as_ubuntu "$NAME" "echo 'cut -d\" \" -f1 \$PE_HOSTFILE | cut -d. -f1 | sort; sleep 20' | qsub -terse -pe make $((2 * slots)) -o two.out -j y"
  job=$output
  wait_until 90 bash -c "[ -n \"\$($(declare -f sge_job_host); sge_job_host $NAME $job)\" ]"
  for _ in $(seq 1 15); do
    assert_equal "$(node_containers "$NAME")" "${NAME}n1 ${NAME}n2 "
    sleep 1
  done
  wait_until 60 sge_job_gone "$NAME" "$job"
  run -0 fe "$NAME" cat /home/ubuntu/two.out
  assert_output "$(printf '%s\n' "${NAME}n1" "${NAME}n2")"
  wait_until 30 fe "$NAME" qacct -j "$job" # the accounting file is written a moment after the job
  run -0 fe "$NAME" qacct -j "$job"
  assert_line --regexp '^exit_status +0 *$'
}

@test "poweron and poweroff by hand; a node running a job is not powered off" {
  wait_until 60 no_node_container "$NAME" # the earlier tests' nodes idle out first
  run -0 fe "$NAME" /opt/ec4docker/poweron "${NAME}n2"
  assert_output --regexp "^${NAME}n2: on \(ok 0/[0-9]+\)$"
  run -0 fe "$NAME" /opt/ec4docker/poweron "${NAME}n2"
  assert_output "${NAME}n2: already on"
  run -0 fe "$NAME" qstat -f -q "main.q@${NAME}n2"
  assert_line --partial lx-amd64
  run -0 as_ubuntu "$NAME" "echo 'sleep 30' | qsub -terse -l h=${NAME}n2"
  job=$output
  wait_until 30 sge_job_running "$NAME" "$job"
  run --separate-stderr -1 fe "$NAME" /opt/ec4docker/poweroff "${NAME}n2"
  assert_equal "$stderr" "poweroff: refused: ${NAME}n2 runs job(s) $job; wait for the jobs, or use --drain to drain and wait"
  # The refusal left the node as it was: enabled, its job running.
  run -0 fe "$NAME" qstat -f -q "main.q@${NAME}n2"
  refute_line --regexp "main\.q@${NAME}n2 .* d$"
  run -0 sge_job_host "$NAME" "$job"
  assert_output "${NAME}n2"
  fe "$NAME" qdel "$job" >/dev/null
  wait_until 20 sge_job_gone "$NAME" "$job"
  run -0 fe "$NAME" /opt/ec4docker/poweroff "${NAME}n2"
  assert_output "${NAME}n2: off"
  run -0 sge_hosts "$NAME"
  refute_output --partial "${NAME}n2"
  run -1 docker inspect "${NAME}n2"
  run -2 fe "$NAME" /opt/ec4docker/poweron nosuchnode
}

@test "a busy node's container is killed: its job runs again on the other node and completes" {
  run -0 fe "$NAME" /opt/ec4docker/poweron "${NAME}n1" "${NAME}n2"
  run -0 as_ubuntu "$NAME" "qsub -terse -j y -o killed.out -b y bash -c 'hostname; sleep 8; echo finished'"
  job=$output
  wait_until 30 sge_job_running "$NAME" "$job"
  victim=$(sge_job_host "$NAME" "$job")
  docker kill "$victim" >/dev/null
  # rescheduled at once (Grid Engine alone would keep it "running" on the lost node for ever)
  wait_until 10 sge_job_moved "$NAME" "$job" "$victim"
  wait_until 60 sge_job_gone "$NAME" "$job"
  run -0 fe "$NAME" tail -n 2 /home/ubuntu/killed.out
  assert_line --index 1 finished
  assert_not_equal "${lines[0]}" "$victim"
  event_logged "$NAME" vanished "$victim"
}

@test "clues-monitor status shows Grid Engine's view of each node" {
  run -0 fe "$NAME" /opt/ec4docker/clues-monitor status
  assert_line --index 0 "cluster $NAME: elasticity monitor, clues-monitor running"
  assert_line --regexp '^NODE +CONTAINER +SGE +IDLE +FAILED +REASON$'
  assert_line --regexp "^${NAME}n1 "
}

@test "EC4DOCK_ELASTICITY=slurm is refused for Grid Engine, before anything is made" {
  make_config "$BATS_TEST_TMPDIR/bad" EC4DOCK_MIDDLEWARE=sge EC4DOCK_ELASTICITY=slurm "EC4DOCK_SERVERNAME=${NAME}x"
  run --separate-stderr -2 "$SETUP" -f "$BATS_TEST_TMPDIR/bad"
  assert_equal "$stderr" "setup-cluster: $BATS_TEST_TMPDIR/bad: EC4DOCK_ELASTICITY slurm needs EC4DOCK_MIDDLEWARE=slurm (sge has no power saving of its own: use monitor or none), got \"slurm\""
  run -0 labelled "${NAME}x"
  assert_output ""
}

@test "terminate: refused while a job is queued, then -y --purge leaves nothing" {
  run -0 as_ubuntu "$NAME" "echo hostname | qsub -terse -h"
  run --separate-stderr -1 "$SETUP" -t -s "$NAME" </dev/null
  assert_equal "$stderr" "setup-cluster: cluster $NAME has 1 job(s) queued or running; wait for them, or terminate anyway with -y"
  run -0 "$SETUP" -t -y --purge -s "$NAME"
  run -0 labelled "$NAME"
  assert_output ""
}

@test "a node that cannot start fails to power on with the reason, and nothing is left" {
  local bad image
  bad=$(unique_name ec4gb)
  image="ec4dtest-$bad:wn"
  docker tag ec4docker:base "$image"
  extra_cluster "$bad" EC4DOCK_MIDDLEWARE=sge EC4DOCK_MAXNODES=1 EC4DOCK_ELASTICITY=none "EC4DOCK_WN_IMAGENAME=$image" \
    EC4DOCK_MAX_WAIT_POWERON=20
  # The engine cannot start it (its image is gone): docker's own message.
  docker rmi "$image" >/dev/null
  run --separate-stderr -1 fe "$bad" /opt/ec4docker/poweron "${bad}n1"
  assert_regex "$stderr" "^poweron: power-on failed, node\(s\) removed again: ${bad}n1: start node ${bad}n1: docker run exited 125: docker: Error response from daemon: "
  run -0 sge_hosts "$bad"
  assert_output NONE
  # It starts, but no execd ever runs in it (the base image's shell exits at once).
  docker tag ec4docker:base "$image"
  run --separate-stderr -1 fe "$bad" /opt/ec4docker/poweron "${bad}n1"
  # (exited, or vanished when clues-monitor saw the exit first and removed it)
  assert_regex "$stderr" "^poweron: power-on failed, node\(s\) removed again: ${bad}n1: its container (exited|vanished) before sge_execd registered"
  run -0 sge_hosts "$bad"
  assert_output NONE
  run -0 node_containers "$bad"
  assert_output ""
  destroy "$bad"
  docker rmi "$image" >/dev/null
}
