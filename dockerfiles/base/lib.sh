# Shell helpers shared by the entrypoints (sourced; POSIX sh + bash).
SECRETS=/etc/ec4docker/secrets

log() { echo "ec4docker: $*" >&2; }
die() { echo "ec4docker: ERROR: $*" >&2; exit 1; }

# wait_for_file FILE SECONDS: wait until FILE exists and is not empty, or die.
wait_for_file() {
  local i=0
  until [ -s "$1" ]; do
    i=$((i + 1)); [ "$i" -le $(($2 * 10)) ] || die "waited $2 s for $1"
    sleep 0.1
  done
}

# start_munge: install the cluster's munge key (from the secrets volume) and start munged.
start_munge() {
  install -o munge -g munge -m 0400 "$SECRETS/munge.key" /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged
}

# start_sshd: a fresh ed25519 host key (fast), then sshd.
start_sshd() {
  [ -f /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key </dev/null >/dev/null
  install -d -m 0755 /run/sshd
  /usr/sbin/sshd
}
