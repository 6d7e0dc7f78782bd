#!/usr/bin/env bats
# A working-node image that cannot run: retried, then set aside; the monitor keeps going, the job waits.

setup_file() {
  load helpers
  export NAME=$(unique_name ec4tf)
  # ec4docker:base exists but runs no slurmd: each node container exits at once.
  make_config "$BATS_FILE_TMPDIR/c" "EC4DOCK_SERVERNAME=$NAME" "EC4DOCK_NODEBASENAME=${NAME}n" EC4DOCK_MAXNODES=2 \
    EC4DOCK_WN_IMAGENAME=ec4docker:base EC4DOCK_ELASTICITY=monitor EC4DOCK_RETRIES_POWER_ON=1 EC4DOCK_MAX_WAIT_POWERON=20
  "$SETUP" -f "$BATS_FILE_TMPDIR/c" >/dev/null
}

setup() { load helpers; }
teardown_file() {
  load helpers
  [ -n "${EC4D_KEEP:-}" ] && return
  destroy "$NAME"
  destroy_extras
}

both_set_aside() { [ "$(docker exec "$NAME" sinfo -h -N -o %E | grep -c '^ec4docker: set aside')" = 2 ]; }

@test "failed power-ons are retried, then the nodes are set aside, and nothing is leaked" {
  run -0 as_ubuntu "$NAME" "sbatch --parsable --wrap hostname"
  job=$output
  wait_until 120 both_set_aside
  run -0 fe "$NAME" grep -c '"action":"failed"' /var/log/ec4docker/events.jsonl
  [ "$output" -ge 4 ] # two nodes, each tried 1 + 1 retry
  wait_until 10 no_node_container "$NAME"
  # the job is not lost: it waits for a node that works
  run -0 fe "$NAME" squeue -h -j "$job" -o %T
  assert_output PENDING
  run -0 fe "$NAME" /opt/ec4docker/clues-monitor status
  assert_line --index 0 "cluster $NAME: elasticity monitor, clues-monitor running"
  assert_line --regexp "^${NAME}n1 +- +.* +2 +ec4docker: set aside: "
}

@test "the monitor leaves set-aside nodes alone: no new attempt" {
  before=$(fe "$NAME" grep -c '"action":"failed"' /var/log/ec4docker/events.jsonl)
  sleep 5
  run -0 fe "$NAME" grep -c '"action":"failed"' /var/log/ec4docker/events.jsonl
  assert_output "$before"
  run -0 node_containers "$NAME"
  assert_output ""
}

@test "a node whose slurmd never registers: failed at EC4DOCK_MAX_WAIT_POWERON, retried, then set aside" {
  never_registering_node_set_aside monitor
}
