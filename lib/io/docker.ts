// The only module that talks to the Docker engine, through the docker CLI. The same calls
// run on the host (setup-cluster) and in the frontend (poweron/poweroff, via the mounted socket).
import { LABEL_NODE_RANGE } from '../core/names.ts';
import { UserError } from '../core/errors.ts';
import { lastLine, run, type RunResult, waitFor } from './run.ts';

export interface ContainerSummary {
  id: string;
  name: string;
  state: string; // running | exited | created | ...
  labels: Record<string, string>;
}

export interface NamedResource {
  name: string;
  labels: Record<string, string>;
}

/** Points every later docker call at the given engine (empty: the default one). */
export function useEngine(dockerHost: string): void {
  if (dockerHost !== '') process.env.DOCKER_HOST = dockerHost;
}

export type DockerResult = RunResult;

/** Runs `docker ARGS` and returns how it ended, for callers that look at a failure themselves. */
export const dockerTry = (args: readonly string[], input?: string, timeout: 'engine' | 'logs' | 'query' = 'engine'): Promise<DockerResult> =>
  run('docker', args, { timeout, input });

/** Runs `docker ARGS`; a non-zero exit becomes a one-line UserError naming the action. */
export async function docker(args: readonly string[], action: string, input?: string): Promise<string> {
  const result = await dockerTry(args, input);
  if (result.exitCode !== 0) throw dockerFailure(args, action, result);
  return result.stdout;
}

/** The one-line UserError for a failed `docker ARGS`: the action, the command, what happened. */
export function dockerFailure(args: readonly string[], action: string, result: DockerResult): UserError {
  return new UserError(`${action}: docker ${args[0]} exited ${result.exitCode}: ${dockerError(result.stderr) || 'no message'}`);
}

/**
 * The line of a docker CLI error that says what happened: the CLI ends with a pointer to its
 * help ("See 'docker run --help'." up to 20.10, "Run 'docker run --help' for more information" since).
 */
export const dockerError = (stderr: string): string =>
  lastLine(stderr.replace(/^(See 'docker .*--help'\.|Run 'docker .*--help' for more information)$/gm, ''));

/** Runs `docker ARGS` and reports only whether it succeeded (for questions like "does it exist?"). */
export async function dockerOk(args: readonly string[]): Promise<boolean> {
  return (await dockerTry(args)).exitCode === 0;
}

/** Fails with a clear message when no engine answers. Returns the engine's CPU count. */
export async function engineCpus(): Promise<number> {
  const result = await dockerTry(['info', '--format', '{{.NCPU}}'], undefined, 'query');
  if (result.exitCode !== 0 || !/^[0-9]+$/.test(result.stdout.trim())) {
    const why = lastLine(result.stderr) || 'docker info failed';
    throw new UserError(`cannot reach the Docker engine (${why}); start it, or on Debian: apt-get install docker.io`);
  }
  return Number(result.stdout.trim());
}

/** The engine's default log driver for containers ('json-file', 'journald', ...; '' if unknown). */
export async function engineLogDriver(): Promise<string> {
  const result = await dockerTry(['info', '--format', '{{.LoggingDriver}}'], undefined, 'query');
  return result.exitCode === 0 ? result.stdout.trim() : '';
}

/** An image's labels, or undefined if the engine has no such image. */
export async function imageLabels(ref: string): Promise<Record<string, string> | undefined> {
  const result = await dockerTry(['image', 'inspect', '--format', '{{json .Config.Labels}}', ref]);
  if (result.exitCode !== 0) return undefined;
  return (JSON.parse(result.stdout.trim() || 'null') as Record<string, string> | null) ?? {};
}

const parseLabels = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split(',')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );

/** Containers (running or not) matching the filter arguments. */
export async function listContainers(filters: string[]): Promise<ContainerSummary[]> {
  const out = await docker(['ps', '-a', '--no-trunc', ...filters, '--format', '{{json .}}'], 'list containers');
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { ID: string; Names: string; State: string; Labels: string })
    .map((c) => ({ id: c.ID, name: c.Names, state: c.State, labels: parseLabels(c.Labels) }));
}

