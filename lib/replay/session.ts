// The replay's I/O: one cluster made for it, the trace's jobs submitted on time, faults injected,
// and what happened read back (markers in /home, the engine's node events).
import { spawn } from 'node:child_process';
import { UserError } from '../core/errors.ts';
import { expandHostlist } from '../core/hostlist.ts';
import { lastLine, run, runChecked, sleep, waitFor } from '../io/run.ts';
import { everyJobEnded, type JobMarks, MID_JOB_MARGIN_SECONDS, nodesMidJob, nodesStillBooting, type PlannedFault, seededRandom } from './faults.ts';
import type { JobRecord, JobRun, PowerInterval } from './outcome.ts';
import { JOB_SCRIPT, JOB_SCRIPT_TEXT, MARKERS, REPLAY_SCHEDULERS, type ReplayScheduler, submitScript, submittedTimes } from './schedulers.ts';
import type { ReplayJob } from './workload.ts';

export interface ClusterSpec {
  setup: string; // the setup-cluster executable
  name: string;
  nodes: number;
  middleware: string; // a key of REPLAY_SCHEDULERS
  idleSeconds: number;
  static: boolean; // every node on for the whole replay (-d)
}

export interface Recorded {
  jobs: JobRecord[];
  runs: JobRun[];
  power: PowerInterval[];
  deaths: Array<{ node: string; at: number }>;
  faults: Array<{ kind: string; at: number; node?: string; note?: string }>;
  start: number; // epoch seconds
  end: number;
}

const now = (): number => Date.now() / 1000;
const schedulerOf = (spec: ClusterSpec): ReplayScheduler => REPLAY_SCHEDULERS[spec.middleware];

/** A scheduler command's output in the frontend ('' when it fails: the frontend may be restarting). */
async function ask(spec: ClusterSpec, command: string[]): Promise<string> {
  const result = await run('docker', ['exec', spec.name, ...command], { timeout: '30s' });
  return result.exitCode === 0 ? result.stdout : '';
}

/** Makes the replay's cluster (removed by removeCluster); jobs take whole nodes, one CPU each. */
export async function makeCluster(spec: ClusterSpec, configFile: string, writeConfig: (path: string, text: string) => void): Promise<void> {
  writeConfig(configFile, [
    `EC4DOCK_SERVERNAME=${spec.name}`, `EC4DOCK_NODEBASENAME=${spec.name}n`, `EC4DOCK_MAXNODES=${spec.nodes}`,
    `EC4DOCK_MIDDLEWARE=${spec.middleware}`, 'EC4DOCK_NODE_CPUS=1', `EC4DOCK_IDLE_TIME=${spec.idleSeconds}`,
    `EC4DOCK_ELASTICITY=${spec.static ? 'none' : 'monitor'}`, 'EC4DOCK_ACCOUNTING=no',
  ].join('\n') + '\n');
  await runChecked(spec.setup, ['-f', configFile, '-y', ...(spec.static ? ['-d'] : [])], `setup-cluster ${spec.name}`, '900s');
  await runChecked('docker', ['exec', '-i', '-u', 'ubuntu', spec.name, 'bash', '-c', `mkdir -p ${MARKERS} && cat > ${JOB_SCRIPT} && chmod +x ${JOB_SCRIPT}`],
    'write the job script', '120s', JOB_SCRIPT_TEXT);
}

export async function removeCluster(spec: ClusterSpec): Promise<void> {
  const result = await run(spec.setup, ['-s', spec.name, '-t', '-y', '--purge'], { timeout: '300s' });
  if (result.exitCode !== 0) console.error(`replay: warning: cluster ${spec.name} not all removed (${lastLine(result.stderr) || `exit ${result.exitCode}`}); again: ${spec.setup} -s ${spec.name} -t -y --purge`);
}

/**
 * Submits every job at its time (from `start`); returns each job's submit time: when its submit
 * command returned, the scheduler holding it. The jobs due by the time a submit begins go in one
 * `docker exec`, in the trace's order: on a loaded host an exec takes seconds, and one per job
 * fell up to 43 s behind the trace.
 */
async function submitAll(spec: ClusterSpec, jobs: readonly ReplayJob[], start: number): Promise<Map<number, number>> {
  const submitted = new Map<number, number>();
  let next = 0;
  while (next < jobs.length) {
    const wait = start + jobs[next].submitAt - now();
    if (wait > 0) await sleep(wait * 1000);
    const due: ReplayJob[] = [];
    while (next < jobs.length && start + jobs[next].submitAt <= now()) due.push(jobs[next++]);
    // a fault may be restarting the frontend: try the rest again for a minute, as a user would
    const deadline = Date.now() + 60_000;
    for (let left = due; left.length > 0;) {
      const exec = ['exec', '-i', '-u', 'ubuntu', '-w', '/home/ubuntu', spec.name, 'bash', '-s'];
      const began = now();
      const result = await run('docker', exec, { timeout: '120s', input: submitScript(left.map((job) => schedulerOf(spec).submit(job))) });
      const times = submittedTimes(result.stdout);
      times.forEach((at, i) => submitted.set(left[i].id, Number.isFinite(at) ? at : began));
      left = left.slice(times.length);
      if (left.length > 0 && Date.now() > deadline) throw new UserError(`submit job ${left[0].id}: ${lastLine(result.stderr) || `exit ${result.exitCode}`}`);
      if (left.length > 0) await sleep(1000);
    }
  }
  return submitted;
}

