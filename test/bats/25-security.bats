#!/usr/bin/env bats
# No cluster user and no job becomes root on the host: each test is an attack tried as a user
# would, against a real cluster and its engine gate.

setup_file() {
  load helpers
  export NAME=$(unique_name ec4ts)
  export NODE="${NAME}n"
  "$SETUP" -s "$NAME" -b "$NODE" -N 2 >/dev/null
  # another cluster's container, and an unlabelled one named like a node of this cluster
  docker run -d --name "$NAME-other" --label org.ec4docker.cluster=someone-else --label org.ec4docker.role=node --entrypoint sleep ec4dslurm:wn 600 >/dev/null
  in_place_of_spare "${NODE}2" run -d --name "${NODE}2" --entrypoint sleep ec4dslurm:wn 600
}

setup() { load helpers; }
teardown_file() { load helpers; docker rm -f "$NAME-other" "${NODE}2" >/dev/null 2>&1 || true; destroy "$NAME"; destroy_extras; kill "$(cat "$BATS_FILE_TMPDIR/relay" 2>/dev/null)" 2>/dev/null || true; }

# ssh_ubuntu 'command': as ubuntu over the SSH port the host sees, with the cluster's login key.
ssh_ubuntu() {
  local port; port=$(docker port "$NAME" 22 | head -1 | sed 's/.*://')
  ssh -i "$HOME/.ec4docker/$NAME/id_ed25519" -p "$port" -o BatchMode=yes -o LogLevel=ERROR \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null ubuntu@127.0.0.1 "$1"
}

# gate_refuses 'docker arguments': root in the frontend asks the engine, and the gate says no.
gate_refuses() {
  run --separate-stderr fe "$NAME" bash -c "docker $1"
  assert_failure
  assert_regex "$stderr" 'ec4docker gate: '
}

@test "ubuntu over SSH: no blanket sudo, no engine socket; sudo poweron and clues-monitor status work" {
  run ssh_ubuntu 'sudo -n true'
  assert_failure
  run ssh_ubuntu 'docker ps'
  assert_failure
  assert_output --partial 'permission denied'
  run -0 ssh_ubuntu "sudo -n /opt/ec4docker/poweron ${NODE}1"
  assert_output "${NODE}1: on (idle)"
  run -0 ssh_ubuntu '/opt/ec4docker/clues-monitor status'
  assert_line --regexp "^${NODE}1 +running +IDLE"
}

@test "the host's login key is authorized afresh by the frontend, not kept in the user's own authorized_keys" {
  run -0 ssh_ubuntu 'whoami'
  assert_output ubuntu
  run -0 as_ubuntu "$NAME" 'cat ~/.ssh/authorized_keys'
  refute_output --partial "$(cut -d' ' -f2 "$HOME/.ec4docker/$NAME/id_ed25519.pub")"
  run -0 fe "$NAME" cat /etc/ssh/ec4docker_keys/ubuntu
  assert_output "$(cat "$HOME/.ec4docker/$NAME/id_ed25519.pub")"
}

@test "a batch job sees no engine socket, and ssh to the frontend gives it no root" {
  run -0 as_ubuntu "$NAME" "sbatch --wrap 'ls /run/docker.sock /var/run/docker.sock > nosock.txt 2>&1; ssh -o BatchMode=yes $NAME sudo -n true > noroot.txt 2>&1; echo \"exit \$?\" >> noroot.txt'"
  wait_until 60 as_ubuntu "$NAME" 'grep -q "^exit" noroot.txt'
  run -0 as_ubuntu "$NAME" 'cat nosock.txt'
  assert_output --partial 'No such file'
  run -0 as_ubuntu "$NAME" 'tail -1 noroot.txt'
  refute_output 'exit 0'
}

@test "root in the frontend, through the gate: no host mount, no privilege, no host namespace, no other image" {
  local own="--name ${NODE}2 --label org.ec4docker.cluster=$NAME --label org.ec4docker.role=node --label org.ec4docker.node=${NODE}2 --cap-drop ALL --network container:${NODE}2-netns"
  gate_refuses "run -d $own -v /:/host ec4dslurm:wn"
  assert_regex "$stderr" 'may mount only'
  gate_refuses "run -d $own --privileged ec4dslurm:wn"
  assert_regex "$stderr" 'privileged containers are not allowed'
  gate_refuses "run -d $own --pid host ec4dslurm:wn"
  assert_regex "$stderr" 'PidMode=host is not allowed'
  gate_refuses "run -d $own ec4docker/debian:trixie"
  assert_regex "$stderr" 'must run image ec4dslurm:wn'
  gate_refuses "run -d --name evil -v /:/host ec4dslurm:wn"
  gate_refuses "exec $NAME-gate true"
  gate_refuses "volume rm $NAME-home"
}

@test "root in the frontend, through the gate: another cluster's container, an unlabelled one named like a node and the gate itself stay" {
  gate_refuses "rm -f $NAME-other"
  gate_refuses "rm -f ${NODE}2"
  gate_refuses "rm -f $NAME-gate"
  gate_refuses "stop $NAME-other"
  run -0 fe "$NAME" docker ps -a --format '{{.Names}}'
  refute_output --partial "$NAME-other"
  refute_line "${NODE}2"
  run -0 docker inspect -f '{{.State.Status}}' "$NAME-other" "${NODE}2" "$NAME-gate"
  assert_output "$(printf 'running\nrunning\nrunning')"
}

@test "the engine keeps the gate's and the frontend's own logs to a size" {
  run -0 docker inspect -f '{{index .HostConfig.LogConfig.Config "max-size"}} {{index .HostConfig.LogConfig.Config "max-file"}}' "$NAME-gate" "$NAME"
  assert_output "$(printf '10m 2\n10m 2')"
}

@test "an engine reached over tcp:// is gated too: the frontend gets the gate's socket, never the address" {
  local remote; remote=$(unique_name ec4tr)
  echo "$remote" >> "$BATS_FILE_TMPDIR/extra"
  local port=$((20000 + RANDOM % 20000))
  # the engine over TCP, as a remote engine would be: a relay to its socket (half-open, as
  # docker exec closes its side of the stream and waits for the output)
  node -e 'const net = require("net");
    net.createServer({ allowHalfOpen: true }, (c) => { const u = net.connect({ path: "/var/run/docker.sock", allowHalfOpen: true });
      c.pipe(u); u.pipe(c); c.on("error", () => u.destroy()); u.on("error", () => c.destroy()); })
    .listen(Number(process.argv[1]), "127.0.0.1");' "$port" 3>&- &
  echo $! > "$BATS_FILE_TMPDIR/relay"
  wait_until 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
  run -0 "$SETUP" -H "tcp://127.0.0.1:$port" -s "$remote" -b "${remote}n" -N 1
  run -0 docker inspect -f '{{.State.Status}}' "$remote-gate"
  assert_output running
  run -0 docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$remote"
  refute_output --partial 'tcp://'
  run --separate-stderr fe "$remote" bash -c 'docker run -d -v /:/host ec4dslurm:wn'
  assert_failure
  assert_regex "$stderr" 'ec4docker gate: '
  run -0 fe "$remote" /opt/ec4docker/poweron "${remote}n1"
  assert_output "${remote}n1: on (idle)"
}

@test "a foreign container named like a node survives the cluster's terminate" {
  run -0 "$SETUP" -s "$NAME" -t -y --purge
  run -0 docker inspect -f '{{.State.Status}}' "${NODE}2" "$NAME-other"
  assert_output "$(printf 'running\nrunning')"
  run -0 labelled "$NAME"
  assert_output ""
}
