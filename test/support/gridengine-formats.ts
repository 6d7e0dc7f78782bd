// Grid Engine's other outputs (qhost, qhost -q/-j, qhost -xml; qstat -f text; qstat -xml), read into the same
// records: the recorded fixtures are read with these. ec4docker itself reads only those in lib/gridengine/state.ts.
import type { NodeView } from '../../lib/core/views.ts';
import { childNamed, childrenNamed, parseXml, type XmlElement } from '../../lib/core/xml.ts';
import {
  type GeJob, type GeQstatFull, type GeQueueInstance, geJob, jobInfoRoot, nodeView, pendingXmlJobs, queueInstance,
  shortHostName, textJob, toNodeViews, xmlJob,
} from '../../lib/gridengine/state.ts';

/** An execution host as qhost shows it (the 'global' pseudo host is left out). */
export interface GeHost {
  name: string;
  // '' when unknown ('-'): never reported.
  arch: string;
  numProc?: number;
  // Undefined when '-': the execd does not report (qhost_one_unreachable_one_idle).
  loadAvg?: number;
  memTotal: string;
  memUsed: string;
  // Only with `qhost -q` / `-j`; [] otherwise (then the host state comes from its load values alone).
  queues: GeQueueInstance[];
  jobs: GeJob[];
}

/** Whether two Grid Engine host names denote the same host (FQDN or short, any case). */
export function sameHost(a: string, b: string): boolean {
  return shortHostName(a) === shortHostName(b);
}

