// Pure parsers of Grid Engine 8.1.9 queue and job state (qstat -f -xml, plain qstat, qstat -j) and their
// neutral views. Fixtures: test/fixtures/gridengine/ (captured live, see README.md).
import type { JobView, NodeView, Power } from '../core/views.ts';
import { childNamed, childText, childrenNamed, parseXml, type XmlElement } from '../core/xml.ts';

/** A queue instance ('main.q@f5-sge-exec1'): the unit whose state Grid Engine reports. */
export interface GeQueueInstance {
  // As printed: 'main.q@f5-sge-exec1'.
  name: string;
  queue: string;
  // As printed (may be an FQDN: compare with shortHostName).
  host: string;
  qtype: string;
  slotsReserved: number;
  slotsUsed: number;
  slotsTotal: number;
  // Undefined when Grid Engine has none ('-NA-' in text, element absent in XML): the execd does not report.
  loadAvg?: number;
  // '' when unknown ('-NA-'): the execd has never reported since the qmaster knows the host.
  arch: string;
  // State letters, '' if none: 'au', 'd', 'auo', 'E', ...
  states: string;
  // Lines printed under the queue by `qstat -f -explain ...` (tab-indented in text).
  messages: string[];
}

export interface GeJob {
  // The job number, or 'number.tasks' for an array job line ('7.3', '7.1-10:1').
  id: string;
  number: string;
  // Array task id or range as printed ('' for a non-array job).
  tasks: string;
  // Letters as printed: 'qw', 'hqw', 'r', 'dr', 'Eqw', 'z', ...
  state: string;
  name: string;
  owner: string;
  priority: number;
  // Granted (running) or requested (pending) slots; 1 when the output does not say (qhost -j).
  slots: number;
  // The queue instance it runs in; '' when pending or finished.
  queue: string;
  // The host part of `queue` ('' when none).
  host: string;
  // Submission time (pending) or start time (running), as printed.
  time: string;
  // 'MASTER' or 'SLAVE' for a parallel job's part (qhost -j only), else ''.
  peRole: string;
}

export interface GeQstatFull {
  queues: GeQueueInstance[];
  // Running jobs (their `queue` set) followed by pending ones.
  jobs: GeJob[];
}

/** What `qstat -j` adds that the job lists lack: host requests and the scheduler's messages. */
export interface GeJobDetail {
  number: string;
  name: string;
  owner: string;
  // 'hard resource_list: hostname=f5-sge-exec3,h_rt=60' as { hostname: 'f5-sge-exec3', h_rt: '60' }.
  hardResources: Record<string, string>;
  // Hosts named by `-l h=...` / `hostname=...` (only plain names; wildcard or '|' expressions give []).
  requiredHosts: string[];
  // One entry per 'scheduling info' line.
  schedulingInfo: string[];
}

/**
 * Grid Engine host names may be printed as FQDNs or short names: the Docker PTR record is
 * '<container>.<network>' while the container calls itself '<container>' (research §2.6 #2, hence
 * `ignore_fqdn true`). Lower case, domain removed; IP addresses are kept whole.
 */
export function shortHostName(name: string): string {
  const n = name.trim().toLowerCase();
  return /^\d+(\.\d+){3}$/.test(n) || n.includes(':') ? n : n.split('.')[0];
}

/** Parses `qstat -f -u '*' -xml`: queue instances with their running jobs, then pending jobs. */
export function parseQstatFullXml(text: string): GeQstatFull {
  const root = jobInfoRoot(text, 'qstat -f -xml');
  const queues: GeQueueInstance[] = [];
  const jobs: GeJob[] = [];
  for (const q of childrenNamed(childNamed(root, 'queue_info') ?? root, 'Queue-List')) {
    const load = childText(q, 'load_avg');
    const qi = queueInstance(childText(q, 'name') ?? '', childText(q, 'qtype') ?? '', num(childText(q, 'slots_resv')),
      num(childText(q, 'slots_used')), num(childText(q, 'slots_total')), load === undefined ? undefined : Number(load),
      childText(q, 'arch') ?? '', childText(q, 'state') ?? '');
    queues.push(qi);
    jobs.push(...childrenNamed(q, 'job_list').map((j) => xmlJob(j, qi.name)));
  }
  jobs.push(...pendingXmlJobs(root));
  return { queues, jobs };
}

