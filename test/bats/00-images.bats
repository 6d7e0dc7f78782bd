#!/usr/bin/env bats
# The images: built offline from the shared base, with no secret baked in.

setup() { load helpers; }

@test "npm run images -- slurm builds the base, frontend tools, NFS server, frontend, working-node and accounting images, showing progress" {
  run -0 npm run -s images -- slurm
  assert_line --partial '==> [1/6] docker build -t ec4docker:base'
  assert_line --partial '==> [2/6] docker build -t ec4docker:frontend-tools'
  assert_line --partial '==> [3/6] docker build -t ec4docker:nfs'
  assert_line --partial '==> [5/6] docker build -t ec4dslurm:wn'
  assert_line --partial '==> [6/6] docker build -t ec4dslurm:db'
  assert_line --regexp '^==> images ec4dslurm:frontend, ec4dslurm:wn and ec4dslurm:db built in [0-9]+ s$'
}

@test "an unknown middleware is refused by the image build" {
  run --separate-stderr -2 bash "$ROOT/dockerfiles/build-images.sh" nosuch
  assert_equal "$stderr" "build-images: unknown middleware 'nosuch' (available: slurm, sge, torque)"
}

@test "a Torque source that is missing or is not Torque is refused before any build" {
  run --separate-stderr -2 env TORQUE_SOURCE=/nonexistent/torque.tar.gz bash "$ROOT/dockerfiles/build-images.sh" torque
  assert_equal "$stderr" "build-images: TORQUE_SOURCE /nonexistent/torque.tar.gz: no such file"
  tar -czf "$BATS_TEST_TMPDIR/other.tar.gz" -C "$ROOT" dockerfiles/base
  run --separate-stderr -2 env TORQUE_SOURCE="$BATS_TEST_TMPDIR/other.tar.gz" bash "$ROOT/dockerfiles/build-images.sh" torque
  assert_equal "$stderr" "build-images: $BATS_TEST_TMPDIR/other.tar.gz is not a Torque source tarball (no src/server/pbsd_main.c in it)"
  refute_output --partial 'docker build'
}

@test "npm run images -- torque compiles Torque from its source into slim frontend and node images, licences included" {
  run -0 npm run -s images -- torque
  assert_line --partial '==> [4/6] docker build -t ec4dtorque:build'
  assert_line --regexp '^==> images ec4dtorque:build, ec4dtorque:frontend and ec4dtorque:wn built in [0-9]+ s$'
  run -0 docker run --rm --entrypoint bash ec4dtorque:wn -c 'pbs_mom --version; ls /usr/share/doc/torque; command -v gcc pbs_server || true'
  assert_line 'Version: 6.1.3'
  assert_line LICENSE
  assert_line PBS_License.txt
  refute_output --partial /usr/
  run -0 docker run --rm --entrypoint bash ec4dtorque:frontend -c 'ls /usr/local/sbin; ls /opt/ec4docker'
  for c in pbs_server pbs_sched trqauthd poweron clues-monitor; do assert_line "$c"; done
}

@test "npm run images -- sge builds the Grid Engine frontend and working-node images" {
  run -0 npm run -s images -- sge
  assert_line --partial '==> [4/5] docker build -t ec4dsge:frontend'
  assert_line --regexp '^==> images ec4dsge:frontend and ec4dsge:wn built in [0-9]+ s$'
  run -0 docker image inspect -f '{{index .Config.Labels "org.ec4docker.middleware"}}' ec4dsge:wn
  assert_output sge
}

@test "no image holds a munge key or an SSH host or user key" {
  for image in ec4docker:base ec4dslurm:frontend ec4dslurm:wn ec4dslurm:db ec4dsge:frontend ec4dsge:wn ec4dtorque:frontend ec4dtorque:wn; do
    run -0 docker run --rm --entrypoint bash "$image" -c \
      'find /etc/munge /etc/ssh /etc/ec4docker /root /home /var/lib/gridengine /var/spool/torque -type f \( -name "*.key" -o -name "*_key" -o -name "id_*" \) 2>/dev/null | sort'
    assert_output ""
  done
}

@test "every image is Debian 13; Slurm is 24.11 with slurmdbd, slurmrestd and Open MPI 5 with PMIx" {
  for image in ec4docker:base ec4dslurm:frontend ec4dslurm:wn ec4dslurm:db ec4dsge:wn ec4dtorque:wn; do
    run -0 docker run --rm --entrypoint cat "$image" /etc/debian_version
    assert_output --regexp '^13\.'
  done
  run -0 docker run --rm --entrypoint bash ec4dslurm:frontend -c 'slurmctld -V; slurmrestd -V; mpicc --showme:version'
  assert_line --regexp '^slurm(-wlm)? 24\.11\.'
  assert_line --regexp 'Open MPI 5\.'
  run -0 docker run --rm --entrypoint bash ec4dslurm:db -c "dpkg-query -W -f '\${Version}\n' slurmdbd; mariadbd --version"
  assert_line --regexp '^24\.11\.'
  assert_output --partial 'MariaDB'
  # srun --mpi=list needs a cluster: Slurm's PMIx plugin and Open MPI are there (55-* runs them)
  run -0 docker run --rm --entrypoint bash ec4dslurm:wn -c 'ls /usr/lib/x86_64-linux-gnu/slurm-wlm; mpirun --version'
  assert_line mpi_pmix.so
  assert_output --partial 'Open MPI) 5.'
}

@test "the frontend image carries the commands as one executable, and needs no Node.js" {
  run -0 docker run --rm --entrypoint bash ec4dslurm:frontend -c 'ls /opt/ec4docker; command -v node || echo no-node'
  for c in ec4d poweron poweroff clues-monitor slurm-resume slurm-suspend slurm-prolog slurm-prolog-wait; do assert_line "$c"; done
  assert_line no-node
}

@test "each frontend links its middleware's commands, from the executable's own table, and shares the cron file" {
  run -0 docker run --rm --entrypoint bash ec4dsge:frontend -c 'cd /opt/ec4docker && for f in *; do echo "$f $(readlink "$f")"; done; cat /etc/cron.d/ec4docker'
  for c in poweron poweroff clues-monitor sge-init; do assert_line "$c ec4d"; done
  refute_line --partial 'slurm-'
  assert_line --partial '/opt/ec4docker/clues-monitor run'
  run -0 docker run --rm --entrypoint bash ec4dslurm:frontend -c 'cd /opt/ec4docker && ls | sort | tr "\n" " "'
  assert_output 'clues-monitor ec4d poweroff poweron slurm-conf slurm-init slurm-power-up slurm-prolog slurm-prolog-wait slurm-resume slurm-suspend '
}

@test "the images hold today's packages: munge is the version the Debian mirror offers now" {
  for image in ec4dslurm:wn ec4dsge:frontend; do
    run -0 docker run --rm --entrypoint bash "$image" -c 'apt-get update -qq >/dev/null 2>&1; apt-cache policy munge'
    installed=$(awk '/Installed:/ {print $2}' <<<"$output")
    candidate=$(awk '/Candidate:/ {print $2}' <<<"$output")
    [ -n "$installed" ] && [ "$installed" != "(none)" ]
    assert_equal "$installed" "$candidate"
  done
}

