#!/usr/bin/env bats
# The engine restarted (as after a host reboot) mid-job: the cluster comes back by itself and no
# job is lost.

setup_file() {
  load helpers
  export NAME=$(unique_name ec4tr)
  export NODE="${NAME}n"
  printf 'EC4DOCK_SERVERNAME=%s\nEC4DOCK_NODEBASENAME=%s\nEC4DOCK_MAXNODES=2\n' "$NAME" "$NODE" >"$BATS_FILE_TMPDIR/c.config"
  "$SETUP" -f "$BATS_FILE_TMPDIR/c.config" >/dev/null
}

setup() { load helpers; }
teardown_file() { load helpers; destroy "$NAME"; }

ready() { fe "$NAME" test -e /run/ec4docker/ready; }
done_file() { as_ubuntu "$NAME" "test -s $1"; }

@test "the engine restarts mid-job: the frontend, its gate and the nodes' networks come back; the running job is requeued and completes, the queued one stays queued and runs" {
  run -0 as_ubuntu "$NAME" "sbatch --parsable --wrap 'sleep 8; hostname > running.out'"
  local running=$output
  wait_until 60 fe "$NAME" bash -c "squeue -h -j $running -o %T | grep -q RUNNING"
  run -0 as_ubuntu "$NAME" "sbatch --parsable -H --wrap 'hostname > queued.out'"
  local queued=$output
  restart_engine
  wait_until 120 ready
  run -0 docker inspect -f '{{.State.Status}}' "$NAME" "$NAME-gate" "${NODE}1-netns" "${NODE}2-netns"
  assert_output "$(printf 'running\nrunning\nrunning\nrunning')"
  run -0 fe "$NAME" squeue -h -j "$queued" -o %T
  assert_output PENDING
  fe "$NAME" scontrol release "$queued"
  wait_until 180 done_file running.out
  wait_until 120 done_file queued.out
}