/** Parses plain `qstat` / `qstat -u '*'` / `qstat -s z` (one line per job, or per running array task). */
export function parseQstatText(text: string): GeJob[] {
  return lines(text).filter((l) => !l.startsWith('job-ID') && !/^-+$/.test(l.trim()))
    .map((l) => textJob(l, undefined)).filter((j): j is GeJob => j !== undefined);
}

/** Parses `qstat -j ID[,ID...]` text: records separated by '=====' lines, 'key: value' lines. */
export function parseQstatJobText(text: string): GeJobDetail[] {
  const details: GeJobDetail[] = [];
  for (const record of text.replace(/\r/g, '').split(/^=+$/m)) {
    const fields = new Map<string, string[]>();
    let last: string[] | undefined;
    for (const line of record.split('\n')) {
      if (!line.trim()) continue;
      const kv = /^([^\s:][^:]*):\s*(.*)$/.exec(line);
      if (kv && !/^\s/.test(line)) {
        last = [kv[2].trim()];
        fields.set(kv[1].trim(), last);
      } else {
        last?.push(line.trim());
      }
    }
    if (!fields.has('job_number')) continue;
    const field = (key: string) => (fields.get(key) ?? []).join(' ');
    const hardResources: Record<string, string> = {};
    for (const item of field('hard resource_list').split(',').filter(Boolean)) {
      const [key, ...value] = item.split('=');
      hardResources[key.trim()] = value.join('=').trim();
    }
    const host = hardResources.hostname ?? hardResources.h ?? '';
    details.push({
      number: field('job_number'), name: field('job_name'), owner: field('owner'), hardResources,
      requiredHosts: host && /^[\w.-]+$/.test(host) ? [host] : [],
      schedulingInfo: fields.get('scheduling info') ?? [],
    });
  }
  return details;
}

// Queue instance state letters (qstat(1)): which ones keep jobs off the instance, and what they say.
const STATE_WORDS: Record<string, string> = {
  u: 'unknown (execd unreachable)', a: 'load alarm', A: 'suspend alarm', C: 'calendar suspended', s: 'suspended',
  S: 'subordinate', d: 'disabled', D: 'calendar disabled', E: 'error', c: 'configuration ambiguous', o: 'orphaned', P: 'preempted',
};
// 'a' alone is a load threshold (transient, and implied by 'u' when there is no load): not blocking.
const BLOCKING = new Set(['u', 'C', 's', 'S', 'd', 'D', 'E', 'c', 'o', 'P']);
// Set by a person (`qmod -d`, `qmod -s`): that person owns the node, like a Slurm drain.
const BY_PERSON = new Set(['d', 's']);

/**
 * The neutral views of the hosts behind queue instances (grouped by shortHostName). Why each field:
 * - A host missing from the output is not registered. The elastic tool registers a host when it
 *   powers it on and deregisters it when it powers it off (research §2.2 sge-add-exec/-del-exec,
 *   §2.7: deregister before removing the container), so absent = off: add the configured names with
 *   withHiddenNodes (views.ts).
 * - 'u' (execd unknown, shown 'au': no load either) on a host that HAS reported (arch known) is a
 *   registered node whose execd died: power 'on' (it was not powered off through the tool) and
 *   down, so the policy recovers it once no job holds it. A job stays 'r' on it forever (research
 *   §2.5, reschedule_unknown 0), which keeps it busy: no power-off and no recovery until someone
 *   (a manager) runs `qdel -f`.
 * - 'u' on a host that has never reported (arch '-NA-') is one the tool has just registered and whose
 *   execd has not come up: 'powering_up', so the policy's power-on timeout and retries apply (also
 *   the IP-reuse case of §2.7, where such a host never becomes usable).
 * - 'o' (orphaned: removed from the queue configuration while jobs remain, 'auo' + job 'dr') is a
 *   host being deregistered: 'powering_down', so no further power action.
 * - 'd'/'s' on every usable instance is a person's drain; 'E'/'c' are errors: down.
 * busy: a slot used or reserved. Jobs listed on the host make it busy too (planPower reads JobView.nodes).
 */