/** Of these nodes, those whose container runs, with the time it started (not only registered). */
async function containersStarted(nodes: readonly string[]): Promise<Array<{ node: string; startedAt: number }>> {
  if (nodes.length === 0) return [];
  const out = await run('docker', ['inspect', '-f', '{{.Name}} {{.State.Running}} {{.State.StartedAt}}', ...nodes], { timeout: '30s' });
  return out.stdout.split('\n').flatMap((line) => {
    const [name, running, started] = line.trim().split(' ');
    return running === 'true' ? [{ node: name.replace(/^\//, ''), startedAt: Date.parse(started) / 1000 }] : [];
  });
}

/**
 * Injects one fault; returns what was done. A node mid-job or a booting node is looked for until
 * every job has ended (or `deadline`): jobs and boots last seconds, some only one.
 */
async function inject(spec: ClusterSpec, fault: PlannedFault, random: () => number, deadline: number, runFor: ReadonlyMap<number, number>): Promise<{ kind: string; at: number; node?: string; note?: string }> {
  const at = now();
  const killOneOf = async (targets: (marks: ReadonlyMap<number, JobMarks>) => Promise<string[]>, none: string) => {
    const node = await waitFor(async () => {
      const marks = await readMarkers(spec).catch(() => undefined); // none while the frontend restarts
      if (marks && everyJobEnded(marks, runFor)) return null; // nothing left to hit
      const nodes = marks ? await targets(marks) : [];
      return nodes.length > 0 ? nodes[Math.floor(random() * nodes.length)] : undefined;
    }, (deadline - now()) * 1000, 100);
    if (!node) return { kind: fault.kind, at, note: `no ${none} from then to the last job's end` };
    await run('docker', ['kill', node], { timeout: '30s' });
    return { kind: fault.kind, at: now(), node };
  };
  switch (fault.kind) {
    case 'kill_monitor':
      await run('docker', ['exec', spec.name, 'pkill', '-f', 'clues-monitor run'], { timeout: '30s' });
      return { kind: fault.kind, at };
    case 'restart_frontend':
      await run('docker', ['restart', spec.name], { timeout: '120s' });
      return { kind: fault.kind, at };
    case 'kill_busy_node':
      return killOneOf(async (marks) => nodesMidJob(marks, runFor, now(), MID_JOB_MARGIN_SECONDS), 'node mid-job');
    case 'stop_booting_node':
      return killOneOf(async (marks) => {
        const { booting } = schedulerOf(spec);
        const nodes = booting.parse(await ask(spec, booting.command));
        return nodesStillBooting(await containersStarted(nodes), marks);
      }, 'node booted');
  }
}

/**
 * Runs the faults at their times (from `start`): a node mid-job and a booting node are each looked
 * for on their own, as long as it takes; the monitor's kill and the frontend's restart come one
 * after the other. Each has its own random stream: the same seed picks the same nodes.
 */
async function injectAll(spec: ClusterSpec, jobs: readonly ReplayJob[], faults: readonly PlannedFault[], start: number, deadline: number, seed: number): Promise<Recorded['faults']> {
  const runFor = new Map(jobs.map((j) => [j.id, j.runFor]));
  const injectOne = async (fault: PlannedFault) => {
    await sleep(Math.max(0, start + fault.at - now()) * 1000);
    return inject(spec, fault, seededRandom(seed + 1 + faults.indexOf(fault)), deadline, runFor);
  };
  const apart = (f: PlannedFault) => f.kind === 'stop_booting_node' || f.kind === 'kill_busy_node';
  const inOrder = async () => {
    const done: Recorded['faults'] = [];
    for (const fault of faults.filter((f) => !apart(f))) done.push(await injectOne(fault));
    return done;
  };
  const [ordered, ...alone] = await Promise.all([inOrder(), ...faults.filter(apart).map(injectOne)]);
  return [...ordered, ...alone].sort((a, b) => a.at - b.at);
}

/** Until the cluster holds none of the replay's jobs and every job was submitted. */
async function drain(spec: ClusterSpec, deadline: number): Promise<void> {
  const { queued } = schedulerOf(spec);
  while (now() < deadline) {
    const q = await run('docker', ['exec', spec.name, ...queued.command], { timeout: '30s' });
    if (q.exitCode === 0 && !queued.parse(q.stdout)) return;
    await sleep(1000);
  }
}

/** The markers: per job, its start times with nodes, and its end times. */
async function readMarkers(spec: ClusterSpec): Promise<Map<number, JobMarks>> {
  const out = await runChecked('docker', ['exec', spec.name, 'bash', '-c', `cd ${MARKERS} && grep -H . *.start *.end 2>/dev/null || true`], 'read the job markers', '120s');
  const markers = new Map<number, JobMarks>();
  for (const line of out.split('\n').filter(Boolean)) {
    const m = /^([0-9]+)\.(start|end):([0-9.]+)\s*(\S*)/.exec(line);
    if (!m) continue;
    const id = Number(m[1]);
    const entry = markers.get(id) ?? { starts: [], ends: [] };
    if (m[2] === 'start') entry.starts.push({ at: Number(m[3]), nodes: m[4] ? expandHostlist(m[4]) : [] });
    else entry.ends.push(Number(m[3]));
    markers.set(id, entry);
  }
  return markers;
}

/**
 * Node containers starting and dying, as the engine reports them, followed live from before the
 * replay: the engine keeps only its last 256 events, which a replay's docker exec calls outrun.
 */
function followPower(spec: ClusterSpec): { stop: () => Promise<{ power: PowerInterval[]; deaths: Recorded['deaths'] }> } {
  const child = spawn('docker', ['events', '--filter', `label=org.ec4docker.cluster=${spec.name}`, '--filter', 'label=org.ec4docker.role=node',
    '--filter', 'type=container', '--filter', 'event=start', '--filter', 'event=die', '--format', '{{.Action}} {{.Actor.Attributes.name}} {{.TimeNano}}'],
  { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => { text += chunk.toString(); });
  return {
    async stop() {
      await sleep(1000); // the last events reach the stream
      child.kill();
      const power: PowerInterval[] = [];
      const deaths: Recorded['deaths'] = [];
      const open = new Map<string, PowerInterval>();
      for (const line of text.split('\n').filter(Boolean)) {
        const [action, node, nanos] = line.split(' ');
        const at = Number(nanos) / 1e9;
        if (action === 'start') {
          const interval: PowerInterval = { node, on: at };
          open.set(node, interval);
          power.push(interval);
        } else if (action === 'die') {
          deaths.push({ node, at });
          const interval = open.get(node);
          if (interval) interval.off = at;
          open.delete(node);
        }
      }
      return { power, deaths };
    },
  };
}

/** Nodes already on when the replay starts (a static cluster's): on from its start. */
async function nodesOn(spec: ClusterSpec): Promise<string[]> {
  const out = await run('docker', ['ps', '--filter', `label=org.ec4docker.cluster=${spec.name}`, '--filter', 'label=org.ec4docker.role=node', '--format', '{{.Names}}'], { timeout: '30s' });
  return out.stdout.split('\n').filter(Boolean);
}

/** Replays the jobs (and faults) on a cluster made by makeCluster; returns what happened. */
export async function replay(spec: ClusterSpec, jobs: readonly ReplayJob[], faults: readonly PlannedFault[], seed: number): Promise<Recorded> {
  const duration = Math.max(...jobs.map((j) => j.submitAt + j.runFor));
  const events = followPower(spec);
  const already = await nodesOn(spec);
  const start = now() + 1;
  const deadline = start + duration * 3 + 300;
  const [submitted, injected] = await Promise.all([submitAll(spec, jobs, start), injectAll(spec, jobs, faults, start, deadline, seed)]);
  await drain(spec, deadline);
  const end = now();
  const markers = await readMarkers(spec);
  const { power, deaths } = await events.stop();
  for (const node of already) if (!power.some((p) => p.node === node && p.on <= start)) power.push({ node, on: start, off: deaths.find((d) => d.node === node)?.at });
  const records: JobRecord[] = jobs.map((j) => {
    const m = markers.get(j.id);
    return { id: j.id, submitted: submitted.get(j.id) ?? start, due: start + j.submitAt, starts: (m?.starts ?? []).map((s) => s.at), ends: m?.ends ?? [] };
  });
  const runs: JobRun[] = [...markers].flatMap(([id, m]) => {
    const starts = [...m.starts].sort((a, b) => a.at - b.at);
    return starts.map((s, i) => {
      const next = starts[i + 1]?.at ?? Infinity;
      const end = m.ends.find((e) => e >= s.at && e < next);
      return { id, nodes: s.nodes, start: s.at, end: end ?? (Number.isFinite(next) ? next : undefined) };
    });
  });
  return { jobs: records, runs, power, deaths, faults: injected, start, end };
}
