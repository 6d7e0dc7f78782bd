// The engine gate: holds the engine's socket and serves the frontend a socket of its own that
// passes only what rules.ts allows. It reads each request whole (a create's body is what matters;
// an endpoint-only proxy could not check it), asks the engine what a target container is when the
// rules need it, and streams the engine's answer back.
import { chmodSync, chownSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { dirname } from 'node:path';
import type { Config } from '../core/config.ts';
import { type GateRequest, judge, ownsSecret, ownsTarget, unversioned, type Verdict } from './rules.ts';

/** Where the gate serves the frontend (a volume shared by the two containers). */
export const GATE_SOCKET = '/run/ec4docker-gate/docker.sock';

/** The group the gate's socket belongs to: the frontend gives it to the accounts that start nodes. */
export const GATE_GID = 990;

export interface GateOptions {
  listen: string; // the socket the frontend uses
  engine: string; // the engine's socket
  log?: (line: string) => void;
}

/** Asks the engine (GET), returning the parsed JSON body and status. */
function ask(engine: string, path: string): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath: engine, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let body: Record<string, unknown> | undefined;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 500, body });
      });
    });
    req.on('error', () => resolve({ status: 502, body: undefined }));
    req.end();
  });
}

function refuse(res: http.ServerResponse, status: number, why: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ message: `ec4docker gate: ${why}` }));
}

/** Settles a verdict that needs a look at the engine: a target container, or a network. */
async function settle(config: Config, engine: string, verdict: Verdict): Promise<Verdict> {
  if (verdict.kind === 'check-target') {
    const seen = await ask(engine, `/containers/${encodeURIComponent(verdict.id)}/json`);
    if (seen.status === 404) return { kind: 'pass' }; // the engine says "no such container" itself
    const labels = (seen.body?.Config as { Labels?: Record<string, string> } | undefined)?.Labels;
    return ownsTarget(config, labels, verdict.roles) ? { kind: 'pass' } : { kind: 'deny', why: `container ${verdict.id} is not a node of cluster ${config.serverName}` };
  }
  if (verdict.kind === 'check-service') {
    const seen = await ask(engine, `/services/${encodeURIComponent(verdict.id)}`);
    if (seen.status === 404) return { kind: 'pass' };
    const labels = (seen.body?.Spec as { Labels?: Record<string, string> } | undefined)?.Labels;
    return ownsTarget(config, labels, ['node']) ? { kind: 'pass' } : { kind: 'deny', why: `service ${verdict.id} is not a node of cluster ${config.serverName}` };
  }
  if (verdict.kind === 'check-refs') {
    const network = await settle(config, engine, { kind: 'check-network', id: verdict.network });
    if (network.kind === 'deny') return network;
    for (const id of verdict.secrets) {
      const seen = await ask(engine, `/secrets/${encodeURIComponent(id)}`);
      if (!ownsSecret(config, seen.body?.Spec as Parameters<typeof ownsSecret>[1])) return { kind: 'deny', why: `secret ${id} is not cluster ${config.serverName}'s` };
    }
    return { kind: 'pass' };
  }
  if (verdict.kind === 'check-network') {
    const seen = await ask(engine, `/networks/${encodeURIComponent(verdict.id)}`);
    if (seen.status === 404) return { kind: 'pass' };
    return seen.body?.Name === config.network ? { kind: 'pass' } : { kind: 'deny', why: `network ${verdict.id} is not cluster ${config.serverName}'s` };
  }
  return verdict;
}

/** Serves the gate until the process ends. */
export function serveGate(config: Config, options: GateOptions): http.Server {
  const log = options.log ?? (() => undefined);
  mkdirSync(dirname(options.listen), { recursive: true });
  rmSync(options.listen, { force: true });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://gate');
        const raw = Buffer.concat(chunks);
        const request: GateRequest = { method: req.method ?? 'GET', path: unversioned(url.pathname), query: url.searchParams };
        if (raw.length > 0) {
          try {
            request.body = JSON.parse(raw.toString('utf8'));
          } catch {
            return refuse(res, 400, 'the request body is not JSON');
          }
        }
        const verdict = await settle(config, options.engine, judge(config, request));
        if (verdict.kind === 'deny') {
          log(`refused ${request.method} ${request.path}: ${verdict.why}`);
          return refuse(res, 403, verdict.why);
        }
        let path = req.url ?? '/';
        if (verdict.kind === 'pass-listing') {
          url.searchParams.set('filters', verdict.filters);
          path = `${url.pathname}?${url.searchParams.toString()}`;
        }
        const headers = { ...req.headers, 'content-length': String(raw.length) };
        const upstream = http.request({ socketPath: options.engine, path, method: req.method, headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          // At once: `docker run` waits for the headers of its long-polling wait before it starts.
          res.flushHeaders();
          answer.pipe(res);
        });
        upstream.on('error', (error) => refuse(res, 502, `the engine did not answer: ${error.message}`));
        upstream.end(raw);
      })();
    });
  });
  server.listen(options.listen, () => {
    // root (the frontend's root) and the group of the accounts that start nodes; nobody else.
    chownSync(options.listen, 0, GATE_GID);
    chmodSync(options.listen, 0o660);
    log(`gate for cluster ${config.serverName}: listening on ${options.listen}, engine ${options.engine}`);
  });
  return server;
}
