#!/usr/bin/env bats
# Torque (EC4DOCK_MIDDLEWARE=torque), built from its source: pbs_server and pbs_sched in the
# frontend, pbs_mom in the nodes, nodes created in the server at power-on and deleted at
# power-off, the seed's `echo ... | qsub` as ubuntu.

setup_file() {
  load helpers
  export NAME=$(unique_name ec4tq)
  # The shipped config, with this run's names and a short idle time (a key may be set once).
  { grep -vE '^(EC4DOCK_SERVERNAME|EC4DOCK_NODEBASENAME|EC4DOCK_MAXNODES|EC4DOCK_IDLE_TIME|EC4DOCK_MAX_WAIT_POWERON)=' "$ROOT/ec4docker-torque.config"
    echo "EC4DOCK_SERVERNAME=$NAME"; echo "EC4DOCK_NODEBASENAME=${NAME}n"; echo EC4DOCK_MAXNODES=2
    echo EC4DOCK_IDLE_TIME=10; echo EC4DOCK_MAX_WAIT_POWERON=30; } >"$BATS_FILE_TMPDIR/c"
  "$SETUP" -f "$BATS_FILE_TMPDIR/c" >"$BATS_FILE_TMPDIR/setup.out"
}

setup() { load helpers; }
teardown() { diagnose_failure "$NAME" pbsnodes -a; }
teardown_file() {
  load helpers
  [ -n "${EC4D_KEEP:-}" ] || destroy "$NAME"
  destroy_extras
}

# torque_nodes NAME: the nodes the server knows (powered on), one per line.
torque_nodes() { docker exec "$1" pbsnodes -l all 2>/dev/null | awk '{ print $1 }' | sort; }
torque_no_nodes() { [ -z "$(torque_nodes "$1")" ]; }
# torque_job NAME JOB FIELD: a field of `qstat -f` for the job (job_state, exec_host, ...).
torque_job() { docker exec "$1" qstat -f "$2" 2>/dev/null | awk -v f="$3" '$1 == f { print $3 }'; }
# torque_job_hosts NAME JOB: the nodes a job runs on (exec_host "n1/0+n2/0" -> "n1 n2").
torque_job_hosts() { torque_job "$1" "$2" exec_host | tr '+' '\n' | cut -d/ -f1 | sort -u | paste -sd' '; }
torque_job_running() { [ "$(torque_job "$1" "$2" job_state)" = R ]; }
# torque_job_done NAME JOB: completed (C, kept a minute) or already gone.
torque_job_done() { local s; s=$(torque_job "$1" "$2" job_state); [ -z "$s" ] || [ "$s" = C ]; }
torque_job_moved() { local h; h=$(torque_job_hosts "$1" "$2"); torque_job_running "$1" "$2" && [ -n "$h" ] && [ "$h" != "$3" ]; }

@test "setup-cluster -f ec4docker-torque.config: a Torque frontend, every node off" {
  run -0 cat "$BATS_FILE_TMPDIR/setup.out"
  assert_line --index 0 "cluster $NAME is up: frontend $NAME, nodes ${NAME}n1..${NAME}n2 (elastic: monitor)"
  run -0 fe "$NAME" qmgr -c 'list queue batch'
  assert_line --regexp 'started = True'
  run -0 torque_nodes "$NAME"
  assert_output ""
  run -0 node_containers "$NAME"
  assert_output ""
  run -0 fe "$NAME" getent hosts "${NAME}n2"
  assert_output --regexp "^[0-9.]+ +${NAME}n2$"
}

@test "the seed's example: echo \"hostname && sleep 10\" | qsub as ubuntu, a node powers on, STDIN.o<id> names it, then it goes off" {
  run -0 as_ubuntu "$NAME" 'echo "hostname && sleep 10" | qsub'
  job=$output
  assert_regex "$job" "^[0-9]+\.$NAME$"
  run -0 as_ubuntu "$NAME" qstat
  assert_line --partial "${job%%.*}"
  wait_until 90 torque_job_done "$NAME" "$job"
  run -0 fe "$NAME" cat "/home/ubuntu/STDIN.o${job%%.*}"
  assert_output --regexp "^${NAME}n[12]$"
  node=$output
  event_logged "$NAME" power_on "$node"
  # Idle for 10 s, then powered off: deleted from the server, no container.
  wait_until 60 no_node_container "$NAME"
  wait_until 10 torque_no_nodes "$NAME"
  event_logged "$NAME" power_off "$node"
}

@test "a 2-node job (-l nodes=2) gets two nodes powered on" {
  wait_until 60 no_node_container "$NAME"
  run -0 as_ubuntu "$NAME" "echo 'sort -u \$PBS_NODEFILE' | qsub -l nodes=2 -o two.out -j oe"
  job=$output
  wait_until 90 torque_job_done "$NAME" "$job"
  run -0 fe "$NAME" cat /home/ubuntu/two.out
  assert_line "${NAME}n1"
  assert_line "${NAME}n2"
}

@test "a job that names a host (-l nodes=HOST) gets that host powered on" {
  wait_until 60 no_node_container "$NAME"
  run -0 as_ubuntu "$NAME" "echo hostname | qsub -l nodes=${NAME}n2 -o named.out -j oe"
  job=$output
  wait_until 90 torque_job_done "$NAME" "$job"
  run -0 fe "$NAME" cat /home/ubuntu/named.out
  assert_output "${NAME}n2"
}

