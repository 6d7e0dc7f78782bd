#!/usr/bin/env bats
# What one node, so one job, may take of the host: memory, processes, privileges.

setup_file() {
  load helpers
  export NAME=$(unique_name ec4tm)
  export NODE="${NAME}n"
  printf '%s\n' "EC4DOCK_SERVERNAME=$NAME" "EC4DOCK_NODEBASENAME=$NODE" EC4DOCK_MAXNODES=1 EC4DOCK_NODE_MEMORY=96m EC4DOCK_NODE_PIDS=256 \
    >"$BATS_FILE_TMPDIR/c.config"
  "$SETUP" -f "$BATS_FILE_TMPDIR/c.config" >/dev/null
}

setup() { load helpers; }
teardown_file() { load helpers; destroy "$NAME"; }

job_done() { fe "$NAME" bash -c "[ -z \"\$(squeue -h -j $1)\" ]"; }

@test "a node has its memory and process limits, and no process in it can gain privileges" {
  run -0 fe "$NAME" /opt/ec4docker/poweron "${NODE}1"
  run -0 docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.SecurityOpt}}' "${NODE}1"
  assert_output "$((96 * 1024 * 1024)) 256 [no-new-privileges]"
  run -0 docker exec "${NODE}1" grep NoNewPrivs /proc/1/status
  assert_output --regexp 'NoNewPrivs:[[:space:]]+1'
}

@test "a job over its node's memory limit is killed, not the host; the node takes the next job" {
  # tail keeps a line without an end in memory: it grows until the limit stops it
  run -0 as_ubuntu "$NAME" "sbatch --parsable --wrap 'head -c 400M /dev/zero | tail > /dev/null; echo tail=\$?'"
  local job=$output
  wait_until 120 job_done "$job"
  run -0 as_ubuntu "$NAME" "cat slurm-$job.out"
  assert_output --regexp 'tail=(137|1)|Killed'
  run -0 as_ubuntu "$NAME" "sbatch --parsable --wrap 'hostname'"
  local next=$output
  wait_until 120 job_done "$next"
  run -0 as_ubuntu "$NAME" "cat slurm-$next.out"
  assert_output "${NODE}1"
}

@test "a full log disk stops nothing: power actions work with their output and the event log on a full device" {
  run -0 fe "$NAME" bash -c "EC4D_EVENT_LOG=/dev/full /opt/ec4docker/poweroff ${NODE}1 >/dev/full 2>&1"
  run -0 fe "$NAME" bash -c "EC4D_EVENT_LOG=/dev/full /opt/ec4docker/poweron ${NODE}1 >/dev/full 2>&1"
  run -0 fe "$NAME" sinfo -h -n "${NODE}1" -o %t
  assert_output --regexp '^(idle|mix|alloc)$'
}

@test "rotate-logs (cron, every 5 minutes) keeps the frontend's logs under 10 MiB, one older copy kept" {
  fe "$NAME" bash -c 'head -c 11M /dev/zero | tr "\0" x >> /var/log/ec4docker/monitor.log'
  run -0 fe "$NAME" grep -c rotate-logs /etc/cron.d/ec4docker
  run -0 fe "$NAME" /opt/ec4docker/ec4d rotate-logs
  run -0 fe "$NAME" stat -c %s /var/log/ec4docker/monitor.log /var/log/ec4docker/monitor.log.1
  assert_line --index 0 --regexp '^[0-9]{1,6}$'
  assert_line --index 1 --regexp '^1[0-9]{7}$'
}
