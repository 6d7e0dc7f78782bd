#!/usr/bin/env bats
# What a Slurm user of today expects beyond batch jobs: MPI across nodes, job accounting in a
# real database (MariaDB + slurmdbd), and the REST API (slurmrestd with JWT).

setup_file() {
  load helpers
  export NAME=$(unique_name ec4tv)
  make_config "$BATS_FILE_TMPDIR/c" "EC4DOCK_SERVERNAME=$NAME" "EC4DOCK_NODEBASENAME=${NAME}n" EC4DOCK_MAXNODES=2 \
    EC4DOCK_NODE_CPUS=2 EC4DOCK_IDLE_TIME=5 EC4DOCK_REST_API=yes
  "$SETUP" -f "$BATS_FILE_TMPDIR/c" >"$BATS_FILE_TMPDIR/setup.out"
}

setup() { load helpers; }
teardown_file() { load helpers; destroy "$NAME"; }

# sacct_line JOB: the job's allocation as ubuntu sees it in the accounting: id|nodes|state|exit code.
sacct_line() { as_ubuntu "$NAME" "sacct -X -n -P -j $1 -o JobID,NodeList,State,ExitCode"; }
sacct_done() { [[ "$(sacct_line "$1")" =~ \|(COMPLETED|FAILED)\| ]]; }
# mpi_start_race OUTPUT: a rank died of SIGSEGV inside MPI_Init, Open MPI 5.0's start-up race
# under srun (open-mpi/ompi#12495; README, Troubleshooting), which is not ec4docker's: run again once.
mpi_start_race() { grep -q 'Segmentation fault' <<<"$1" && grep -q 'ompi_mpi_init' <<<"$1"; }
# mpi_hello_srun: srun --mpi=pmix -N 2 -n 4 ./hello as ubuntu, into $status and $output.
mpi_hello_srun() { run timeout 120 docker exec -u ubuntu -w /home/ubuntu "$NAME" srun --mpi=pmix -N 2 -n 4 ./hello; }
# mpi_hello_sbatch: sbatch ... 'mpirun ./hello', waits for it; mpirun.out into $output.
mpi_hello_sbatch() {
  local job
  job=$(as_ubuntu "$NAME" "sbatch --parsable -N 2 -n 4 -o mpirun.out --wrap 'mpirun ./hello'")
  wait_until 90 job_gone "$NAME" "$job"
  run -0 as_ubuntu "$NAME" 'cat mpirun.out'
}

@test "MPI from an all-off cluster: srun --mpi=pmix -N 2 -n 4 runs 4 ranks on 2 nodes, and so does sbatch with mpirun" {
  run -0 node_containers "$NAME"
  assert_output ""
  as_ubuntu "$NAME" 'cat > hello.c <<EOF
#include <mpi.h>
#include <stdio.h>
int main(int argc, char **argv) {
  int rank, size, len; char host[MPI_MAX_PROCESSOR_NAME];
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank); MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Get_processor_name(host, &len);
  int sum = 0; MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  printf("rank %d of %d on %s sum %d\n", rank, size, host, sum);
  MPI_Finalize(); return 0;
}
EOF
mpicc -o hello hello.c'
  mpi_hello_srun
  if [ "$status" -ne 0 ] && mpi_start_race "$output"; then echo "# Open MPI's start-up race; srun again" >&3; mpi_hello_srun; fi
  assert_success
  assert_equal "$(grep -c '^rank [0-3] of 4 on .* sum 6$' <<<"$output")" 4
  assert_equal "$(awk '/^rank/ { print $6 }' <<<"$output" | sort -u | tr '\n' ' ')" "${NAME}n1 ${NAME}n2 "
  mpi_hello_sbatch
  if mpi_start_race "$output"; then echo "# Open MPI's start-up race; sbatch again" >&3; mpi_hello_sbatch; fi
  assert_equal "$(grep -c '^rank [0-3] of 4 on .* sum 6$' <<<"$output")" 4
  assert_equal "$(awk '/^rank/ { print $6 }' <<<"$output" | sort -u | wc -l)" 2
}

