#!/usr/bin/env bats
# One Slurm cluster end to end: create, nodes by hand, jobs, SSH, shared /home, terminate.

setup_file() {
  load helpers
  export NAME=$(unique_name ec4t)
  export NODE="${NAME}n"
  "$SETUP" -f "$ROOT/ec4docker-slurm.config" -s "$NAME" -b "$NODE" -N 3 >"$BATS_FILE_TMPDIR/setup.out"
}

setup() { load helpers; }
teardown_file() { load helpers; docker rm -f "${NODE}3" >/dev/null 2>&1 || true; [ -n "${EC4D_KEEP:-}" ] || destroy "$NAME"; }

@test "setup-cluster prints how to enter the cluster" {
  run -0 cat "$BATS_FILE_TMPDIR/setup.out"
  assert_line --partial "cluster $NAME is up"
  assert_line --regexp "^  ssh -i $HOME/.ec4docker/$NAME/id_ed25519 -p [0-9]+ ubuntu@localhost$"
}

@test "the frontend, the accounting database, its network and its volumes carry the cluster label" {
  run -0 docker ps --filter "label=org.ec4docker.cluster=$NAME" --filter label=org.ec4docker.role=frontend --format '{{.Names}}'
  assert_output "$NAME"
  run -0 docker ps --filter "label=org.ec4docker.cluster=$NAME" --filter label=org.ec4docker.role=db --format '{{.Names}}'
  assert_output "$NAME-db"
  run -0 docker network ls -q --filter "label=org.ec4docker.cluster=$NAME"
  assert_equal "${#lines[@]}" 1
  run -0 docker volume ls --filter "label=org.ec4docker.cluster=$NAME" --format '{{.Name}}'
  assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "$NAME-accounting $NAME-gate $NAME-home $NAME-secrets $NAME-state "
}

@test "the frontend is not privileged and holds the gate's socket, not the engine's; docker port shows its sshd on 127.0.0.1" {
  run -0 docker inspect --format '{{.HostConfig.Privileged}} {{range .Mounts}}{{.Destination}} {{end}}' "$NAME"
  assert_output --partial 'false '
  assert_output --partial '/run/ec4docker-gate'
  refute_output --partial 'docker.sock'
  run -0 docker port "$NAME" 22
  assert_output --regexp '^127\.0\.0\.1:[0-9]+$'
}

@test "setup-cluster -l lists the cluster's resources" {
  run -0 "$SETUP" -s "$NAME" -l
  assert_line --regexp "^container +$NAME +frontend +running$"
  assert_line --regexp "^volume +$NAME-home +home"
}

@test "slurmctld runs and knows the three nodes, all powered off (and held for clues-monitor)" {
  run -0 fe "$NAME" sinfo -h -N -o '%N %t %E'
  assert_equal "$output" "$(printf '%s drain~ ec4docker: powered off\n' "${NODE}1" "${NODE}2" "${NODE}3")"
}

@test "poweron starts two nodes and returns once they are idle in Slurm" {
  run -0 fe "$NAME" /opt/ec4docker/poweron "${NODE}1" "${NODE}2"
  assert_line "${NODE}1: on (idle)"
  assert_line "${NODE}2: on (idle)"
  # it watched them boot: its booting marks (its pid) went with it (lib/slurm/registered.ts)
  run -0 fe "$NAME" ls /run/ec4docker/booting
  assert_output ""
  run -0 docker ps --filter "label=org.ec4docker.cluster=$NAME" --filter label=org.ec4docker.role=node --format '{{.Names}}'
  assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "${NODE}1 ${NODE}2 "
  # the engine socket is the frontend's alone; nodes are not privileged either
  run -0 docker inspect --format '{{.HostConfig.Privileged}} {{range .Mounts}}{{.Destination}} {{end}}' "${NODE}1"
  assert_output --regexp '^false '
  refute_output --partial docker.sock
}

@test "each node joins a netns container made with the cluster: its hostname, address and DNS name" {
  run -0 docker ps --filter "label=org.ec4docker.cluster=$NAME" --filter label=org.ec4docker.role=netns --format '{{.Names}} {{.Label "org.ec4docker.node"}}'
  assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "${NODE}1-netns ${NODE}1 ${NODE}2-netns ${NODE}2 ${NODE}3-netns ${NODE}3 "
  run -0 docker inspect -f '{{.HostConfig.NetworkMode}}' "${NODE}1"
  assert_output "container:$(docker inspect -f '{{.Id}}' "${NODE}1-netns")"
  run -0 docker exec "${NODE}1" hostname
  assert_output "${NODE}1"
  # the node's name resolves to the address its netns container has, from the frontend
  run -0 fe "$NAME" getent hosts "${NODE}1"
  assert_output --regexp "^$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "${NODE}1-netns") +${NODE}1"
}

