import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configToEnv, parseConfigText } from '../../lib/core/config.ts';
import { resolveClusterConfig as resolveConfig } from '../../lib/middleware/registry.ts';
import { UsageError } from '../../lib/core/errors.ts';

const fromText = (text: string, overrides: Record<string, string | undefined> = {}) =>
  resolveConfig('test.config', parseConfigText(text, 'test.config'), overrides);

describe('config', () => {
  it('reads the shipped Slurm config with the original key names', () => {
    const config = fromText(readFileSync('ec4docker-slurm.config', 'utf8'));
    expect(config).toMatchObject({
      serverName: 'ec4docker',
      maxNodes: 4,
      frontendImage: 'ec4dslurm:frontend',
      workerImage: 'ec4dslurm:wn',
      nodeBaseName: 'ec4dockernode',
      network: 'ec4docker-net',
    });
  });

  it('reads the shipped Torque config', () => {
    expect(fromText(readFileSync('ec4docker-torque.config', 'utf8')).frontendImage).toBe('ec4dtorque:frontend');
  });

  it('reads the shipped Grid Engine config', () => {
    const config = fromText(readFileSync('ec4docker-sge.config', 'utf8'));
    expect([config.middleware, config.frontendImage, config.workerImage, config.elasticity]).toEqual(['sge', 'ec4dsge:frontend', 'ec4dsge:wn', 'monitor']);
  });

  it("names the middleware's own images when the config names none", () => {
    expect(fromText('EC4DOCK_MIDDLEWARE=sge\n').workerImage).toBe('ec4dsge:wn');
    expect(fromText('').frontendImage).toBe('ec4dslurm:frontend');
    expect(fromText('EC4DOCK_MIDDLEWARE=sge\nEC4DOCK_WN_IMAGENAME=mine:1\n').workerImage).toBe('mine:1');
  });

  it('accepts comments, quotes and export as the original shell-sourced files could hold', () => {
    const config = fromText('# cluster\nexport EC4DOCK_SERVERNAME="hpc1"\nEC4DOCK_MAXNODES=\'12\' # twelve\n');
    expect([config.serverName, config.maxNodes]).toEqual(['hpc1', 12]);
  });

  it('refuses a line that is not KEY=VALUE, and a key set twice, naming the line', () => {
    expect(() => fromText('EC4DOCK_MAXNODES 9')).toThrow('test.config: line 1 is not KEY=VALUE: "EC4DOCK_MAXNODES 9"');
    expect(() => fromText('# nodes\nEC4DOCK_MAXNODES=9\nEC4DOCK_SERVERNAME=a\nEC4DOCK_MAXNODES=3')).toThrow('test.config: line 4: EC4DOCK_MAXNODES is set twice (first on line 2)');
    expect(() => fromText('EC4DOCK_MAXNODES=9\nexport\n')).toThrow(/line 2 is not KEY=VALUE/);
    expect(fromText('\n  # indented comment\n\texport EC4DOCK_MAXNODES = 9\n').maxNodes).toBe(9);
  });

  it('refuses a server name that is a node name', () => {
    expect(() => fromText('EC4DOCK_SERVERNAME=ec4dockernode1')).toThrow('test.config: EC4DOCK_SERVERNAME must not be a node name (ec4dockernode<number>), got "ec4dockernode1"');
    expect(fromText('EC4DOCK_SERVERNAME=ec4dockernode-fe').serverName).toBe('ec4dockernode-fe');
  });

  it('lets command-line values override the file', () => {
    const config = fromText('EC4DOCK_SERVERNAME=a\nEC4DOCK_MAXNODES=2\n', { EC4DOCK_SERVERNAME: 'b', EC4DOCK_MAXNODES: undefined });
    expect([config.serverName, config.maxNodes]).toEqual(['b', 2]);
  });

  it.each([
    ['EC4DOCK_MAXNODES=four', 'test.config: EC4DOCK_MAXNODES must be a whole number from 1 to 512, got "four"'],
    ['EC4DOCK_MAXNODES=0', 'EC4DOCK_MAXNODES must be a whole number from 1 to 512, got "0"'],
    ['EC4DOCK_MAXNODES=100000', 'EC4DOCK_MAXNODES must be a whole number from 1 to 512, got "100000"'],
    ['EC4DOCK_MAXNODES=-3', 'got "-3"'],
    ['EC4DOCK_SERVERNAME=My_Cluster', 'EC4DOCK_SERVERNAME must be 1-40 lower-case letters'],
    ['EC4DOCK_SERVERNAME=', 'EC4DOCK_SERVERNAME must be 1-40'],
    ['EC4DOCK_SERVERNAME=a-', 'EC4DOCK_SERVERNAME must be 1-40'],
    ['EC4DOCK_NODEBASENAME=node1', 'EC4DOCK_NODEBASENAME must not end with a digit, got "node1"'],
    ['EC4DOCK_NODEBASENAME=ec4docker', 'EC4DOCK_NODEBASENAME must differ from EC4DOCK_SERVERNAME'],
    ['EC4DOCK_WN_IMAGENAME=Bad Image', 'EC4DOCK_WN_IMAGENAME must be a Docker image reference'],
    ['EC4DOCK_FRONTEND_IMAGENAME=UPPER:tag', 'EC4DOCK_FRONTEND_IMAGENAME must be a Docker image reference'],
    ['EC4DOCK_ELASTICITY=sometimes', 'EC4DOCK_ELASTICITY must be one of none, slurm, monitor, got "sometimes"'],
    ['EC4DOCK_MIDDLEWARE=pbs', 'EC4DOCK_MIDDLEWARE must be one of slurm, sge, torque, got "pbs"'],
    ['EC4DOCK_MIDDLEWARE=sge\nEC4DOCK_ELASTICITY=slurm', 'EC4DOCK_ELASTICITY slurm needs EC4DOCK_MIDDLEWARE=slurm (sge has no power saving of its own'],
    ['EC4DOCK_SSH_PORT=70000', 'EC4DOCK_SSH_PORT must be a whole number from 0 to 65535'],
    ['EC4DOCK_DOCKER_HOST=localhost:2375', 'EC4DOCK_DOCKER_HOST must be a unix://, tcp:// or ssh:// address'],
    ['EC4DOCK_PASSWORD=short', 'EC4DOCK_PASSWORD must be at least 12 characters'],
    ['EC4DOCK_ACCOUNTING=true', 'EC4DOCK_ACCOUNTING must be one of yes, no, got "true"'],
    ['EC4DOCK_MIDDLEWARE=sge\nEC4DOCK_REST_API=yes', 'EC4DOCK_REST_API yes needs EC4DOCK_MIDDLEWARE=slurm, got "yes"'],
    ['EC4DOCK_REST_PORT=-1', 'EC4DOCK_REST_PORT must be a whole number from 0 to 65535'],
    ['EC4DOCK_NODE_MEMORY=lots', 'EC4DOCK_NODE_MEMORY must be a size such as 512m or 4g (empty: no limit), got "lots"'],
    ['EC4DOCK_NODE_MEMORY=1024', 'EC4DOCK_NODE_MEMORY must be at least 6m, the least Docker accepts, got "1024"'],
    ['EC4DOCK_NODE_PIDS=3', 'EC4DOCK_NODE_PIDS must be a whole number from 16 to 4194304, got "3"'],
    ['EC4DOCK_PASSWORD=elevenchars', 'EC4DOCK_PASSWORD must be at least 12 characters'],
    ['EC4DOCK_SSH_ADDRESS=localhost', 'EC4DOCK_SSH_ADDRESS must be an IPv4 address of this host, such as 127.0.0.1 or 0.0.0.0, got "localhost"'],
    ['EC4DOCK_MAXNODE=4', 'test.config: unknown key EC4DOCK_MAXNODE'],
  ])('rejects %s with a message naming the key', (text, message) => {
    expect(() => fromText(text)).toThrow(UsageError);
    expect(() => fromText(text)).toThrow(message);
  });

  it('never echoes a rejected password', () => {
    expect(() => fromText('EC4DOCK_PASSWORD=abc')).toThrow(/value not shown/);
    expect(() => fromText('EC4DOCK_PASSWORD=abc')).not.toThrow(/abc/);
  });

  it('hands the frontend everything but the password and the engine address', () => {
    const env = configToEnv(fromText('EC4DOCK_PASSWORD=correct-horse\nEC4DOCK_DOCKER_HOST=tcp://h:2375'));
    expect(Object.keys(env)).not.toContain('EC4DOCK_PASSWORD');
    expect(Object.keys(env)).not.toContain('EC4DOCK_DOCKER_HOST');
    // and what it hands over reads back to the same values
    expect(resolveConfig('env', env)).toMatchObject({ serverName: 'ec4docker', maxNodes: 4, network: 'ec4docker-net' });
  });
});