export function toNodeViews(queues: GeQueueInstance[]): NodeView[] {
  const byHost = new Map<string, GeQueueInstance[]>();
  for (const q of queues) {
    const name = shortHostName(q.host);
    byHost.set(name, [...(byHost.get(name) ?? []), q]);
  }
  return [...byHost].map(([name, qs]) => nodeView(name, {
    reachable: !qs.some((q) => q.states.includes('u')),
    reported: qs.some((q) => q.arch !== ''),
    states: qs.map((q) => q.states),
    busy: qs.some((q) => q.slotsUsed > 0 || q.slotsReserved > 0),
    messages: qs.flatMap((q) => q.messages),
  }));
}

/** What nodeView judges a host by, however its queue instances or qhost line were read. */
export interface HostFacts {
  reachable: boolean;
  reported: boolean;
  states: string[];
  busy: boolean;
  messages: string[];
}

/** The neutral view of one host from its facts (the rules of toNodeViews). */
export function nodeView(name: string, f: HostFacts): NodeView {
  const letters = new Set(f.states.join(''));
  const orphaned = letters.has('o');
  const power: Power = orphaned ? 'powering_down' : !f.reachable && !f.reported ? 'powering_up' : 'on';
  // With queue states: usable if one instance is free of blocking letters ('u' is judged by power).
  const open = (s: string) => ![...s].some((c) => c !== 'u' && BLOCKING.has(c));
  const someOpen = f.states.length === 0 || f.states.some(open);
  const drain = !someOpen && f.states.some((s) => [...s].some((c) => BY_PERSON.has(c)));
  const down = power === 'on' && (!f.reachable || letters.has('E') || letters.has('c'));
  const usable = someOpen && !down && power !== 'powering_down';
  const words = [...letters].map((c) => STATE_WORDS[c]).filter(Boolean);
  const reason = [...(words.length ? [`${words.join(', ')} (${f.states.filter(Boolean).join(' ')})`] : []), ...f.messages].join('; ');
  return { name, power, busy: f.busy, usable, drain, down, reason };
}

/**
 * Whether a job waits for nodes: queued and waiting ('qw'; 'Rq' after a reschedule), not held
 * ('hqw': user/operator hold and also an unmet -hold_jid dependency, which Grid Engine shows as a
 * hold), not in error ('Eqw'), not being deleted. Start-time holds (`-a`) show plain 'qw' and are
 * not visible in the job lists.
 */
export function jobWaitsForNodes(state: string): boolean {
  return state.includes('q') && !/[hEdrtsST]/.test(state);
}

export interface GeJobViewOptions {
  // Slots one host gives a job: a parallel job of N slots asks for ceil(N / slotsPerNode) hosts.
  // The research cluster's main.q has 1 slot per host, hence the default.
  slotsPerNode?: number;
  // From `qstat -j`: hosts named by `-l h=...` become requiredNodes.
  details?: GeJobDetail[];
}

/**
 * The neutral job views. Lines with the same id (a parallel job listed under each of its queue
 * instances by `qstat -f`, MASTER and SLAVE parts in `qhost -j`) become one view with all their hosts.
 * nodeCount: the fixtures show only 1-slot jobs without a parallel environment (the PE name shows
 * only with `qstat -r`/`-j`), so a job of N slots asks for ceil(N / slotsPerNode) hosts: an upper
 * bound for a $pe_slots PE such as 'smp', exact for $round_robin with one slot per host. A pending
 * array line ('1-10:1') asks that for each of its tasks (each task is its own job).
 */
export function toJobViews(jobs: GeJob[], options: GeJobViewOptions = {}): JobView[] {
  const perNode = Math.max(1, options.slotsPerNode ?? 1);
  const hostsOf = new Map(options.details?.map((d) => [d.number, d.requiredHosts.map(shortHostName)]) ?? []);
  const views = new Map<string, JobView>();
  for (const j of jobs) {
    const host = j.host ? shortHostName(j.host) : '';
    const old = views.get(j.id);
    if (old) {
      if (host && !old.nodes.includes(host)) old.nodes.push(host);
      continue;
    }
    const waits = jobWaitsForNodes(j.state) && !host;
    views.set(j.id, {
      id: j.id,
      waitsForNodes: waits,
      nodeCount: Math.ceil(Math.max(1, j.slots) / perNode) * (waits ? taskCount(j.tasks) : 1),
      nodes: host ? [host] : [],
      requiredNodes: hostsOf.get(j.number) ?? [],
    });
  }
  return [...views.values()];
}