@test "poweron is idempotent" {
  run -0 fe "$NAME" /opt/ec4docker/poweron "${NODE}1"
  assert_output "${NODE}1: already on"
}

@test "poweron and poweroff reject names that are not nodes of this cluster" {
  run --separate-stderr -2 fe "$NAME" /opt/ec4docker/poweron "${NODE}9"
  assert_equal "$stderr" "poweron: \"${NODE}9\" is not a node of this cluster (nodes: ${NODE}1 .. ${NODE}3)"
  run --separate-stderr -2 fe "$NAME" /opt/ec4docker/poweroff "$NAME"
  assert_equal "$stderr" "poweroff: \"$NAME\" is not a node of this cluster (nodes: ${NODE}1 .. ${NODE}3)"
}

@test "a job run as ubuntu on a node writes into the shared home, seen on the frontend" {
  run -0 as_ubuntu "$NAME" "sbatch --parsable -w ${NODE}2 -o job-%j.out --wrap 'hostname > where.txt; echo done'"
  job=$output
  wait_until 60 job_gone "$NAME" "$job"
  run -0 fe "$NAME" cat /home/ubuntu/where.txt
  assert_output "${NODE}2"
  run -0 fe "$NAME" cat "/home/ubuntu/job-$job.out"
  assert_output done
}

@test "ubuntu and root ssh from the frontend to a node without a password" {
  run -0 as_ubuntu "$NAME" "ssh -o BatchMode=yes ${NODE}1 hostname"
  assert_output "${NODE}1"
  run -0 fe "$NAME" ssh -o BatchMode=yes "${NODE}1" whoami
  assert_output root
}

@test "the host logs in as ubuntu with the generated key, which is private to its owner" {
  key="$HOME/.ec4docker/$NAME/id_ed25519"
  run -0 stat -c %a "$key"
  assert_output 600
  port=$(docker port "$NAME" 22 | head -1 | sed 's/.*://')
  run -0 ssh -i "$key" -p "$port" -o BatchMode=yes -o LogLevel=ERROR -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null ubuntu@localhost 'whoami; hostname'
  assert_output "$(printf 'ubuntu\n%s' "$NAME")"
}

@test "password login is refused: the server offers public keys only" {
  port=$(docker port "$NAME" 22 | head -1 | sed 's/.*://')
  run ssh -p "$port" -o BatchMode=yes -o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null ubuntu@localhost true
  assert_failure 255
  assert_output --partial 'Permission denied (publickey)'
}

@test "poweroff refuses a node that runs a job, and the job goes on" {
  run -0 as_ubuntu "$NAME" "sbatch --parsable -w ${NODE}1 --wrap 'sleep 300'"
  job=$output
  wait_until 30 job_state_is "$NAME" "$job" RUNNING
  run --separate-stderr -1 fe "$NAME" /opt/ec4docker/poweroff "${NODE}1"
  assert_equal "$stderr" "poweroff: refused: ${NODE}1 runs job(s) $job; wait for the jobs, or use --drain to drain and wait"
  run -0 fe "$NAME" squeue -h -j "$job" -o '%T %N'
  assert_output "RUNNING ${NODE}1"
  # undoing the drain makes Slurm ping the node once ("mix*"), then it is in service again
  wait_until 10 node_state_matches "$NAME" "${NODE}1" 'alloc|mix'
  fe "$NAME" scancel "$job"
}

@test "poweroff removes an idle node's container and Slurm counts it off; again is a no-op" {
  wait_until 30 node_has_no_job "$NAME" "${NODE}1"
  run -0 fe "$NAME" /opt/ec4docker/poweroff "${NODE}1"
  assert_output "${NODE}1: off"
  run -0 node_container "${NODE}1"
  assert_output ""
  run -0 fe "$NAME" sinfo -h -n "${NODE}1" -o %t
  assert_output 'drain~'
  run -0 fe "$NAME" /opt/ec4docker/poweroff "${NODE}1"
  assert_output "${NODE}1: already off"
}

@test "a node powered off and on again runs jobs (no stale address), its netns container made again if removed" {
  docker rm -f "${NODE}1-netns" >/dev/null
  run -0 fe "$NAME" /opt/ec4docker/poweron "${NODE}1"
  run -0 docker inspect -f '{{.State.Running}}' "${NODE}1-netns"
  assert_output true
  run -0 as_ubuntu "$NAME" "srun -w ${NODE}1 hostname"
  assert_output "${NODE}1"
}

