// The Docker Engine API over a unix socket, for the engine calls the frontend makes on every
// power-on, every power-off and every second of clues-monitor: there a `docker` CLI process costs
// 130-340 ms (its own start, on two busy cores), a request through the gate 3-13 ms. Node's http
// does these few calls; everything else, and every engine reached over tcp:// or ssh://, keeps
// the CLI, which knows contexts, TLS and SSH.
import http from 'node:http';

let socket: string | undefined;

/** Sends the calls of this module to the engine behind `path` (undefined: the CLI does them). */
export function useEngineSocket(path: string | undefined): void {
  socket = path;
}

/** Whether engine calls go over the API in this process (see useEngineSocket). */
export const engineApi = (): boolean => socket !== undefined;

/** An engine's answer: its HTTP status, its JSON body, and its error message if it gave one. */
export interface ApiAnswer {
  status: number;
  body: unknown;
  message: string;
}

// Unversioned paths: the engine answers in its own API version, which every engine of the last
// years still does for the few fields read here (Docker 29 refuses versions older than 1.44).
const TIMEOUT_MS = 60_000; // as the CLI's 'engine' deadline: a container start under load takes seconds

/** One request to the engine; a socket that does not answer is status 502 with the reason. */
export function engineRequest(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  if (socket === undefined) throw new Error('engineRequest: no engine socket (useEngineSocket)');
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const headers = payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {};
    const req = http.request({ socketPath: socket, path, method, headers, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(answer(res.statusCode ?? 502, Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', (error) => resolve({ status: 502, body: undefined, message: `the engine did not answer: ${error.message}` }));
    req.end(payload);
  });
}

/** Parses an answer's body: JSON, or (a plain-text error) kept as the message. */
export function answer(status: number, text: string): ApiAnswer {
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const message = status >= 400 ? String((body as { message?: unknown } | undefined)?.message ?? text).trim() : '';
  return { status, body, message };
}

/**
 * The API's `filters` parameter for the CLI's `--filter KEY=VALUE` arguments, which the callers
 * of docker.ts give either way: `label=a=b` is key "label", value "a=b". In the engine's map form
 * ({"label": {"a=b": true}}), as the gate's own filter is.
 */
export function filtersParam(args: readonly string[]): string {
  const filters: Record<string, Record<string, boolean>> = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--filter') throw new Error(`filtersParam: ${args[i]} is not --filter`);
    const pair = args[++i] ?? '';
    const key = pair.slice(0, pair.indexOf('='));
    (filters[key] ??= {})[pair.slice(pair.indexOf('=') + 1)] = true;
  }
  return encodeURIComponent(JSON.stringify(filters));
}
