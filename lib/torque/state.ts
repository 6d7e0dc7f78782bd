// Pure parsers of Torque node and job state (pbsnodes -x, qstat -x / -f -x) and their neutral views.
// Verified against real outputs of Torque 4.x and 6.1.3, some captured from the Torque built here
// (test/fixtures/torque/SOURCES.md).
import type { JobView, NodeView, Power } from '../core/views.ts';
import { childrenNamed, parseXml, type XmlElement } from '../core/xml.ts';

export interface TorqueNode {
  name: string;
  // The comma list as printed: 'down,offline', 'offline,job-exclusive,busy'.
  state: string;
  states: string[];
  np: number;
  // Torque 6 only ('Running' in every fixture); '' when absent.
  powerState: string;
  note: string;
  // Job ids allocated on the node, deduplicated, from `jobs` ('0-8,18-35/50379184.srv,9-17/...').
  jobs: string[];
  // Slots (cores) the server has allocated, from the same list.
  usedSlots: number;
  // The MOM's `status` as key → value ('' values kept); {} when the MOM never reported.
  status: Record<string, string>;
  // Every attribute as printed (status and jobs unsplit).
  attrs: Record<string, string>;
}

export interface TorqueJob {
  // Full id with server: '665199.superserver.stanford.edu', '673175[].server', '673175[19].server'.
  id: string;
  // Q, R, C, E, H, W, T, S.
  state: string;
  name: string;
  owner: string;
  queue: string;
  // Hosts of exec_host ('s001-n021/0-1+s001-n064/0-1' → both), deduplicated; [] if none.
  execHosts: string[];
  // Resource_List.nodect, else the count in Resource_List.nodes, else 1.
  nodeCount: number;
  // Resource_List.nodes as printed ('' if none).
  nodesSpec: string;
  // 'n' when not held.
  holdTypes: string;
  // The array parent '673175[]': job_array_request ('1-20'); '' for others.
  arrayRequest: string;
  // Every attribute, nested XML elements and dotted text keys alike as 'Resource_List.nodes'.
  attrs: Record<string, string>;
}

/** Parses `pbsnodes -x`: <Data><Node><name>…</name><state>…</state>…</Node>…</Data>. */
export function parsePbsnodesXml(text: string): TorqueNode[] {
  failOnError(text);
  const data = childrenNamed(parseXml(text), 'Data')[0];
  if (!data) throw new Error('pbsnodes -x: no <Data> element');
  return childrenNamed(data, 'Node').map((n) => {
    const attrs = flatten(n);
    const name = attrs.name ?? '';
    delete attrs.name;
    return torqueNode(name, attrs);
  });
}

/** Parses `qstat -x` / `qstat -f -x`: one <Data> line, optionally after an '<?xml …?>' prolog + CRLF. */
export function parseQstatXml(text: string): TorqueJob[] {
  const data = childrenNamed(parseXml(text), 'Data')[0];
  if (!data) throw new Error('qstat -x: no <Data> element');
  return childrenNamed(data, 'Job').map((j) => {
    const attrs = flatten(j);
    return torqueJob(attrs.Job_Id ?? '', attrs);
  });
}

/** The node names of exec_host: 'node01/0+node01/1' → ['node01'], 's001-n021/0-1+s001-n064/0-1' → both. */
export function execHostNames(execHost: string): string[] {
  const names = execHost.split('+').map((part) => part.split('/')[0].trim()).filter(Boolean);
  return [...new Set(names)];
}

/** Whether a job waits for nodes: queued ('Q') and not held. Held ('H') covers user/system holds and unmet dependencies. */
export function jobWaitsForNodes(job: Pick<TorqueJob, 'state' | 'holdTypes'>): boolean {
  return job.state === 'Q' && (job.holdTypes === '' || job.holdTypes === 'n');
}

export interface TorqueNodeViewOptions {
  // How to read 'down' (MOM not answering, without 'offline'). Default true: the node is powered
  // off. EC4Docker's Torque flavour pre-lists every node name in server_priv/nodes, so a node whose
  // container is not running is listed 'down': off, usable, and power_on is both how to start it and
  // how to fix a crashed one. false: down means failed ('on', down, recovered by the policy), for a
  // setup that creates nodes with qmgr at power-on and deletes them at power-off (absent = off).
  downMeansOff?: boolean;
}

/**
 * The neutral node view. 'offline' (pbsnodes -o) is a person's drain. busy: jobs allocated, or
 * job-exclusive / job-sharing / busy (MOM overloaded: never power off a loaded node) / reserve.
 * A Torque 6 power_state other than 'Running' means off (only 'Running' appears in the fixtures).
 * 'state-unknown' / 'unknown' (not yet contacted) read like 'down'. With downMeansOff false, a
 * node down whose MOM never reported (no status: just created) is powering up, not failed.
 */
