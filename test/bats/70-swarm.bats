#!/usr/bin/env bats
# EC4DOCK_ORCHESTRATOR=swarm across simulated hosts (test/swarm/hosts.sh): three engines in
# containers form a Swarm (a manager with a registry, two workers), /home is one host directory
# bound into all three (EC4DOCK_SHARED_HOME=bind:). Every docker command here goes to the manager.

setup_file() {
  load helpers
  export HOSTS=$(unique_name ec4sw) NAME=$(unique_name ec4swc)
  export HOME_DIR=/var/lib/ec4docker-test/$HOSTS-home
  export MANAGER=$(bash "$ROOT/test/swarm/hosts.sh" up "$HOSTS" ec4dslurm:frontend ec4dslurm:wn ec4dslurm:db ec4docker:nfs)
  export DOCKER_HOST=$MANAGER
  make_config "$BATS_FILE_TMPDIR/c" "EC4DOCK_SERVERNAME=$NAME" "EC4DOCK_NODEBASENAME=${NAME}n" EC4DOCK_MAXNODES=3 \
    EC4DOCK_ORCHESTRATOR=swarm EC4DOCK_SHARED_HOME=bind:/srv/ec4docker-home "EC4DOCK_REGISTRY=$HOSTS-mgr:5000" \
    EC4DOCK_SWARM_CONSTRAINTS=node.role==worker EC4DOCK_IDLE_TIME=15
  "$SETUP" -f "$BATS_FILE_TMPDIR/c" >"$BATS_FILE_TMPDIR/setup.out"
}

setup() { load helpers; }
teardown_file() {
  load helpers
  [ -n "${EC4D_KEEP:-}" ] || DOCKER_HOST= bash "$ROOT/test/swarm/hosts.sh" down "$HOSTS"
  rm -rf "$HOME/.ec4docker/$NAME" "$HOME/.ec4docker/${NAME}x" "$HOME/.ec4docker/${NAME}f" "$HOME/.ec4docker/${NAME}p"
}

# on HOST CMD...: a command on one simulated host (its own engine).
on() { local host=$1; shift; DOCKER_HOST= docker exec "$host" "$@"; }
# node_host NODE: the Swarm host a node's task runs on.
node_host() { docker service ps --filter desired-state=running --format '{{.Node}}' "$1" 2>/dev/null | head -n 1; }
# cluster_on_swarm NAME: every service, secret, network and volume of the cluster, on every host.
cluster_on_swarm() {
  local f="label=org.ec4docker.cluster=$1" h
  docker service ls -q --filter "$f" | sed 's/^/service /'
  docker secret ls -q --filter "$f" | sed 's/^/secret /'
  for h in "$HOSTS-mgr" "$HOSTS-w1" "$HOSTS-w2"; do
    on "$h" docker ps -aq --filter "$f" | sed "s/^/container on $h /"
    on "$h" docker network ls -q --filter "$f" | sed "s/^/network on $h /"
    on "$h" docker volume ls -q --filter "$f" | sed "s/^/volume on $h /"
  done
}
no_service() { [ -z "$(docker service ls -q --filter "label=org.ec4docker.cluster=$1")" ]; }

@test "swarm: setup-cluster makes the frontend on the manager, the node secrets as Swarm secrets, no node yet" {
  run -0 cat "$BATS_FILE_TMPDIR/setup.out"
  assert_line --partial "cluster $NAME is up"
  run -0 docker secret ls --filter "label=org.ec4docker.cluster=$NAME" --format '{{.Name}}'
  assert_output "$(printf '%s\n' "$NAME-munge-key" "$NAME-root-authorized-keys")"
  run -0 docker network inspect -f '{{.Driver}} {{.Attachable}}' "$NAME-net"
  assert_output 'overlay true'
  assert no_service "$NAME"
  run -0 "$SETUP" -l -s "$NAME"
  assert_line --regexp "^secret +$NAME-munge-key +secrets"
}

