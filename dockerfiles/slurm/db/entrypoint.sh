#!/bin/bash
# Slurm accounting: MariaDB on the cluster's accounting volume, reached through its unix socket
# only (no network: slurmdbd is its one client, in this container), then slurmdbd. The database
# password is made at the first start and kept on that volume, never in an image or the config.
set -euo pipefail
. /usr/local/lib/ec4docker/lib.sh
: "${EC4DOCK_SERVERNAME:?is not set: the accounting container is started by setup-cluster}"
data=/var/lib/ec4docker/db
# 0711: mysql reaches its datadir below, no one lists what is here (the password file)
install -d -m 0711 "$data" && install -d -o mysql -g mysql -m 0700 "$data/mysql"
install -d -o mysql -g mysql -m 0755 /run/mysqld

if [ ! -d "$data/mysql/mysql" ]; then
  log "accounting: creating the database"
  cp -a /usr/share/ec4docker/db-template/. "$data/mysql/"
fi
[ -s "$data/slurmdbd.password" ] || (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$data/slurmdbd.password")
password=$(cat "$data/slurmdbd.password")

# slurmdbd's advice (it warns otherwise): a long lock wait; the buffer pool stays small here.
mariadbd --user=mysql --datadir="$data/mysql" --skip-networking --socket=/run/mysqld/mysqld.sock \
  --innodb-lock-wait-timeout=900 --innodb-buffer-pool-size=64M --innodb-log-file-size=16M --log-error= &
db=$!
trap 'kill -TERM "$db" 2>/dev/null' TERM INT
wait_for_daemon "$db" "MariaDB exited" mariadb-admin --socket=/run/mysqld/mysqld.sock ping
# Idempotent, and the password goes through stdin (not seen in ps).
mariadb --socket=/run/mysqld/mysqld.sock <<SQL
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$password';
ALTER USER 'slurm'@'localhost' IDENTIFIED BY '$password';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
SQL

# the cluster's keys: made here if this container comes before the frontend
make_munge_key
start_munge
jwt=
if [ "${EC4DOCK_REST_API:-no}" = yes ]; then
  make_secret jwt.key 32
  install -o slurm -g slurm -m 0600 "$SECRETS/jwt.key" /etc/slurm/jwt.key
  jwt=$'AuthAltTypes=auth/jwt\nAuthAltParameters=jwt_key=/etc/slurm/jwt.key'
fi
(umask 077 && cat >/etc/slurm/slurmdbd.conf <<CONF
# Written by ec4docker at every start of the accounting container.
AuthType=auth/munge
$jwt
DbdHost=$(hostname -s)
DbdPort=6819
SlurmUser=slurm
PidFile=/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=$password
StorageLoc=slurm_acct_db
CONF
)
chown slurm:slurm /etc/slurm/slurmdbd.conf
# Logs go to the container's output (docker logs), which the engine keeps to a size.
/usr/sbin/slurmdbd -D &
dbd=$!
trap 'kill -TERM "$dbd" 2>/dev/null; wait "$dbd"; kill -TERM "$db" 2>/dev/null' TERM INT
wait_for_daemon "$dbd" "slurmdbd exited; see docker logs" bash -c 'exec 3<>/dev/tcp/127.0.0.1/6819'
touch /run/ec4docker/ready
log "accounting for $EC4DOCK_SERVERNAME: ready"
wait "$dbd" || true
kill -TERM "$db" 2>/dev/null; wait "$db" || true
