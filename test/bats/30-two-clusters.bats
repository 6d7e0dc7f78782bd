#!/usr/bin/env bats
# Two clusters side by side (static variant, -d), and a power-on that fails cleanly.

setup_file() {
  load helpers
  export A=$(unique_name ec4ta) B=$(unique_name ec4tb)
  "$SETUP" -s "$A" -b "${A}n" -N 2 -d >"$BATS_FILE_TMPDIR/a.out"
  printf 'EC4DOCK_SERVERNAME=%s\nEC4DOCK_NODEBASENAME=%sn\nEC4DOCK_MAXNODES=2\nEC4DOCK_MAX_WAIT_POWERON=15\nEC4DOCK_PASSWORD=%s\n' \
    "$B" "$B" 'correct-horse-9' >"$BATS_FILE_TMPDIR/b.config"
  "$SETUP" -f "$BATS_FILE_TMPDIR/b.config" >"$BATS_FILE_TMPDIR/b.out"
}

setup() { load helpers; }
teardown_file() { load helpers; destroy "$A"; destroy "$B"; destroy_extras; }

@test "-d powers on every node of the cluster at creation, as a static cluster" {
  run -0 cat "$BATS_FILE_TMPDIR/a.out"
  assert_line --partial "cluster $A is up: frontend $A, nodes ${A}n1..${A}n2 (powered on by hand)"
  assert_line "${A}n1: on (idle)"
  assert_line "${A}n2: on (idle)"
  run -0 fe "$A" sinfo -h -N -o '%N %t'
  assert_output "$(printf '%s idle\n' "${A}n1" "${A}n2")"
}

@test "two clusters run side by side, each with its own munge key" {
  run -0 fe "$B" sinfo -h -N -o '%N %t'
  assert_output "$(printf '%s drain~\n' "${B}n1" "${B}n2")"
  key_a=$(fe "$A" sha256sum /etc/ec4docker/secrets/munge.key | cut -d' ' -f1)
  key_b=$(fe "$B" sha256sum /etc/ec4docker/secrets/munge.key | cut -d' ' -f1)
  [ -n "$key_a" ] && [ -n "$key_b" ]
  assert_not_equal "$key_a" "$key_b"
  # and the node of one cluster holds its own cluster's key
  assert_equal "$(docker exec "${A}n1" sha256sum /etc/munge/munge.key | cut -d' ' -f1)" "$key_a"
}

@test "with EC4DOCK_PASSWORD set, ubuntu logs in with that password (and it is in no container's environment)" {
  port=$(docker port "$B" 22 | head -1 | sed 's/.*://')
  printf '#!/bin/sh\necho correct-horse-9\n' >"$BATS_TEST_TMPDIR/askpass" && chmod +x "$BATS_TEST_TMPDIR/askpass"
  run -0 env SSH_ASKPASS="$BATS_TEST_TMPDIR/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=none setsid -w ssh -p "$port" \
    -o PubkeyAuthentication=no -o PreferredAuthentications=password -o LogLevel=ERROR \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null ubuntu@localhost whoami </dev/null
  assert_output ubuntu
  run -0 docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$B"
  refute_output --partial correct-horse-9
}

@test "a node whose image cannot run fails to power on with a clear message, and nothing is left" {
  # ec4docker:base exists but runs no slurmd: its container exits at once.
  docker exec "$B" sed -i 's/^EC4DOCK_WN_IMAGENAME=.*/EC4DOCK_WN_IMAGENAME=ec4docker:base/' /etc/ec4docker/cluster.env
  run --separate-stderr -1 fe "$B" /opt/ec4docker/poweron "${B}n1"
  assert_regex "$stderr" "^poweron: power-on failed, node\(s\) removed again: ${B}n1: "
  run -0 node_container "${B}n1"
  assert_output ""
  docker exec "$B" sed -i 's/^EC4DOCK_WN_IMAGENAME=.*/EC4DOCK_WN_IMAGENAME=ec4dslurm:wn/' /etc/ec4docker/cluster.env
}

@test "after a failed power-on the node can be powered on again" {
  run -0 fe "$B" /opt/ec4docker/poweron "${B}n1"
  assert_output "${B}n1: on (idle)"
}

@test "terminating one cluster leaves the other untouched" {
  run -0 "$SETUP" -s "$A" -t --purge
  run -0 labelled "$A"
  assert_output ""
  run -0 fe "$B" sinfo -h -n "${B}n1" -o %t
  assert_output idle
}

@test "two setup-cluster runs at once on one name make one cluster, intact; the loser changes nothing" {
  local c=$(unique_name ec4tl)
  echo "$c" >>"$BATS_FILE_TMPDIR/extra"
  "$SETUP" -s "$c" -b "${c}n" -N 2 >"$BATS_TEST_TMPDIR/1.out" 2>&1 & local p1=$!
  "$SETUP" -s "$c" -b "${c}n" -N 2 >"$BATS_TEST_TMPDIR/2.out" 2>&1 & local p2=$!
  local s1=0 s2=0; wait $p1 || s1=$?; wait $p2 || s2=$?
  echo "exits: $s1 $s2"; cat "$BATS_TEST_TMPDIR/1.out" "$BATS_TEST_TMPDIR/2.out"
  [ $((s1 == 0)) -ne $((s2 == 0)) ]   # exactly one succeeded
  run -0 cat "$BATS_TEST_TMPDIR/1.out" "$BATS_TEST_TMPDIR/2.out"
  assert_regex "$output" "setup-cluster: (another setup-cluster is creating or terminating cluster $c; nothing was changed|cluster $c already exists; replace it with -y, or remove it with -t)"
  run -0 docker ps --filter "label=org.ec4docker.cluster=$c" --filter label=org.ec4docker.role=frontend --format '{{.Names}} {{.State}}'
  assert_output "$c running"
  run -0 fe "$c" bash -c 'sinfo -h -N -o %N | sort -u | wc -l'
  assert_output 2
  destroy "$c"
}

@test "EC4DOCK_NODE_CPUS four times the host's CPUs runs jobs: the nodes take the configured count" {
  local c=$(unique_name ec4tc) cpus=$(( 4 * $(docker info --format '{{.NCPU}}') ))
  extra_cluster "$c" EC4DOCK_MAXNODES=1 "EC4DOCK_NODE_CPUS=$cpus"
  run -0 as_ubuntu "$c" "sbatch -n $cpus --wrap 'hostname > cpus.out'"
  wait_until 90 as_ubuntu "$c" 'test -s cpus.out'
  run -0 as_ubuntu "$c" 'cat cpus.out'
  assert_output "${c}n1"
  run -0 fe "$c" sinfo -h -N -n "${c}n1" -o '%c %t'
  assert_output --regexp "^$cpus (idle|mix|alloc|comp)"
  destroy "$c"
}