@test "a slurm-suspend that started before a node's new power-on leaves that new boot alone" {
  # slurmctld's slurm-suspend, slow to start on a loaded host, may run after its node is off and
  # powered on again. Here it stops itself between slurmctld's fork and its exec, the node is
  # powered on, then it goes on: what counts is when it was forked.
  docker exec -d -u slurm "$NAME" sh -c "kill -STOP \$\$; exec /opt/ec4docker/slurm-suspend ${NODE}3"
  wait_until 10 fe "$NAME" pgrep --runstates T -f "slurm-suspend ${NODE}3"
  run -0 fe "$NAME" /opt/ec4docker/poweron "${NODE}3"
  run -0 fe "$NAME" pkill -CONT -f "slurm-suspend ${NODE}3"
  wait_until 20 eval "! docker exec $NAME pgrep -f 'slurm-suspend ${NODE}3' >/dev/null"
  run -0 docker inspect -f '{{.State.Running}}' "${NODE}3"
  assert_output true
  run -0 fe "$NAME" /opt/ec4docker/poweroff "${NODE}3"
}

# one_line CODE COMMAND...: the command fails with exit CODE and exactly one stderr line, "<command>: ...", no stack.
one_line() {
  local code=$1; shift
  run --separate-stderr "$@"
  assert_equal "$status" "$code"
  assert_equal "${#stderr_lines[@]}" 1
  assert_regex "$stderr" '^(poweron|poweroff|clues-monitor|setup-cluster): '
  refute_regex "$stderr" 'internal error|    at '
}

@test "every failure of poweron, poweroff, clues-monitor and setup-cluster is one line naming the problem" {
  one_line 2 fe "$NAME" /opt/ec4docker/poweron --bogus "${NODE}1"
  one_line 2 fe "$NAME" /opt/ec4docker/poweroff
  one_line 2 fe "$NAME" /opt/ec4docker/clues-monitor bogus
  assert_regex "$stderr" '^clues-monitor: unknown command "bogus"'
  one_line 2 "$SETUP" -s "$NAME" -N 0
  # outside a frontend: no cluster config
  one_line 1 docker exec "$NAME" env EC4D_CLUSTER_ENV=/nonexistent /opt/ec4docker/poweron "${NODE}1"
  assert_regex "$stderr" '^poweron: /nonexistent not found: run this command inside an ec4docker frontend'
  # the scheduler gone: the Slurm command's own complaint, in one line
  fe "$NAME" bash -c 'pkill -STOP slurmctld'
  one_line 1 timeout 90 docker exec "$NAME" /opt/ec4docker/clues-monitor status
  fe "$NAME" bash -c 'pkill -CONT slurmctld'
}

@test "a container someone else named like a powered-off node survives that node's power-on" {
  in_place_of_spare "${NODE}3" run -d --name "${NODE}3" --label owner=someone-else --entrypoint sleep ec4dslurm:wn 600
  run --separate-stderr fe "$NAME" /opt/ec4docker/poweron "${NODE}3"
  assert_failure 1
  assert_regex "$stderr" "^poweron: power-on failed, node\(s\) removed again: ${NODE}3: .*already in use"
  run -0 docker inspect -f '{{.State.Status}} {{index .Config.Labels "owner"}}' "${NODE}3"
  assert_output "running someone-else"
  docker rm -f "${NODE}3" # (25-security.bats: such a container survives a terminate too)
}

@test "an existing cluster is not replaced without -y when there is no terminal" {
  run --separate-stderr -1 "$SETUP" -s "$NAME" -b "$NODE" -N 3 </dev/null
  assert_equal "$stderr" "setup-cluster: cluster $NAME already exists; replace it with -y, or remove it with -t"
  run -0 docker ps -q --filter "name=^${NODE}1$"
  refute_output ""
}

@test "terminate keeps the users' /home and the job accounting volumes; --purge then leaves no labelled resource" {
  run -0 "$SETUP" -s "$NAME" -t -y
  assert_line --partial "cluster $NAME terminated"
  assert_equal "$(labelled "$NAME" | cut -d' ' -f1 | tr '\n' ' ')" "volume volume "
  run -0 docker volume inspect -f '{{index .Labels "org.ec4docker.role"}}' "$NAME-home" "$NAME-accounting"
  assert_output "$(printf 'home\naccounting')"
  run -0 "$SETUP" -s "$NAME" -t --purge
  run -0 labelled "$NAME"
  assert_output ""
}
