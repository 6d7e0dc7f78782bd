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