@test "sacct as ubuntu shows each job with its node, state and exit code, also after a frontend restart" {
  run -0 as_ubuntu "$NAME" "sbatch --parsable -w ${NAME}n1 --wrap true"
  ok=$output
  run -0 as_ubuntu "$NAME" "sbatch --parsable -w ${NAME}n1 --wrap 'exit 3'"
  failed=$output
  wait_until 90 sacct_done "$ok"
  wait_until 30 sacct_done "$failed"
  run -0 sacct_line "$ok"
  assert_output "$ok|${NAME}n1|COMPLETED|0:0"
  run -0 sacct_line "$failed"
  assert_output "$failed|${NAME}n1|FAILED|3:0"
  docker restart "$NAME" >/dev/null
  wait_until 60 fe "$NAME" test -e /run/ec4docker/ready
  run -0 sacct_line "$ok"
  assert_output "$ok|${NAME}n1|COMPLETED|0:0"
  run -0 sacct_line "$failed"
  assert_output "$failed|${NAME}n1|FAILED|3:0"
}

@test "the database password is the cluster's own, in no image, config or docker inspect" {
  run -0 docker exec "$NAME-db" cat /var/lib/ec4docker/db/slurmdbd.password
  password=$output
  [ "${#password}" -ge 24 ]
  run -0 docker inspect "$NAME-db" "$NAME" ec4dslurm:db
  refute_output --partial "$password"
  run -0 docker exec "$NAME-db" stat -c '%a %U' /var/lib/ec4docker/db/slurmdbd.password /etc/slurm/slurmdbd.conf
  assert_output "$(printf '600 root\n600 slurm')"
  # MariaDB has no network port: slurmdbd, beside it, is its one client
  run docker exec "$NAME-db" bash -c 'exec 3<>/dev/tcp/127.0.0.1/3306'
  assert_failure
}

@test "REST API on 127.0.0.1 only: with a token, nodes and jobs are listed, and a job submitted through it runs on a node that was off" {
  run -0 docker port "$NAME" 6820
  assert_output --regexp '^127\.0\.0\.1:[0-9]+$'
  url="http://$output"
  # as setup-cluster printed it (the port was another before the frontend's restart)
  run -0 grep -E '^REST API \(slurmrestd\): http://127\.0\.0\.1:[0-9]+; ' "$BATS_FILE_TMPDIR/setup.out"
  wait_until 90 no_node_container "$NAME"
  run -0 as_ubuntu "$NAME" 'scontrol token lifespan=600'
  token=${output#SLURM_JWT=}
  auth=(-H 'X-SLURM-USER-NAME: ubuntu' -H "X-SLURM-USER-TOKEN: $token")
  run curl -s -o /dev/null -w '%{http_code}' "$url/slurm/v0.0.42/nodes"
  assert_output 401
  run -0 curl -sf "${auth[@]}" "$url/slurm/v0.0.42/nodes"
  assert_equal "$(jq -r '[.nodes[].name] | sort | join(" ")' <<<"$output")" "${NAME}n1 ${NAME}n2"
  body='{"job": {"script": "#!/bin/bash\nhostname > rest.out", "current_working_directory": "/home/ubuntu", "environment": ["PATH=/usr/bin:/bin"], "name": "rest"}}'
  run -0 curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d "$body" "$url/slurm/v0.0.42/job/submit"
  job=$(jq -r .job_id <<<"$output")
  [[ "$job" =~ ^[0-9]+$ ]]
  run -0 curl -sf "${auth[@]}" "$url/slurm/v0.0.42/jobs"
  run -0 jq -r --arg id "$job" '.jobs[] | select(.job_id == ($id | tonumber)) | .name' <<<"$output"
  assert_output rest
  wait_until 90 job_gone "$NAME" "$job"
  run -0 as_ubuntu "$NAME" 'cat rest.out'
  assert_output --regexp "^${NAME}n[12]$"
}

@test "-t keeps the accounting database like /home: the next cluster of that name shows the old jobs; --purge removes it" {
  run -0 as_ubuntu "$NAME" "sacct -n -X -P -o JobID | head -1"
  first=$output
  run -0 "$SETUP" -s "$NAME" -t -y
  assert_output --partial "$NAME-accounting (the job accounting database)"
  run -0 docker volume inspect "$NAME-accounting"
  "$SETUP" -f "$BATS_FILE_TMPDIR/c" >/dev/null
  run -0 as_ubuntu "$NAME" "sacct -n -X -P -o JobID -S now-1days | head -1"
  assert_output "$first"
  run -0 "$SETUP" -s "$NAME" -t -y --purge
  run docker volume inspect "$NAME-accounting"
  assert_failure
}