export function toNodeView(n: TorqueNode, options: TorqueNodeViewOptions = {}): NodeView {
  const downMeansOff = options.downMeansOff ?? true;
  const has = (s: string) => n.states.includes(s);
  const unreachable = has('down') || has('state-unknown') || has('unknown');
  const sleeping = n.powerState !== '' && n.powerState.toLowerCase() !== 'running';
  const booting = unreachable && !downMeansOff && !sleeping && Object.keys(n.status).length === 0;
  const power: Power = sleeping || (unreachable && downMeansOff) ? 'off' : booting ? 'powering_up' : 'on';
  const drain = has('offline');
  const down = unreachable && !downMeansOff && !sleeping && !booting;
  const busy = n.jobs.length > 0 || ['job-exclusive', 'job-sharing', 'busy', 'reserve'].some(has);
  const reason = n.note || n.status.message || (unreachable ? n.state : '');
  return { name: n.name, power, busy, usable: !drain && !down, drain, down, reason };
}

/**
 * The neutral job view. nodes: exec_host of jobs holding nodes (R, E exiting, S suspended); a
 * completed job ('C', kept for keep_completed) still prints its exec_host but holds nothing.
 * nodeCount: nodect (per task); a queued array parent ('N[]', job_array_request '4-5') asks that for
 * each task. requiredNodes: the host names of `-l nodes=host1+host2:ppn=2` that are known nodes
 * (listed, or the cluster's); a non-numeric first field may also be a property, so unknown names
 * are left out.
 */
export function toJobView(j: TorqueJob, nodes: TorqueNode[] = [], clusterNodes: Iterable<string> = []): JobView {
  const known = new Set([...nodes.map((n) => n.name), ...clusterNodes]);
  const holding = ['R', 'E', 'S'].includes(j.state);
  const waits = jobWaitsForNodes(j);
  const named = j.nodesSpec.split('+').map((p) => p.split(':')[0].trim()).filter((p) => p && !/^\d+$/.test(p) && known.has(p));
  return {
    id: j.id,
    waitsForNodes: waits,
    nodeCount: j.nodeCount * (waits && j.arrayRequest ? arrayTaskCount(j.arrayRequest) : 1),
    nodes: holding ? j.execHosts : [],
    requiredNodes: [...new Set(named)],
  };
}

/** How many tasks a job_array_request names: '1-3' → 3, '2' → 1, '1-10%2' → 10 (the slot limit is ignored). */
export function arrayTaskCount(request: string): number {
  let count = 0;
  for (const part of request.replace(/%\d+$/, '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return 1;
    count += m[2] === undefined ? 1 : Number(m[2]) - Number(m[1]) + 1;
  }
  return Math.max(1, count);
}

/** Splits a status list 'a=1,uname=Linux x … x86_64,message=ERROR: a,b,loadave=0.1' at the commas before 'key='. */
export function parseNodeStatus(status: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!status.trim()) return out;
  for (const item of status.split(/,(?=[A-Za-z_][\w.]*=)/)) {
    const at = item.indexOf('=');
    if (at > 0) out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

/** Throws the error pbsnodes prints (on stdout in the trex capture) for an unknown node name. */
export function failOnError(text: string): void {
  const m = /^pbsnodes: (.*)$/m.exec(text);
  if (m) throw new Error(`pbsnodes: ${m[1].trim()}`);
}

/** A node from its attributes as printed, however they were read. */
export function torqueNode(name: string, attrs: Record<string, string>): TorqueNode {
  const jobs: string[] = [];
  let usedSlots = 0;
  // Torque 6: '0-8,18-35/50379184.srv,9-17/50379552.srv'; Torque 4: '0/5078574.srv, 1/5078574.srv'.
  for (const m of (attrs.jobs ?? '').matchAll(/(\d[\d,-]*)\/([^,\s]+)/g)) {
    if (!jobs.includes(m[2])) jobs.push(m[2]);
    for (const r of m[1].split(',').filter(Boolean)) {
      const [a, b] = r.split('-').map(Number);
      usedSlots += b === undefined ? 1 : b - a + 1;
    }
  }
  const state = attrs.state ?? '';
  return {
    name, state, states: state.split(',').map((s) => s.trim()).filter(Boolean), np: Number(attrs.np) || 0,
    powerState: attrs.power_state ?? '', note: attrs.note ?? '', jobs, usedSlots,
    status: parseNodeStatus(attrs.status ?? ''), attrs,
  };
}

/** A job from its attributes as printed (nested ones as 'Resource_List.nodes'), however they were read. */
export function torqueJob(id: string, attrs: Record<string, string>): TorqueJob {
  const spec = attrs['Resource_List.nodes'] ?? '';
  const fromSpec = spec.split('+').reduce((sum, p) => sum + (Number(p.split(':')[0]) || 1), 0);
  return {
    id, state: attrs.job_state ?? '', name: attrs.Job_Name ?? '', owner: attrs.Job_Owner ?? '', queue: attrs.queue ?? '',
    execHosts: execHostNames(attrs.exec_host ?? ''),
    nodeCount: Number(attrs['Resource_List.nodect']) || (spec ? fromSpec : 1),
    nodesSpec: spec, holdTypes: attrs.Hold_Types ?? '', arrayRequest: attrs.job_array_request ?? '', attrs,
  };
}

/** Element children as 'a' → text, nested ones as 'Resource_List.nodes' (like the text keys). */
function flatten(el: XmlElement, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const c of el.children) {
    const key = prefix + c.name;
    if (c.children.length) flatten(c, `${key}.`, out);
    else out[key] = c.text.trim();
  }
  return out;
}
