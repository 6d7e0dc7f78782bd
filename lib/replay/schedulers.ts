// How the replay asks each scheduler, in the frontend: the command that submits a job of whole
// nodes, and the commands (with pure parsers of their text output) that tell which nodes are
// booting and whether any of the replay's jobs is left.
import type { ReplayJob } from './workload.ts';

export const MARKERS = '/home/ubuntu/replay';
export const JOB_SCRIPT = `${MARKERS}/job.sh`;

/**
 * The batch script every job runs (`job.sh ID SECONDS`): a start marker with the time and its
 * nodes (Slurm's hostlist, Grid Engine's PE host file, else this host), its run time, an end marker.
 */
export const JOB_SCRIPT_TEXT = `#!/bin/bash
if [ -n "\${SLURM_JOB_NODELIST:-}" ]; then nodes=$SLURM_JOB_NODELIST
elif [ -n "\${PE_HOSTFILE:-}" ]; then nodes=$(cut -d' ' -f1 "$PE_HOSTFILE" | cut -d. -f1 | paste -sd, -)
else nodes=$(hostname -s); fi
echo "$(date +%s.%N) $nodes" >> ${MARKERS}/$1.start
sleep "$2"
echo "$(date +%s.%N)" >> ${MARKERS}/$1.end
`;

export interface ReplayScheduler {
  /** The command that submits a job (run as ubuntu in /home/ubuntu). */
  submit(job: ReplayJob): string[];
  booting: { command: string[]; parse(out: string): string[] }; // nodes powered on, not yet ready
  queued: { command: string[]; parse(out: string): boolean }; // any replay job left
}

const jobName = (job: ReplayJob) => `r${job.id}`;
const isReplayJob = (name: string) => /^r[0-9]+$/.test(name);
const lines = (out: string) => out.split('\n').map((l) => l.trim()).filter(Boolean);

const slurm: ReplayScheduler = {
  submit: (job) => ['sbatch', '--parsable', '-N', String(job.nodes), '--exclusive', '-J', jobName(job), '-o', '/dev/null', JOB_SCRIPT, String(job.id), job.runFor.toFixed(3)],
  // '#' after the state: powering up
  booting: { command: ['sinfo', '-h', '-N', '-o', '%N %t'], parse: (out) => lines(out).filter((l) => l.endsWith('#')).map((l) => l.split(' ')[0]) },
  queued: { command: ['squeue', '-h', '-o', '%j'], parse: (out) => lines(out).some(isReplayJob) },
};

/** Job names of `qstat` rows (job-ID prior name user state date time [queue] slots); headers and rules skipped. */
function qstatJobNames(out: string): string[] {
  return lines(out).flatMap((l) => {
    const f = l.split(/\s+/);
    return /^[0-9]+$/.test(f[0]) && f.length >= 8 ? [f[2]] : [];
  });
}

// One slot per node (EC4DOCK_NODE_CPUS=1): a job of k nodes asks k slots of the 'make' parallel
// environment, whose $round_robin allocation gives one slot on each of k hosts.
const gridEngine: ReplayScheduler = {
  submit: (job) => ['qsub', '-terse', '-N', jobName(job), '-o', '/dev/null', '-j', 'y', ...(job.nodes > 1 ? ['-pe', 'make', String(job.nodes)] : []),
    JOB_SCRIPT, String(job.id), job.runFor.toFixed(3)],
  // a host added for a power-on shows 'u' (unknown) until its execd reports; main.q only (the
  // queue of powered-off nodes, on the frontend, which runs no execd, is 'u' for good)
  booting: {
    command: ['qstat', '-f', '-q', 'main.q'],
    parse: (out) => lines(out).flatMap((l) => {
      const f = l.split(/\s+/);
      return f[0].startsWith('main.q@') && f.length >= 6 && f[5].includes('u') ? [f[0].split('@')[1].split('.')[0]] : [];
    }),
  },
  queued: { command: ['qstat', '-u', '*'], parse: (out) => qstatJobNames(out).some(isReplayJob) },
};

export const REPLAY_SCHEDULERS: Record<string, ReplayScheduler> = { slurm, sge: gridEngine };

const SUBMITTED = 'ec4d-replay: submitted';

/**
 * One bash script that runs the submit commands in order and stops at the first that fails,
 * printing SUBMITTED and the time (bash's clock, no process) after each that succeeded: the job's
 * submit time is when the scheduler took it, not when the exec that carried it began. Jobs due
 * together go in one `docker exec`.
 */
export function submitScript(commands: readonly string[][]): string {
  return commands.map((argv) => `${argv.map(shellWord).join(' ')} >/dev/null || exit 1; echo "${SUBMITTED} $EPOCHREALTIME"\n`).join('');
}

/** A word bash reads back as `text`: single-quoted, each ' written as '\\''. */
const shellWord = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;

/**
 * When each of a submitScript's commands that succeeded returned (epoch seconds; NaN if the time
 * is unreadable), in order: one per command, so none is submitted twice. A locale may write the
 * decimal point as a comma.
 */
export const submittedTimes = (out: string): number[] => lines(out).flatMap((l) => {
  if (l !== SUBMITTED && !l.startsWith(`${SUBMITTED} `)) return [];
  return [Number(l.slice(SUBMITTED.length + 1).replace(',', '.') || NaN)];
});