@test "poweron and poweroff by hand; a node running a job is not powered off" {
  wait_until 60 no_node_container "$NAME"
  run -0 fe "$NAME" /opt/ec4docker/poweron "${NAME}n2"
  assert_output "${NAME}n2: on (free)"
  run -0 fe "$NAME" /opt/ec4docker/poweron "${NAME}n2"
  assert_output "${NAME}n2: already on"
  run -0 fe "$NAME" pbsnodes "${NAME}n2"
  assert_line --regexp '^ +state = free$'
  run -0 as_ubuntu "$NAME" "echo 'sleep 30' | qsub -l nodes=${NAME}n2"
  job=$output
  wait_until 30 torque_job_running "$NAME" "$job"
  run --separate-stderr -1 fe "$NAME" /opt/ec4docker/poweroff "${NAME}n2"
  assert_equal "$stderr" "poweroff: refused: ${NAME}n2 runs job(s) $job; wait for the jobs, or use --drain to drain and wait"
  # The refusal left the node as it was: not offline, its job running.
  run -0 fe "$NAME" pbsnodes "${NAME}n2"
  refute_line --partial offline
  assert_equal "$(torque_job_hosts "$NAME" "$job")" "${NAME}n2"
  fe "$NAME" qdel "$job"
  wait_until 30 torque_job_done "$NAME" "$job"
  run -0 fe "$NAME" /opt/ec4docker/poweroff "${NAME}n2"
  assert_output "${NAME}n2: off"
  run -0 torque_nodes "$NAME"
  refute_output --partial "${NAME}n2"
  run -1 docker inspect "${NAME}n2"
  run -2 fe "$NAME" /opt/ec4docker/poweron nosuchnode
}

@test "a busy node's container is killed: its job is requeued, not lost, and completes on the other node" {
  run -0 fe "$NAME" /opt/ec4docker/poweron "${NAME}n1" "${NAME}n2"
  run -0 as_ubuntu "$NAME" "echo 'hostname; sleep 8; echo finished' | qsub -r y -o killed.out -j oe"
  job=$output
  wait_until 30 torque_job_running "$NAME" "$job"
  victim=$(torque_job_hosts "$NAME" "$job")
  docker kill "$victim" >/dev/null
  wait_until 30 torque_job_moved "$NAME" "$job" "$victim"
  wait_until 60 torque_job_done "$NAME" "$job"
  run -0 fe "$NAME" tail -n 2 /home/ubuntu/killed.out
  assert_line --index 1 finished
  assert_not_equal "${lines[0]}" "$victim"
  event_logged "$NAME" vanished "$victim"
}

@test "clues-monitor status shows Torque's view of each node" {
  run -0 fe "$NAME" /opt/ec4docker/clues-monitor status
  assert_line --index 0 "cluster $NAME: elasticity monitor, clues-monitor running"
  assert_line --regexp '^NODE +CONTAINER +TORQUE +IDLE +FAILED +REASON$'
  assert_line --regexp "^${NAME}n1 "
}

@test "a restarted frontend keeps its queue: a held job is still there" {
  run -0 as_ubuntu "$NAME" "echo hostname | qsub -h"
  job=$output
  docker restart "$NAME" >/dev/null
  wait_until 60 fe "$NAME" test -e /run/ec4docker/ready
  assert_equal "$(torque_job "$NAME" "$job" job_state)" H
  fe "$NAME" qdel "$job"
}

# Last before terminate: a node cycled like this may not be taken up at its next power-on
# (seen now and then; docs/torque.md), which the tests above must not inherit.
@test "a node powered off and at once on again, four times: the monitor never takes it for a failed node" {
  wait_until 60 no_node_container "$NAME" # the earlier tests' nodes idle out first
  for _ in 1 2 3 4; do
    run -0 fe "$NAME" /opt/ec4docker/poweron "${NAME}n2"
    assert_output "${NAME}n2: on (free)"
    run -0 fe "$NAME" /opt/ec4docker/poweroff "${NAME}n2"
    assert_output "${NAME}n2: off"
  done
  run -1 event_logged "$NAME" vanished "${NAME}n2"
}

@test "terminate: refused while a job is queued, then -y --purge leaves nothing" {
  run -0 as_ubuntu "$NAME" "echo hostname | qsub -h"
  run --separate-stderr -1 "$SETUP" -t -s "$NAME" </dev/null
  assert_equal "$stderr" "setup-cluster: cluster $NAME has 1 job(s) queued or running; wait for them, or terminate anyway with -y"
  run -0 "$SETUP" -t -y --purge -s "$NAME"
  run -0 labelled "$NAME"
  assert_output ""
}

@test "a node that cannot start is set aside after the retries, and nothing is left" {
  local bad image
  bad=$(unique_name ec4tb)
  image="ec4dtest-$bad:wn"
  # It starts, but no pbs_mom ever runs in it (the base image's shell exits at once).
  docker tag ec4docker:base "$image"
  extra_cluster "$bad" EC4DOCK_MIDDLEWARE=torque EC4DOCK_MAXNODES=1 "EC4DOCK_WN_IMAGENAME=$image" \
    EC4DOCK_FRONTEND_IMAGENAME=ec4dtorque:frontend EC4DOCK_MAX_WAIT_POWERON=10 EC4DOCK_RETRIES_POWER_ON=2
  run -0 as_ubuntu "$bad" "echo hostname | qsub"
  wait_until 120 event_logged "$bad" set_aside "${bad}n1"
  run -0 torque_nodes "$bad"
  assert_output ""
  run -0 node_containers "$bad"
  assert_output ""
  destroy "$bad"
  docker rmi "$image" >/dev/null
}