@test "swarm: a -N 2 job on an all-off cluster gets nodes on both workers; srun spans them; its output is in the shared /home" {
  run -0 as_ubuntu "$NAME" "sbatch --parsable -N 2 -o spans.out --wrap 'srun hostname | sort; sleep 10'"
  job=$output
  wait_until 180 job_state_is "$NAME" "$job" RUNNING
  # one node per worker host: Swarm spread them
  hosts=$(printf '%s\n' "$(node_host "${NAME}n1")" "$(node_host "${NAME}n2")" | sort | paste -sd' ')
  assert_equal "$hosts" "$HOSTS-w1 $HOSTS-w2"
  run -0 docker exec "$NAME" /opt/ec4docker/clues-monitor status
  assert_line --regexp "^${NAME}n1 +running +$HOSTS-w[12] "
  wait_until 60 job_gone "$NAME" "$job"
  run -0 docker exec "$NAME" sacct -n -X -j "$job" -o state
  assert_output --partial COMPLETED
  # Written by the nodes, read on the host directory every simulated host binds, owned by ubuntu.
  run -0 cat "$HOME_DIR/ubuntu/spans.out"
  assert_output "$(printf '%s\n' "${NAME}n1" "${NAME}n2")"
  run -0 stat -c %u "$HOME_DIR/ubuntu/spans.out"
  assert_output 1000
}

@test "swarm: idle nodes are powered off: their services are removed" {
  wait_until 90 no_service "$NAME"
  run -0 docker exec "$NAME" sinfo -h -N -o '%N %t'
  refute_output --regexp ' (idle|mix|alloc)$'
}

@test "swarm: a worker host stopped mid-job: its node is heard silent, the job completes on the other worker, and the host comes back with nothing of the cluster running" {
  run -0 as_ubuntu "$NAME" "sbatch --parsable -o lost.out --wrap 'hostname; sleep 20; echo finished'"
  job=$output
  wait_until 120 job_state_is "$NAME" "$job" RUNNING
  node=$(docker exec "$NAME" squeue -h -j "$job" -o %N)
  lost=$(node_host "$node")
  [ -n "$lost" ]
  DOCKER_HOST= docker stop -t 0 "$lost" >/dev/null
  wait_until 60 job_requeued "$NAME" "$job"
  wait_until 120 job_gone "$NAME" "$job"
  run -0 docker exec "$NAME" sacct -n -X -j "$job" -o state
  assert_output --partial COMPLETED
  run -0 tail -n 1 "$HOME_DIR/ubuntu/lost.out"
  assert_output finished
  # Heard silent by the frontend (EC4DOCK_SWARM_LOST_AFTER), before Swarm marked the host down
  # (its nodes would read "container exited" then).
  run -0 docker exec "$NAME" grep "\"action\":\"vanished\",\"node\":\"$node\"" /var/log/ec4docker/events.jsonl
  assert_output --partial '"reason":"container running, network gone"'
  # The host back: Swarm gives it no task of the cluster, and the node that died there does not
  # come back to life beside its replacement.
  DOCKER_HOST= docker start "$lost" >/dev/null
  wait_until 60 bash -c "[ \"\$(docker node inspect -f '{{.Status.State}}' $lost)\" = ready ]"
  run -0 docker node ps --filter desired-state=running -q "$lost"
  assert_output ''
  run -0 on "$lost" docker ps -q --filter "label=org.ec4docker.cluster=$NAME"
  assert_output ''
  # The dead task's exited container: Swarm removes it, but not always (moby/moby#42723); the
  # clean-up docs/swarm.md gives the admin, so that the next tests start from a clean host.
  run -0 on "$lost" docker container prune -f --filter "label=org.ec4docker.cluster=$NAME"
}

