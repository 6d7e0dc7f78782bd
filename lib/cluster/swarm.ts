// What setup-cluster does on a Swarm beyond one engine (EC4DOCK_ORCHESTRATOR=swarm): it runs
// against a manager, puts the node image in the registry every host pulls from, and hands the
// nodes their secrets as Swarm secrets (a volume of the manager is not on the other hosts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, nodeImageRef } from '../core/config.ts';
import { UsageError, UserError } from '../core/errors.ts';
import { clusterFilter, labelArgs, NODE_SECRET_FILES, swarmSecretName } from '../core/names.ts';
import { docker, dockerError, dockerTry, listNamed, type NamedResource } from '../io/docker.ts';

/** Whether the engine is a Swarm manager (one that is not, or is no Swarm's, cannot make services). */
export async function isSwarmManager(): Promise<boolean> {
  const result = await dockerTry(['info', '--format', '{{.Swarm.ControlAvailable}}'], undefined, 'query');
  return result.exitCode === 0 && result.stdout.trim() === 'true';
}

/** The manager's address in the Swarm: where the other hosts reach it. */
export async function swarmAddress(): Promise<string> {
  return (await docker(['info', '--format', '{{.Swarm.NodeAddr}}'], "read the manager's Swarm address")).trim();
}

/** The addresses of the Swarm's hosts, as the manager knows them. */
export async function swarmHostAddresses(): Promise<string[]> {
  const ids = (await docker(['node', 'ls', '-q'], 'list the Swarm hosts')).split('\n').filter(Boolean);
  const out = await docker(['node', 'inspect', '--format', '{{.Status.Addr}}', ...ids], 'read the Swarm hosts');
  return [...new Set(out.split('\n').map((a) => a.trim()).filter((a) => a !== '' && a !== '0.0.0.0'))];
}

/** Refuses an engine that is not a Swarm manager, before anything is made. */
export async function checkSwarmManager(config: Config): Promise<void> {
  if (await isSwarmManager()) return;
  const engine = config.dockerHost || 'the default engine';
  throw new UsageError(`EC4DOCK_ORCHESTRATOR=swarm: ${engine} is not a Swarm manager; run setup-cluster against a manager (EC4DOCK_DOCKER_HOST), or make one with: docker swarm init`);
}

/** Puts the node image in the cluster's registry, so that every host can pull it; nothing is left on failure. */
export async function pushNodeImage(config: Config): Promise<void> {
  const target = nodeImageRef(config);
  await docker(['tag', config.workerImage, target], `tag ${config.workerImage} for the registry`);
  const pushed = await dockerTry(['push', '--quiet', target]);
  if (pushed.exitCode === 0) return;
  await dockerTry(['rmi', target]);
  throw new UsageError(
    `cannot push the node image to EC4DOCK_REGISTRY=${config.registry} (${dockerError(pushed.stderr) || 'no message'}); ` +
      'every Swarm host must pull from it: run a registry there and let the engines use it (insecure-registries for plain http)',
  );
}

/** Makes the nodes' Swarm secrets from the files the frontend made on its secrets volume. */
export async function makeNodeSecrets(config: Config, frontend: string, made: (name: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ec4d-secrets-'));
  try {
    for (const file of NODE_SECRET_FILES) {
      // base64 on the way: the munge key is binary, the CLI's output is read as text
      const text = await docker(['exec', frontend, 'base64', '-w0', `/etc/ec4docker/secrets/${file}`], `read the frontend's ${file}`);
      const path = join(dir, file);
      writeFileSync(path, Buffer.from(text.trim(), 'base64'), { mode: 0o600 });
      const name = swarmSecretName(config, file);
      await docker(['secret', 'create', ...labelArgs(config, 'secrets'), name, path], `make the Swarm secret ${name}`);
      made(name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The cluster's services and Swarm secrets, or none when the engine is no Swarm manager. */
export async function swarmResources(serverName: string): Promise<{ services: NamedResource[]; secrets: NamedResource[] }> {
  if (!(await isSwarmManager())) return { services: [], secrets: [] };
  const filter = clusterFilter(serverName);
  const [services, secrets] = await Promise.all([listNamed('service', filter), listNamed('secret', filter)]);
  return { services, secrets };
}

/** Removes services or secrets by name; one already gone counts as removed. */
export async function removeSwarmObjects(kind: 'service' | 'secret', names: string[]): Promise<void> {
  if (names.length === 0) return;
  const result = await dockerTry([kind, 'rm', ...names]);
  const real = result.stderr.split('\n').filter((l) => l.trim() && !/not found/i.test(l));
  if (result.exitCode !== 0 && real.length > 0) throw new UserError(`remove ${kind}s: ${dockerError(real.join('\n'))}`);
}
