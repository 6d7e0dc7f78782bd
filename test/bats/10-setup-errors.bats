#!/usr/bin/env bats
# Bad input: a clear one-line error, a non-zero exit, and nothing created.

setup_file() {
  load helpers
  export NAME=$(unique_name ec4terr)
}

setup() { load helpers; }
teardown_file() { load helpers; destroy "$NAME"; }

# refused EXIT MESSAGE ARGS...: setup-cluster fails with EXIT and MESSAGE, leaving nothing behind.
refused() {
  local code=$1 message=$2; shift 2
  run --separate-stderr -"$code" "$SETUP" "$@"
  assert_equal "$stderr" "setup-cluster: $message"
  assert_equal "$(labelled "$NAME")" ""
  [ ! -e "$HOME/.ec4docker/$NAME" ]
}

@test "-h prints the usage with every flag of the original tool" {
  run -0 "$SETUP" -h
  for flag in -f -t -l -d -y -s -b -N -F -w -n -H -h; do assert_output --partial "  $flag "; done
}

@test "an unknown flag is refused" {
  refused 2 'unknown option --frobnicate (see --help)' -s "$NAME" --frobnicate
}

@test "a missing config file is refused" {
  refused 2 'cannot read config file /nonexistent.config: ENOENT' -s "$NAME" -f /nonexistent.config
}

@test "an unreadable config file (a directory) is refused" {
  refused 2 'cannot read config file /tmp: EISDIR' -s "$NAME" -f /tmp
}

@test "a non-numeric node count is refused" {
  refused 2 'EC4DOCK_MAXNODES must be a whole number from 1 to 512, got "four"' -s "$NAME" -N four
}

@test "an absurd node count is refused" {
  refused 2 'EC4DOCK_MAXNODES must be a whole number from 1 to 512, got "100000"' -s "$NAME" -N 100000
}

@test "a server name Docker would reject is refused" {
  refused 2 "EC4DOCK_SERVERNAME must be 1-40 lower-case letters, digits or '-', starting and ending with a letter or digit, got \"Bad_Name\"" -s Bad_Name
}

@test "an unknown key in the config file is refused, naming the file" {
  printf 'EC4DOCK_SERVERNAME=%s\nEC4DOCK_MAXNODE=3\n' "$NAME" >"$BATS_TEST_TMPDIR/bad.config"
  run --separate-stderr -2 "$SETUP" -f "$BATS_TEST_TMPDIR/bad.config"
  assert_equal "$stderr" "setup-cluster: $BATS_TEST_TMPDIR/bad.config: unknown key EC4DOCK_MAXNODE (known keys: $(echo EC4DOCK_SERVERNAME EC4DOCK_MAXNODES EC4DOCK_FRONTEND_IMAGENAME EC4DOCK_WN_IMAGENAME EC4DOCK_DB_IMAGENAME EC4DOCK_NODEBASENAME EC4DOCK_NETWORK EC4DOCK_DOCKER_HOST EC4DOCK_MIDDLEWARE EC4DOCK_SSH_PORT EC4DOCK_SSH_ADDRESS EC4DOCK_PASSWORD EC4DOCK_NODE_CPUS EC4DOCK_NODE_MEMORY EC4DOCK_NODE_CPU_LIMIT EC4DOCK_NODE_PIDS EC4DOCK_ELASTICITY EC4DOCK_IDLE_TIME EC4DOCK_MAX_WAIT_POWERON EC4DOCK_MAX_BOOTING_NODES EC4DOCK_EXTRA_NODES_FREE EC4DOCK_RETRIES_POWER_ON EC4DOCK_ACCOUNTING EC4DOCK_REST_API EC4DOCK_REST_PORT EC4DOCK_ORCHESTRATOR EC4DOCK_SHARED_HOME EC4DOCK_REGISTRY EC4DOCK_SWARM_CONSTRAINTS EC4DOCK_SWARM_LOST_AFTER EC4DOCK_NFS_ADDRESS | sed 's/ /, /g'))"
  assert_equal "$(labelled "$NAME")" ""
}

@test "a working-node image that does not exist is refused, with the command that builds it" {
  refused 2 'image ec4dslurm:nosuchtag not found; build the images with: npm run images -- slurm' -s "$NAME" -w ec4dslurm:nosuchtag
}

@test "an image made for another middleware is refused before anything is made" {
  refused 2 "image ec4dslurm:wn is a slurm image, but the cluster's middleware is sge (EC4DOCK_MIDDLEWARE)" -f "$ROOT/ec4docker-sge.config" -w ec4dslurm:wn -s "$NAME"
}

@test "an engine that does not answer is reported with how to get one" {
  run --separate-stderr -1 "$SETUP" -s "$NAME" -H unix:///nonexistent.sock
  assert_regex "$stderr" '^setup-cluster: cannot reach the Docker engine \(.*\); start it, or on Debian: apt-get install docker\.io$'
}

@test "a frontend name taken by another container is refused" {
  docker run -d --name "$NAME" --entrypoint sleep ec4docker:base 600 >/dev/null
  run --separate-stderr -2 "$SETUP" -s "$NAME"
  docker rm -f "$NAME" >/dev/null
  assert_equal "$stderr" "setup-cluster: a container named $NAME already exists and is not part of cluster $NAME; choose another name (-s or -b)"
  assert_equal "$(labelled "$NAME")" ""
}
