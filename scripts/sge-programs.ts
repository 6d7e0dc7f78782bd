// sge-init: configures Grid Engine in a new frontend (the frontend's entrypoint runs it once
// sge_qmaster answers). Idempotent: a restarted frontend gets the same settings again.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { clusterSettings, OFF_QUEUE, setConfValues } from '../lib/gridengine/conf.ts';
import { HOSTGROUP, qconf, QUEUE } from '../lib/gridengine/control.ts';
import { loadFrontendConfig } from '../lib/frontend-config.ts';
import { UserError } from '../lib/errors.ts';
import { $, lastLine } from '../lib/run.ts';

const PE_DIR = '/usr/share/gridengine/util/resources/pe';

/** `qconf -sXX` output, or '' if that object does not exist. */
async function show(args: string[]): Promise<string> {
  const result = await $({ nothrow: true, timeout: '20s' })`qconf ${args}`;
  return result.exitCode === 0 ? result.stdout : '';
}

export async function sgeInit(): Promise<void> {
  const config = loadFrontendConfig();
  const settings = clusterSettings(Math.max(1, config.nodeCpus), config.serverName);
  // qconf -A/-M read files; -Mconf takes the configuration's name from the file's name.
  const dir = mkdtempSync(join(tmpdir(), 'sge-init-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text.endsWith('\n') ? text : `${text}\n`);
    return path;
  };
  try {
    // The queue template lists these parallel environments: they must exist before the queue.
    const pes = (await show(['-spl'])).split('\n').map((l) => l.trim());
    for (const pe of readdirSync(PE_DIR).filter((p) => !pes.includes(p))) await qconf(['-Ap', join(PE_DIR, pe)], `add parallel environment ${pe}`);
    if (!(await show(['-shgrp', HOSTGROUP]))) await qconf(['-Ahgrp', file('hostgroup', `group_name ${HOSTGROUP}\nhostlist NONE`)], `add host group ${HOSTGROUP}`);
    if (!(await show(['-sq', QUEUE]))) {
      const made = await $({ nothrow: true, timeout: '20s', env: { ...process.env, EDITOR: 'true' } })`qconf -aq ${QUEUE}`;
      if (made.exitCode !== 0) throw new UserError(`add queue ${QUEUE}: qconf: ${lastLine(made.stderr) || `exit ${made.exitCode}`}`);
    }
    await qconf(['-Mq', file('queue', setConfValues(await show(['-sq', QUEUE]), settings.queue))], `configure queue ${QUEUE}`);
    if (!(await show(['-sq', OFF_QUEUE]))) {
      await qconf(['-Aq', file('offqueue', setConfValues(await show(['-sq', QUEUE]), settings.offQueue))], `add queue ${OFF_QUEUE}`);
    }
    await qconf(['-Mconf', file('global', setConfValues(await show(['-sconf', 'global']), settings.global))], 'configure Grid Engine');
    await qconf(['-Msconf', file('scheduler', setConfValues(await show(['-ssconf']), settings.scheduler))], 'configure the scheduler');
    // Users submit from the frontend.
    await qconf(['-as', config.serverName], `make ${config.serverName} a submit host`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