/** How many tasks an array task list names: '3' → 1, '1-10:1' → 10, '2,4-10:2' → 5 ('' → 1). */
export function taskCount(tasks: string): number {
  if (!tasks) return 1;
  let count = 0;
  for (const part of tasks.split(',')) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!m) return 1;
    count += m[2] === undefined ? 1 : Math.floor((Number(m[2]) - Number(m[1])) / Math.max(1, Number(m[3] ?? 1))) + 1;
  }
  return Math.max(1, count);
}

/** A queue instance from its fields, however they were read ('-NA-' / '-' arch and NaN load mean unknown). */
export function queueInstance(name: string, qtype: string, slotsReserved: number, slotsUsed: number, slotsTotal: number,
  loadAvg: number | undefined, arch: string, states: string): GeQueueInstance {
  const at = name.indexOf('@');
  return {
    name, queue: at < 0 ? name : name.slice(0, at), host: at < 0 ? '' : name.slice(at + 1), qtype,
    slotsReserved, slotsUsed, slotsTotal, loadAvg: Number.isFinite(loadAvg) ? loadAvg : undefined,
    arch: arch === '-NA-' || arch === '-' ? '' : arch, states: states.trim(), messages: [],
  };
}

/** A job's fields as printed, before geJob converts them. */
export interface RawGeJob {
  number: string; tasks: string; state: string; name: string; owner: string; priority: string; slots: string;
  queue: string; time: string; peRole: string;
}

/** A job from its printed fields, however they were read. */
export function geJob(r: RawGeJob): GeJob {
  const at = r.queue.indexOf('@');
  return {
    id: r.tasks ? `${r.number}.${r.tasks}` : r.number, number: r.number, tasks: r.tasks, state: r.state,
    name: r.name, owner: r.owner, priority: Number(r.priority) || 0, slots: num(r.slots) || 1,
    queue: r.queue, host: at < 0 ? '' : r.queue.slice(at + 1), time: r.time, peRole: r.peRole,
  };
}

/** A job line of `qstat` (queue column when running) or `qstat -f` (queue from the block: pass it). */
export function textJob(line: string, blockQueue: string | undefined): GeJob | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length < 8 || !/^\d+$/.test(f[0]) || !/^\d{2}\/\d{2}\/\d{4}$/.test(f[5])) return undefined;
  const rest = f.slice(7);
  const queue = blockQueue ?? (rest.length && !/^\d+$/.test(rest[0]) ? rest.shift()! : '');
  return geJob({
    number: f[0], priority: f[1], name: f[2], owner: f[3], state: f[4], time: `${f[5]} ${f[6]}`,
    queue, slots: rest[0] ?? '1', tasks: rest[1] ?? '', peRole: '',
  });
}

/** A <job_list> element of `qstat -xml` / `qstat -f -xml` (queue from the enclosing Queue-List: pass it). */
export function xmlJob(j: XmlElement, queue?: string): GeJob {
  return geJob({
    number: childText(j, 'JB_job_number') ?? '', tasks: childText(j, 'tasks') ?? '', state: childText(j, 'state') ?? '',
    name: childText(j, 'JB_name') ?? '', owner: childText(j, 'JB_owner') ?? '', priority: childText(j, 'JAT_prio') ?? '',
    slots: childText(j, 'slots') ?? '1', queue: queue ?? childText(j, 'queue_name') ?? '',
    time: childText(j, 'JAT_start_time') ?? childText(j, 'JB_submission_time') ?? '', peRole: '',
  });
}

/** The outer <job_info> element of `qstat -xml` / `qstat -f -xml` (what: the command, for the error). */
export function jobInfoRoot(text: string, what: string): XmlElement {
  const root = childNamed(parseXml(text), 'job_info');
  if (!root) throw new Error(`${what}: no <job_info> element`);
  return root;
}

/** The pending jobs of `qstat -xml` / `qstat -f -xml` (the inner <job_info>). */
export function pendingXmlJobs(root: XmlElement): GeJob[] {
  const inner = childNamed(root, 'job_info');
  return inner ? childrenNamed(inner, 'job_list').map((j) => xmlJob(j, '')) : [];
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
}

function num(v: string | undefined): number {
  return Number(v) || 0;
}
