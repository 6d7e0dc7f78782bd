// The middlewares ec4docker knows: one line each. Everything else about a middleware is in its
// own folder's record (lib/<name>/index.ts).
import type { Config } from '../core/config.ts';
import { resolveConfig } from '../core/config.ts';
import { UsageError } from '../core/errors.ts';
import { gridEngine } from '../gridengine/index.ts';
import { slurm } from '../slurm/index.ts';
import { torque } from '../torque/index.ts';
import type { Middleware } from './types.ts';

export const MIDDLEWARES: readonly Middleware[] = [slurm, gridEngine, torque];

/** The record of a middleware by its EC4DOCK_MIDDLEWARE name. */
export function middlewareNamed(name: string): Middleware {
  const found = MIDDLEWARES.find((m) => m.name === name);
  if (!found) throw new UsageError(`unknown middleware ${JSON.stringify(name)} (available: ${MIDDLEWARES.map((m) => m.name).join(', ')})`);
  return found;
}

/** The config checked against the known middlewares (lib/core/config.ts, resolveConfig). */
export const resolveClusterConfig = (source: string, ...layers: Array<Record<string, string | undefined>>): Config =>
  resolveConfig(source, MIDDLEWARES.map((m) => ({ name: m.name, ownPowerSaving: m.ownPowerSaving, restApi: m.restApi !== undefined, anyNodeAddress: !m.fixedNodeAddresses })), ...layers);
