# Shell helpers shared by the entrypoints (sourced; POSIX sh + bash).
SECRETS=/etc/ec4docker/secrets

log() { echo "ec4docker: $*" >&2; }
die() { echo "ec4docker: ERROR: $*" >&2; exit 1; }

# wait_for TEST PATH SECONDS: wait until `test TEST PATH` holds (-s: a file that is not empty,
# -S: a socket), or die.
wait_for() {
  local i=0
  until test "$1" "$2"; do
    i=$((i + 1)); [ "$i" -le $(($3 * 10)) ] || die "waited $3 s for $2"
    sleep 0.1
  done
}

# start_munge: install the cluster's munge key (from the secrets volume; a node waits for the
# frontend to make it) and start munged. A node's boot waits for each process here (some 7-10 ms
# a start on a small VM): directories the image made are not made again, and setpriv starts
# munged without runuser's PAM session (25 ms against 40).
start_munge() {
  wait_for -s "$SECRETS/munge.key" 60
  install -o munge -g munge -m 0400 "$SECRETS/munge.key" /etc/munge/munge.key
  [ -d /run/munge ] || install -d -o munge -g munge -m 0755 /run/munge
  setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged
}

# start_sshd: a fresh ed25519 host key (fast), then sshd.
start_sshd() {
  [ -f /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key </dev/null >/dev/null
  [ -d /run/sshd ] || install -d -m 0755 /run/sshd
  /usr/sbin/sshd
}

# frontend_setup: what every frontend does first. Writes the cluster's config for commands started
# without this environment (the scheduler's programs, cron); makes root's key (ssh from the
# frontend to the nodes; only the public half goes to the nodes) and ubuntu's (in the shared
# /home, so it reaches every node); authorizes the host's login key; passwords only if configured.
frontend_setup() {
  # The ready mark: on a tmpfs setup-cluster mounts, so a restarted frontend is not ready until
  # this start is (removed as well, for a frontend started without it).
  install -d -m 0755 /run/ec4docker && rm -f /run/ec4docker/ready
  env | grep '^EC4DOCK_' | sort >/etc/ec4docker/cluster.env
  # The engine through the cluster's gate (setup-cluster mounts its socket here), at the path
  # the docker CLI uses by default: the scheduler runs ec4docker's programs with no environment.
  if [ -d /run/ec4docker-gate ]; then
    wait_for -S /run/ec4docker-gate/docker.sock 30
    ln -sfn /run/ec4docker-gate/docker.sock /run/docker.sock
  fi
  (umask 077
   install -d -m 0700 /root/.ssh
   [ -s /root/.ssh/id_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -C "root@$EC4DOCK_SERVERNAME" -f /root/.ssh/id_ed25519
   install -m 0644 /root/.ssh/id_ed25519.pub "$SECRETS/root_authorized_keys")
  local home=/home/ubuntu
  install -d -o ubuntu -g ubuntu -m 0755 "$home"
  install -d -o ubuntu -g ubuntu -m 0700 "$home/.ssh"
  [ -s "$home/.ssh/id_ed25519" ] || runuser -u ubuntu -- ssh-keygen -q -t ed25519 -N '' -C "ubuntu@$EC4DOCK_SERVERNAME" -f "$home/.ssh/id_ed25519"
  _authorize "$home" "$(cat "$home/.ssh/id_ed25519.pub")"
  chown ubuntu:ubuntu "$home/.ssh/authorized_keys" && chmod 0600 "$home/.ssh/authorized_keys"
  # The host's login key: written afresh at every start, outside the shared /home (sshd reads it
  # too), so that no earlier cluster's key stays authorized and the user's own file stays theirs.
  install -d -m 0755 /etc/ssh/ec4docker_keys
  printf '%s\n' "${EC4D_AUTHORIZED_KEY:-}" >/etc/ssh/ec4docker_keys/ubuntu && chmod 0644 /etc/ssh/ec4docker_keys/ubuntu
  if [ "${EC4D_PASSWORD_LOGIN:-no}" = yes ]; then
    sed -i 's/^PasswordAuthentication no/PasswordAuthentication yes/' /etc/ssh/sshd_config.d/ec4docker.conf
  fi
}
_authorize() { grep -qxF "$2" "$1/.ssh/authorized_keys" 2>/dev/null || echo "$2" >>"$1/.ssh/authorized_keys"; }

# engine_group USER: gives USER the group of the engine's socket (the gate's, or the engine's).
engine_group() {
  [ -S /var/run/docker.sock ] || return 0
  local gid group
  gid=$(stat -L -c %g /var/run/docker.sock)
  group=$(getent group "$gid" | cut -d: -f1 || true)
  [ -n "$group" ] || { groupadd -g "$gid" dockerhost && group=dockerhost; }
  usermod -aG "$group" "$1"
}

# make_secret FILE BYTES: a random key on the secrets volume, made once per cluster by whichever
# container comes first (the frontend, or the accounting database that starts beside it): each
# writes its own file and links it into place, which fails if one is there, so all read one key.
make_secret() {
  [ ! -s "$SECRETS/$1" ] || return 0
  local tmp="$SECRETS/.$1.$(hostname)"
  (umask 077 && dd if=/dev/urandom of="$tmp" bs="$2" count=1 2>/dev/null)
  ln "$tmp" "$SECRETS/$1" 2>/dev/null || true
  rm -f "$tmp"
}
make_munge_key() { make_secret munge.key 1024; }

# start_node_sshd: on a working node, root's authorized key (the frontend's, from the read-only
# secrets volume), then sshd.
start_node_sshd() {
  [ -d /root/.ssh ] || install -d -m 0700 /root/.ssh
  [ ! -s "$SECRETS/root_authorized_keys" ] || install -m 0600 "$SECRETS/root_authorized_keys" /root/.ssh/authorized_keys
  start_sshd
}

# wait_for_daemon PID WHAT CMD...: until CMD succeeds (the daemon answers); dies naming WHAT
# (where to look) if the daemon's process PID exits first.
wait_for_daemon() {
  local pid=$1 what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || die "$what"
    sleep 0.2
  done
}

# supervise_monitor: clues-monitor, started again a second after it ends (killed, or failed), so a
# monitor that dies is back at once rather than at cron's next minute; cron still starts it should
# this loop itself be gone. A copy started while another holds the lock waits for it (--wait).
# Starts that keep ending within 10 s are spaced out, up to a minute apart.
supervise_monitor() {
  local delay=1 since status
  echo "$BASHPID" >/run/ec4docker/monitor-supervisor.pid
  while :; do
    since=$SECONDS status=0
    setsid /opt/ec4docker/clues-monitor run --wait >>/var/log/ec4docker/monitor.log 2>&1 </dev/null || status=$?
    if [ $((SECONDS - since)) -ge 10 ]; then delay=1; else delay=$((delay * 2 > 60 ? 60 : delay * 2)); fi
    echo "$(date -u +%FT%T.%3NZ) supervisor: clues-monitor ended (status $status), started again in $delay s" >>/var/log/ec4docker/monitor.log
    sleep "$delay"
  done
}

# start_monitor: cron, and clues-monitor under its supervisor; then the frontend is ready.
start_monitor() {
  "$(command -v cron || command -v crond)"
  supervise_monitor &
  # ready means watched: wait (10 s at most; cron retries) until the monitor holds its lock
  for _ in $(seq 1 50); do /opt/ec4docker/clues-monitor running && break; sleep 0.2; done
  touch /run/ec4docker/ready
  log "frontend $EC4DOCK_SERVERNAME: ready"
}