@test "swarm: a node no host can take (a constraint none meets) is a failed power-on, retried, then set aside; no service is left" {
  lone="${NAME}p"
  make_config "$BATS_TEST_TMPDIR/p" "EC4DOCK_SERVERNAME=$lone" "EC4DOCK_NODEBASENAME=${lone}n" EC4DOCK_MAXNODES=1 EC4DOCK_ORCHESTRATOR=swarm \
    EC4DOCK_SHARED_HOME=bind:/srv/ec4docker-home "EC4DOCK_REGISTRY=$HOSTS-mgr:5000" EC4DOCK_SWARM_CONSTRAINTS=node.labels.ec4docker-test==nowhere \
    EC4DOCK_RETRIES_POWER_ON=1 EC4DOCK_MAX_WAIT_POWERON=8
  run -0 "$SETUP" -f "$BATS_TEST_TMPDIR/p" -y
  run -0 as_ubuntu "$lone" "sbatch --parsable --wrap hostname"
  job=$output
  wait_until 120 bash -c "docker exec $lone sinfo -h -N -o %E | grep -q '^ec4docker: set aside'"
  run -0 docker exec "$lone" sinfo -h -N -o %E
  assert_output --regexp '^ec4docker: set aside: not up [0-9]+ s after power-on \(limit 8 s\); 2 failed power-ons, 1 retries allowed$'
  wait_until 30 no_service "$lone"
  run -0 docker exec "$lone" squeue -h -j "$job" -o %T
  assert_output PENDING
  run -0 "$SETUP" -t -y --purge -s "$lone"
}

@test "swarm, /home over NFS: the cluster's own server exports it to the Swarm's hosts only, owners by number" {
  nfs="${NAME}f"
  make_config "$BATS_TEST_TMPDIR/n" "EC4DOCK_SERVERNAME=$nfs" "EC4DOCK_NODEBASENAME=${nfs}n" EC4DOCK_MAXNODES=2 EC4DOCK_ORCHESTRATOR=swarm \
    EC4DOCK_SHARED_HOME=nfs "EC4DOCK_REGISTRY=$HOSTS-mgr:5000" EC4DOCK_SWARM_CONSTRAINTS=node.role==worker
  run -0 "$SETUP" -f "$BATS_TEST_TMPDIR/n" -y
  address=$(docker info --format '{{.Swarm.NodeAddr}}')
  run -0 docker inspect -f '{{.State.Running}} {{index .Config.Labels "org.ec4docker.role"}}' "$nfs-nfs"
  assert_output 'true nfs'
  # From a worker host (one of the export's clients), over NFSv4: this kernel has no NFS client,
  # libnfs speaks the protocol from userspace.
  run -0 on "$HOSTS-w1" nfs-ls "nfs://$address/home/?version=4"
  assert_output --partial ubuntu
  on "$HOSTS-w1" sh -c 'echo from-w1 >/tmp/f'
  run -0 on "$HOSTS-w1" nfs-cp /tmp/f "nfs://$address/home/ubuntu/from-w1?version=4&uid=1000&gid=1000"
  run -0 docker exec "$nfs" stat -c '%U %s' /home/ubuntu/from-w1
  assert_output 'ubuntu 8'
  # Another uid may not write in ubuntu's home; root is squashed.
  run ! on "$HOSTS-w1" nfs-cp /tmp/f "nfs://$address/home/ubuntu/other?version=4&uid=2000&gid=2000"
  run ! on "$HOSTS-w1" nfs-cp /tmp/f "nfs://$address/home/ubuntu/root?version=4&uid=0&gid=0"
  run -0 docker exec "$nfs" ls /home/ubuntu
  refute_line other
  refute_line root
  # A machine that is no host of the Swarm gets nothing.
  run ! env DOCKER_HOST= docker run --rm --network "$HOSTS-hosts" --entrypoint nfs-ls ec4docker:swarm-host "nfs://$address/home/?version=4"
  # A node's power-on has its host's engine mount the export: here it fails for want of a kernel
  # NFS client, and says so.
  run -1 docker exec "$nfs" /opt/ec4docker/poweron "${nfs}n1"
  assert_output --partial "power-on failed"
  wait_until 30 docker exec "$nfs" grep -q 'failed to mount local volume: .* addr=[0-9.]*,nfsvers=4.1: no such device' /var/log/ec4docker/events.jsonl
  run -0 "$SETUP" -t -y --purge -s "$nfs"
  run -0 cluster_on_swarm "$nfs"
  assert_output ''
}