/** Parses `qhost -xml`, `qhost -q -xml`, `qhost -j -q -xml`. */
export function parseQhostXml(text: string): GeHost[] {
  const root = childNamed(parseXml(text), 'qhost');
  if (!root) throw new Error('qhost -xml: no <qhost> element');
  return childrenNamed(root, 'host').filter((h) => h.attrs.name !== 'global').map((h) => {
    const value = (name: string) => named(h, 'hostvalue', name);
    const host = hostOf(h.attrs.name ?? '', value('arch_string'), value('num_proc'), value('load_avg'), value('mem_total'), value('mem_used'));
    const arch = host.arch;
    host.queues = childrenNamed(h, 'queue').map((q) => {
      const v = (name: string) => named(q, 'queuevalue', name);
      return queueInstance(`${q.attrs.name}@${host.name}`, v('qtype_string'), num(v('slots_resv')), num(v('slots_used')), num(v('slots')), host.loadAvg, arch, v('state_string'));
    });
    host.jobs = childrenNamed(h, 'job').map((j) => {
      const v = (name: string) => named(j, 'jobvalue', name);
      return geJob({
        number: j.attrs.name ?? '', tasks: v('taskid'), state: v('job_state'), name: v('job_name'), owner: v('job_owner'),
        // qhost quotes it: '0.500000' with the apostrophes.
        priority: v('priority').replace(/'/g, ''), slots: '1', queue: v('qinstance_name'), time: v('start_time'), peRole: v('pe_master'),
      });
    });
    return host;
  });
}

/** Parses plain `qhost`, `qhost -q`, `qhost -j -q` and `qhost -F` (resource lines are skipped). */
export function parseQhostText(text: string): GeHost[] {
  const hosts: GeHost[] = [];
  let columns: string[] = [];
  for (const line of lines(text)) {
    if (line.startsWith('HOSTNAME')) {
      columns = line.trim().split(/\s+/);
    } else if (/^-+$/.test(line.trim()) || /^\s+\S+:\S+=/.test(line)) {
      // Separator, or a `qhost -F` resource value ('   hl:load_avg=0.94').
    } else if (/^\S/.test(line)) {
      const f = line.trim().split(/\s+/);
      const col = (name: string) => f[columns.indexOf(name)] ?? '-';
      if (f[0] === 'global') continue;
      hosts.push(hostOf(f[0], col('ARCH'), col('NCPU'), col('LOAD'), col('MEMTOT'), col('MEMUSE')));
    } else if (hosts.length) {
      const host = hosts[hosts.length - 1];
      const q = /^\s+(\S+)\s+(\S+)\s+(\d+)\/(\d+)\/(\d+)\s*(\S*)\s*$/.exec(line);
      if (q) {
        host.queues.push(queueInstance(`${q[1]}@${host.name}`, q[2], Number(q[3]), Number(q[4]), Number(q[5]), host.loadAvg, host.arch, q[6]));
        continue;
      }
      // '   2 0.50000 longjob f5user r 11/25/2026 08:29:23 MASTER [task]'
      const f = line.trim().split(/\s+/);
      if (f.length >= 8 && /^\d+$/.test(f[0])) {
        const queue = host.queues.length ? host.queues[host.queues.length - 1].name : '';
        host.jobs.push(geJob({
          number: f[0], priority: f[1], name: f[2], owner: f[3], state: f[4], time: `${f[5]} ${f[6]}`, peRole: f[7],
          tasks: f[8] ?? '', slots: '1', queue,
        }));
      }
    }
  }
  return hosts;
}

/** Parses `qstat -u '*' -xml` (running jobs under <queue_info>, pending ones under <job_info>). */
export function parseQstatXml(text: string): GeJob[] {
  const root = jobInfoRoot(text, 'qstat -xml');
  const running = childrenNamed(childNamed(root, 'queue_info') ?? root, 'job_list').map((j) => xmlJob(j));
  return [...running, ...pendingXmlJobs(root)];
}

/**
 * Parses plain `qstat -f` (also with `-explain`). A queue line starts in column 1; job lines are
 * indented; after the '- PENDING JOBS -' banner jobs are pending. Lines matching nothing are skipped
 * (qstat-f_pending_no_exec_hosts.txt ends with an 'rc=0' line that the capture appended).
 */
export function parseQstatFullText(text: string): GeQstatFull {
  const queues: GeQueueInstance[] = [];
  const jobs: GeJob[] = [];
  let current: GeQueueInstance | undefined;
  for (const line of lines(text)) {
    if (line.startsWith('queuename') || /^[-#]+$/.test(line.trim())) continue;
    if (/PENDING JOBS/.test(line)) {
      current = undefined;
      continue;
    }
    if (line.startsWith('\t')) {
      current?.messages.push(line.trim());
      continue;
    }
    const q = /^(\S+@\S+)\s+(\S+)\s+(\d+)\/(\d+)\/(\d+)\s+(\S+)\s+(\S+)\s*(\S*)\s*$/.exec(line);
    if (q) {
      current = queueInstance(q[1], q[2], Number(q[3]), Number(q[4]), Number(q[5]), q[6] === '-NA-' ? undefined : Number(q[6]), q[7] === '-NA-' ? '' : q[7], q[8]);
      queues.push(current);
      continue;
    }
    const j = textJob(line, current?.name ?? '');
    if (j) jobs.push(j);
  }
  return { queues, jobs };
}

/**
 * The neutral views of qhost hosts, with the same rules as toNodeViews. With `qhost -q` the queue
 * states decide; plain `qhost` has no states, so a host whose load is '-' counts as unreachable and
 * one whose arch is '-' as never reported. Jobs from `qhost -j` make the host busy.
 */
export function hostsToNodeViews(hosts: GeHost[]): NodeView[] {
  return hosts.map((h) => {
    if (h.queues.length) {
      const [v] = toNodeViews(h.queues.map((q) => ({ ...q, host: h.name })));
      return h.jobs.length ? { ...v, busy: true } : v;
    }
    return nodeView(shortHostName(h.name), {
      reachable: h.loadAvg !== undefined, reported: h.arch !== '', states: [], busy: h.jobs.length > 0,
      messages: h.loadAvg === undefined ? ['no load reported (execd unreachable)'] : [],
    });
  });
}

function hostOf(name: string, arch: string, numProc: string, load: string, memTotal: string, memUsed: string): GeHost {
  return {
    name, arch: arch === '-' ? '' : arch, numProc: numProc === '-' ? undefined : num(numProc),
    loadAvg: load === '-' || load === '' ? undefined : Number(load), memTotal, memUsed, queues: [], jobs: [],
  };
}

function named(el: XmlElement, tag: string, name: string): string {
  return (el.children.find((c) => c.name === tag && c.attrs.name === name)?.text ?? '').trim();
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
}

function num(v: string | undefined): number {
  return Number(v) || 0;
}
