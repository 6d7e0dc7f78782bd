// Grid Engine's configuration texts (queue, global config, scheduler: `qconf -sq/-sconf/-ssconf`)
// are "name value" lines, a value continued on the next line after a trailing backslash. Pure.

export const OFF_QUEUE = 'poweredoff.q';

/** The settings ec4docker gives Grid Engine, and why. */
export function clusterSettings(slotsPerNode: number, frontend: string) {
  return {
    // With every node off main.q has no instance, and qsub then says "job is not allowed to run
    // in any queue" and exits 1 although the job is queued (seen, even with -w n). A queue with
    // no slot on the frontend (which runs no execd) stands for the powered-off nodes.
    offQueue: { qname: OFF_QUEUE, hostlist: frontend, slots: '0' },
    queue: {
      hostlist: '@allhosts', // the nodes powered on (adapter.ts adds and removes them)
      slots: String(slotsPerNode),
      // Containers see the host's load: the default np_load_avg=1.75 would put every node in
      // alarm on a busy host and stop scheduling. Slots already bound the load.
      load_thresholds: 'NONE',
      shell: '/bin/bash',
      shell_start_mode: 'unix_behavior', // a script's #! line is honoured, as users expect
      rerun: 'TRUE', // a job whose node vanished may run again elsewhere
    },
    global: {
      load_report_time: '00:00:05',
      max_unheard: '00:00:30', // default 5 minutes before a lost node is marked unknown
    },
    scheduler: {
      schedule_interval: '0:0:1',
      flush_submit_sec: '1', // schedule a second after a submit, not at the next interval
      flush_finish_sec: '1',
    },
  };
}

/** Sets `name value` entries in a configuration text; other lines (continuations too) are kept. */
export function setConfValues(text: string, values: Record<string, string>): string {
  const out: string[] = [];
  const seen = new Set<string>();
  let skipping = false;
  for (const line of text.split('\n')) {
    if (skipping) {
      skipping = line.trimEnd().endsWith('\\');
      continue;
    }
    const name = /^(\S+)\s/.exec(line)?.[1] ?? line.trim();
    if (name in values && !line.startsWith(' ')) {
      const width = Math.max(name.length + 1, line.length - line.slice(name.length).trimStart().length);
      out.push(`${name.padEnd(width)}${values[name]}`);
      seen.add(name);
      skipping = line.trimEnd().endsWith('\\');
      continue;
    }
    out.push(line);
  }
  const missing = Object.keys(values).filter((k) => !seen.has(k));
  if (missing.length > 0) throw new Error(`no ${missing.join(', ')} in the configuration`);
  return out.join('\n');
}