@test "swarm: bad input gets one line and makes nothing: not a manager, no registry, a volume /home, an NFS address nobody reaches" {
  bad="${NAME}x"
  # A worker's engine is no manager.
  make_config "$BATS_TEST_TMPDIR/w" "EC4DOCK_SERVERNAME=$bad" "EC4DOCK_NODEBASENAME=${bad}n" EC4DOCK_ORCHESTRATOR=swarm \
    EC4DOCK_SHARED_HOME=bind:/srv/ec4docker-home "EC4DOCK_REGISTRY=$HOSTS-mgr:5000" \
    "EC4DOCK_DOCKER_HOST=tcp://$(DOCKER_HOST= docker inspect -f "{{(index .NetworkSettings.Networks \"$HOSTS-hosts\").IPAddress}}" "$HOSTS-w1"):2375"
  run --separate-stderr -2 "$SETUP" -f "$BATS_TEST_TMPDIR/w" -y
  assert_equal "${#stderr_lines[@]}" 1
  assert_equal "$stderr" "setup-cluster: EC4DOCK_ORCHESTRATOR=swarm: $(grep EC4DOCK_DOCKER_HOST "$BATS_TEST_TMPDIR/w" | cut -d= -f2) is not a Swarm manager; run setup-cluster against a manager (EC4DOCK_DOCKER_HOST), or make one with: docker swarm init"
  # A registry nobody answers at.
  make_config "$BATS_TEST_TMPDIR/r" "EC4DOCK_SERVERNAME=$bad" "EC4DOCK_NODEBASENAME=${bad}n" EC4DOCK_ORCHESTRATOR=swarm \
    EC4DOCK_SHARED_HOME=bind:/srv/ec4docker-home EC4DOCK_REGISTRY=nowhere.invalid:5000
  run --separate-stderr -2 "$SETUP" -f "$BATS_TEST_TMPDIR/r" -y
  assert_equal "${#stderr_lines[@]}" 1
  assert_regex "$stderr" '^setup-cluster: cannot push the node image to EC4DOCK_REGISTRY=nowhere.invalid:5000 \(.+\); every Swarm host must pull from it'
  run -1 docker image inspect nowhere.invalid:5000/ec4dslurm:wn
  # One engine's volume as the /home of many hosts.
  make_config "$BATS_TEST_TMPDIR/v" "EC4DOCK_SERVERNAME=$bad" "EC4DOCK_NODEBASENAME=${bad}n" EC4DOCK_ORCHESTRATOR=swarm "EC4DOCK_REGISTRY=$HOSTS-mgr:5000"
  run --separate-stderr -2 "$SETUP" -f "$BATS_TEST_TMPDIR/v" -y
  assert_equal "${#stderr_lines[@]}" 1
  assert_regex "$stderr" "EC4DOCK_SHARED_HOME volume is one engine's"
  # An NFS address where the server cannot be reached.
  make_config "$BATS_TEST_TMPDIR/a" "EC4DOCK_SERVERNAME=$bad" "EC4DOCK_NODEBASENAME=${bad}n" EC4DOCK_ORCHESTRATOR=swarm \
    EC4DOCK_SHARED_HOME=nfs EC4DOCK_NFS_ADDRESS=10.255.255.1 "EC4DOCK_REGISTRY=$HOSTS-mgr:5000"
  run --separate-stderr -1 "$SETUP" -f "$BATS_TEST_TMPDIR/a" -y
  assert_equal "${#stderr_lines[@]}" 1
  assert_regex "$stderr" "^setup-cluster: EC4DOCK_NFS_ADDRESS=10.255.255.1: the cluster's NFS server is not reachable at 10.255.255.1:2049 \\(.+\\); set an address of the manager that every host reaches$"
  run -0 cluster_on_swarm "$bad"
  assert_output ''
}

@test "swarm: terminate leaves no service, secret, network or volume of the cluster on any host" {
  run -0 as_ubuntu "$NAME" "sbatch --parsable --wrap 'sleep 300'"
  wait_until 120 job_state_is "$NAME" "$output" RUNNING
  run -0 "$SETUP" -t -y --purge -s "$NAME"
  assert_output --regexp "cluster $NAME terminated: .* 1 service\(s\), 2 secret\(s\) removed"
  wait_until 60 bash -c "[ -z \"\$($(declare -f on cluster_on_swarm); cluster_on_swarm $NAME)\" ]" || { cluster_on_swarm "$NAME" >&2; false; }
  # The users' files are the shared directory's: terminate never touches them.
  run -0 test -s "$HOME_DIR/ubuntu/spans.out"
}