/** Networks, volumes, or (on a Swarm manager) services or secrets matching the filter arguments. */
export async function listNamed(kind: 'network' | 'volume' | 'service' | 'secret', filters: string[]): Promise<NamedResource[]> {
  const out = await docker([kind, 'ls', ...filters, '--format', '{{json .}}'], `list ${kind}s`);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { Name: string; Labels?: string })
    .map((r) => ({ name: r.Name, labels: parseLabels(r.Labels ?? '') })); // a service's line has no labels
}

/** Labels of a network or volume, or undefined if it does not exist. */
export async function inspectLabels(kind: 'network' | 'volume', name: string): Promise<Record<string, string> | undefined> {
  const result = await dockerTry([kind, 'inspect', '--format', '{{json .Labels}}', name]);
  if (result.exitCode !== 0) return undefined;
  return (JSON.parse(result.stdout.trim() || 'null') as Record<string, string> | null) ?? {};
}

/** State of a container ('running', 'exited', ...) or undefined if there is none by that name. */
export async function containerState(name: string): Promise<string | undefined> {
  const result = await dockerTry(['container', 'inspect', '--format', '{{.State.Status}}', name]);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/**
 * What `docker rm` said went wrong, by line: containers someone else is removing (named as they
 * were asked for), and other errors. A missing container is no error: it counts as removed.
 */
export function removalErrors(stderr: string): { inProgress: string[]; others: string[] } {
  const lines = stderr.split('\n').filter((l) => l.trim() && !/No such container/i.test(l));
  const inProgress = lines.flatMap((l) => /removal of container (\S+) is already in progress/.exec(l)?.[1] ?? []);
  return { inProgress, others: lines.filter((l) => !/is already in progress/.test(l)) };
}

/**
 * Removes containers by name or id, stopping them first. One that someone else is removing (the
 * monitor, a node whose container exited) is waited for.
 */
export async function removeContainers(names: string[]): Promise<void> {
  let left = names;
  const removed = await waitFor(async () => {
    if (left.length === 0) return true;
    const result = await dockerTry(['rm', '-f', '-v', ...left]);
    if (result.exitCode === 0) return true;
    const { inProgress, others } = removalErrors(result.stderr);
    if (others.length > 0) throw new UserError(`remove containers: ${lastLine(others.join('\n'))}`);
    left = inProgress;
    return left.length === 0 ? true : undefined;
  }, REMOVAL_WAIT_MS, 500);
  if (!removed) throw new UserError(`remove containers: ${left.join(', ')} still being removed after ${REMOVAL_WAIT_MS / 1000} s`);
}
const REMOVAL_WAIT_MS = 30_000;

/** The host address published for a container port, e.g. "0.0.0.0:32770". */
export async function publishedPort(container: string, port: string): Promise<string> {
  const out = await docker(['port', container, port], `published port of ${container}`);
  return out.split('\n')[0]?.trim() ?? '';
}

/** Last line a container logged ('' if none or no container). */
export async function lastLogLine(container: string): Promise<string> {
  const logs = await dockerTry(['logs', '--tail', '3', container], undefined, 'logs');
  return logs.exitCode === 0 ? lastLine(`${logs.stdout}\n${logs.stderr}`) : '';
}

const nodeRanges = new Map<string, Promise<string | undefined>>();
/**
 * The node range label of a network, read once per process: it never changes while the network
 * exists, and the nodes started together (50 at once) then cost the engine one inspect, not 50.
 */
export function networkNodeRange(network: string): Promise<string | undefined> {
  let range = nodeRanges.get(network);
  if (!range) {
    range = inspectLabels('network', network).then((labels) => labels?.[LABEL_NODE_RANGE]);
    // Not found is not kept: a network being made may be read again.
    range.then((value) => value === undefined && nodeRanges.delete(network), () => nodeRanges.delete(network));
    nodeRanges.set(network, range);
  }
  return range;
}

/** The subnet the engine gave a network (its first IPv4 one). */
export async function networkSubnet(network: string): Promise<string> {
  const out = await docker(['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', network], `inspect network ${network}`);
  const subnet = out.split(/\s+/).find((s) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s));
  if (!subnet) throw new UserError(`network ${network} has no IPv4 subnet`);
  return subnet;
}
