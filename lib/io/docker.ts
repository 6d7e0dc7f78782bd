// The only module that talks to the Docker engine: through the docker CLI, and in the frontend
// the hot calls (listing, inspect, removal) through engine-api.ts. The same calls run on the host
// (setup-cluster) and in the frontend (poweron/poweroff, clues-monitor, via the gate's socket).
import { LABEL_NODE_RANGE } from '../core/names.ts';
import { UserError } from '../core/errors.ts';
import { engineApi, engineRequest, filtersParam } from './engine-api.ts';
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

/** Containers (running or not) matching the filter arguments (`--filter KEY=VALUE` pairs). */
export async function listContainers(filters: string[]): Promise<ContainerSummary[]> {
  if (engineApi()) {
    const got = await engineRequest('GET', `/containers/json?all=1&filters=${filtersParam(filters)}`);
    if (got.status !== 200) throw new UserError(`list containers: ${got.message}`);
    return (got.body as Array<{ Id: string; Names?: string[]; State: string; Labels?: Record<string, string> }>)
      .map((c) => ({ id: c.Id, name: (c.Names?.[0] ?? '').replace(/^\//, ''), state: c.State, labels: c.Labels ?? {} }));
  }
  const out = await docker(['ps', '-a', '--no-trunc', ...filters, '--format', '{{json .}}'], 'list containers');
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { ID: string; Names: string; State: string; Labels: string })
    .map((c) => ({ id: c.ID, name: c.Names, state: c.State, labels: parseLabels(c.Labels) }));
}

/** What a container inspect says of one container, in the fields ec4docker reads. */
export interface ContainerDetails {
  id: string;
  created: number; // epoch ms
  startedAt: string; // RFC 3339, as the engine gives it
  state: string;
  labels: Record<string, string>;
  image: string; // the id of the image it was made from
}

/** The fields of an inspect's JSON (the API's object, one element of the CLI's array). */
export function containerDetails(json: unknown): ContainerDetails {
  const c = json as { Id: string; Created: string; Image?: string; State?: { Status?: string; StartedAt?: string }; Config?: { Labels?: Record<string, string> | null } };
  return { id: c.Id, created: Date.parse(c.Created), startedAt: c.State?.StartedAt ?? '', state: c.State?.Status ?? '', labels: c.Config?.Labels ?? {}, image: c.Image ?? '' };
}

// The engine's "no such container"; the gate's answer in the frontend for a container not this cluster's.
const NOT_THERE = /No such (container|object)|is not a node of cluster/i;

/**
 * One container by name or id, or undefined if there is none (or, through the gate, none of this
 * cluster's): what the checks on a power-on or a power-off ask, in one call.
 */
export async function inspectContainer(name: string): Promise<ContainerDetails | undefined> {
  if (engineApi()) {
    const got = await engineRequest('GET', `/containers/${encodeURIComponent(name)}/json`);
    if (got.status === 200) return containerDetails(got.body);
    if (NOT_THERE.test(got.message)) return undefined;
    throw new UserError(`inspect container ${name}: ${got.message}`);
  }
  const args = ['container', 'inspect', name];
  const result = await dockerTry(args);
  if (result.exitCode === 0) return containerDetails((JSON.parse(result.stdout) as unknown[])[0]);
  if (NOT_THERE.test(result.stderr)) return undefined;
  throw dockerFailure(args, `inspect container ${name}`, result);
}

/**
 * A container to create, in the engine API's terms: the fields ec4docker sets for a node's
 * container, and only those (runArgs knows each of them).
 */
export interface ContainerCreate {
  Image: string;
  Env: string[];
  Labels: Record<string, string>;
  HostConfig: {
    Init: boolean;
    NetworkMode: string;
    Binds: string[];
    CapDrop: string[];
    CapAdd: string[];
    SecurityOpt: string[];
    PidsLimit: number;
    Memory: number; // bytes, 0: no limit
    NanoCpus: number; // 0: no limit
  };
}

/** The same container as `docker run -d` arguments, for an engine the CLI reaches. */
export function runArgs(name: string, spec: ContainerCreate): string[] {
  const host = spec.HostConfig;
  return [
    'run', '-d', ...(host.Init ? ['--init'] : []), '--name', name, '--network', host.NetworkMode,
    ...Object.entries(spec.Labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]),
    ...host.Binds.flatMap((bind) => ['-v', bind]),
    ...host.CapDrop.flatMap((cap) => ['--cap-drop', cap]), ...host.CapAdd.flatMap((cap) => ['--cap-add', cap]),
    '--pids-limit', String(host.PidsLimit), ...(host.Memory > 0 ? ['--memory', String(host.Memory)] : []),
    ...(host.NanoCpus > 0 ? ['--cpus', String(host.NanoCpus / 1e9)] : []), ...host.SecurityOpt.flatMap((opt) => ['--security-opt', opt]),
    ...spec.Env.flatMap((env) => ['-e', env]),
    spec.Image,
  ];
}

/**
 * Creates and starts a container, as `docker run -d` does: over the API in the frontend, else with
 * the CLI. Either way a failure reads as `docker run`'s (exit 125, the engine's message), and a
 * container made whose start failed is left, as `docker run` leaves it.
 */
export async function runContainer(name: string, spec: ContainerCreate): Promise<DockerResult> {
  if (!engineApi()) return dockerTry(runArgs(name, spec));
  const failed = (message: string): DockerResult => ({ exitCode: 125, stdout: '', stderr: `docker: Error response from daemon: ${message}` });
  const made = await createContainer(name, spec);
  if (made.id === undefined) return failed(made.message);
  const message = await startContainer(made.id);
  return message === '' ? { exitCode: 0, stdout: `${made.id}\n`, stderr: '' } : failed(message);
}

/** Creates a container, not started, over the API; the engine's message if it refused. */
export async function createContainer(name: string, spec: ContainerCreate): Promise<{ id?: string; message: string }> {
  const made = await engineRequest('POST', `/containers/create?name=${encodeURIComponent(name)}`, spec);
  return made.status === 201 ? { id: String((made.body as { Id?: string } | undefined)?.Id ?? name), message: '' } : { message: made.message };
}

/** Starts a made container over the API; '' when it runs (or ran already), else the engine's message. */
export async function startContainer(id: string): Promise<string> {
  const started = await engineRequest('POST', `/containers/${encodeURIComponent(id)}/start`);
  return started.status < 300 || started.status === 304 ? '' : started.message || `status ${started.status}`;
}

/** The id of an image over the API, or undefined if there is none by that name. */
export async function imageId(ref: string): Promise<string | undefined> {
  const got = await engineRequest('GET', `/images/${encodeURIComponent(ref)}/json`);
  return got.status === 200 ? String((got.body as { Id?: string } | undefined)?.Id ?? '') || undefined : undefined;
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
export const containerState = async (name: string): Promise<string | undefined> => (await inspectContainer(name).catch(() => undefined))?.state;

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
    left = engineApi() ? await removeOverApi(left) : await removeWithCli(left);
    return left.length === 0 ? true : undefined;
  }, REMOVAL_WAIT_MS, 500);
  if (!removed) throw new UserError(`remove containers: ${left.join(', ')} still being removed after ${REMOVAL_WAIT_MS / 1000} s`);
}

/** One `docker rm` of the containers: those someone else is still removing. */
async function removeWithCli(names: string[]): Promise<string[]> {
  const result = await dockerTry(['rm', '-f', '-v', ...names]);
  if (result.exitCode === 0) return [];
  const { inProgress, others } = removalErrors(result.stderr);
  if (others.length > 0) throw new UserError(`remove containers: ${lastLine(others.join('\n'))}`);
  return inProgress;
}

/** The same over the API, the containers at once: those someone else is still removing. */
async function removeOverApi(names: string[]): Promise<string[]> {
  const answers = await Promise.all(names.map((n) => engineRequest('DELETE', `/containers/${encodeURIComponent(n)}?force=1&v=1`)));
  // The engine's messages are the CLI's lines: "No such container" counts as removed.
  const { inProgress, others } = removalErrors(answers.filter((a) => a.status >= 300).map((a) => a.message || `status ${a.status}`).join('\n'));
  if (others.length > 0) throw new UserError(`remove containers: ${lastLine(others.join('\n'))}`);
  return inProgress;
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
