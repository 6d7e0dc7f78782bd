// sge-init: configures Grid Engine in a new frontend (the frontend's entrypoint runs it once
// sge_qmaster answers). Idempotent: a restarted frontend gets the same settings again.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { UserError } from '../core/errors.ts';
import { lastLine, run } from '../io/run.ts';
import type { Program } from '../middleware/types.ts';
import { clusterSettings, OFF_QUEUE, setConfValues } from './conf.ts';
import { HOSTGROUP, qconf, QUEUE } from './control.ts';

const PE_DIR = '/usr/share/gridengine/util/resources/pe';

/** `qconf -sXX` output, or '' if that object does not exist. */
async function show(args: string[]): Promise<string> {
  const result = await run('qconf', args, { timeout: 'query' });
  return result.exitCode === 0 ? result.stdout : '';
}

const sgeInit: Program = async (_argv, frontend) => {
  const { config } = frontend();
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
      const made = await run('qconf', ['-aq', QUEUE], { timeout: 'query', env: { ...process.env, EDITOR: 'true' } });
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
};

export const GRID_ENGINE_PROGRAMS: Record<string, Program> = { 'sge-init': sgeInit };
