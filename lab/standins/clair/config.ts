/**
 * Clair v4.4's config file: the keys of its config package and their Go types. Unlike Clair,
 * which ignores a key it does not know, the stand-in refuses one, so a misspelt or dead key
 * (matcher.run, trace.jaeger.agent_endpoint) shows up instead of silently doing nothing.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

type Leaf = 'string' | 'int' | 'bool' | 'duration' | 'float' | 'strings' | 'base64' | 'map' | 'headers';
interface Shape {
  [key: string]: Leaf | Shape;
}

const TLS: Shape = { root_ca: 'string', cert: 'string', key: 'string' };
const SHAPE: Shape = {
  tls: TLS,
  http_listen_addr: 'string',
  introspection_addr: 'string',
  log_level: 'string',
  indexer: {
    scanner: { package: 'map', dist: 'map', repo: 'map' },
    connstring: 'string',
    scanlock_retry: 'int',
    layer_scan_concurrency: 'int',
    index_report_request_concurrency: 'int',
    migrations: 'bool',
    airgap: 'bool',
  },
  matcher: {
    connstring: 'string',
    indexer_addr: 'string',
    period: 'duration',
    update_retention: 'int',
    max_conn_pool: 'int',
    cache_age: 'duration',
    migrations: 'bool',
    disable_updaters: 'bool',
  },
  matchers: { config: 'map', names: 'strings' },
  updaters: { filter: 'string', config: 'map', sets: 'strings' },
  notifier: {
    webhook: { headers: 'headers', target: 'string', callback: 'string', signed: 'bool' },
    amqp: 'map',
    stomp: 'map',
    connstring: 'string',
    indexer_addr: 'string',
    matcher_addr: 'string',
    poll_interval: 'duration',
    delivery_interval: 'duration',
    disable_summary: 'bool',
    migrations: 'bool',
  },
  auth: {
    psk: { key: 'base64', iss: 'strings' },
    keyserver: { api: 'string', intraservice: 'base64' },
  },
  trace: {
    name: 'string',
    probability: 'float',
    jaeger: {
      tags: 'map',
      agent: { endpoint: 'string' },
      collector: { username: 'string', password: 'string', endpoint: 'string' },
      service_name: 'string',
      buffer_max: 'int',
    },
  },
  metrics: { prometheus: { endpoint: 'string' }, name: 'string' },
};

const LOG_LEVELS = ['trace', 'debug-color', 'debug', 'info', 'warn', 'error', 'fatal', 'panic'];
const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;

export interface ClairConfig {
  http_listen_addr?: string;
  introspection_addr?: string;
  log_level?: string;
  indexer?: { connstring?: string };
  matcher?: { connstring?: string };
  notifier?: { connstring?: string };
  auth?: { psk?: { key: string; iss?: string[] } };
}

export function loadClairConfig(file: string, mode: string): { config: ClairConfig } | { errors: string[] } {
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { errors: [`failed to decode yaml config ${file}: ${(error as Error).message}`] };
  }
  if (!isMap(data)) return { errors: [`${file}: the config must be a mapping`] };
  const errors: string[] = [];
  checkShape(data, SHAPE, '', errors);
  const config = data as ClairConfig;
  if (config.log_level !== undefined && !LOG_LEVELS.includes(config.log_level)) errors.push(`log_level: unknown level ${JSON.stringify(config.log_level)}`);
  const needed = mode === 'combo' ? ['indexer', 'matcher', 'notifier'] : [mode];
  for (const block of needed) {
    const section = (data as Record<string, unknown>)[block];
    if (!isMap(section) || typeof section.connstring !== 'string' || !section.connstring) errors.push(`${block}.connstring is required in ${mode} mode`);
  }
  if (config.auth?.psk && !(config.auth.psk.iss ?? []).length) errors.push('auth.psk.iss must list at least one issuer');
  return errors.length ? { errors } : { config };
}

function checkShape(value: Record<string, unknown>, shape: Shape, prefix: string, errors: string[]): void {
  for (const [key, child] of Object.entries(value)) {
    const path = prefix + key;
    const expected = shape[key];
    if (expected === undefined) {
      errors.push(`${path}: unknown key`);
      continue;
    }
    if (child === null) continue;
    if (typeof expected === 'object') {
      if (isMap(child)) checkShape(child, expected, `${path}.`, errors);
      else errors.push(`${path}: must be a mapping`);
      continue;
    }
    const problem = leafProblem(expected, child);
    if (problem) errors.push(`${path}: ${problem}`);
  }
}

function leafProblem(leaf: Leaf, v: unknown): string | null {
  switch (leaf) {
    case 'string':
      return typeof v === 'string' ? null : `cannot unmarshal ${JSON.stringify(v)} into a string`;
    case 'int':
      return Number.isInteger(v) ? null : `cannot unmarshal ${JSON.stringify(v)} into an int`;
    case 'float':
      return typeof v === 'number' ? null : `cannot unmarshal ${JSON.stringify(v)} into a float`;
    case 'bool':
      return typeof v === 'boolean' ? null : `cannot unmarshal ${JSON.stringify(v)} into a bool`;
    case 'duration':
      if (Number.isInteger(v)) return null;
      return typeof v === 'string' && (v === '0' || GO_DURATION.test(v)) ? null : `invalid duration ${JSON.stringify(v)}`;
    case 'strings':
      return Array.isArray(v) && v.every((s) => typeof s === 'string') ? null : 'must be a list of strings';
    case 'base64':
      return typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0 ? null : 'illegal base64 data';
    case 'map':
      return isMap(v) ? null : 'must be a mapping';
    case 'headers':
      return isMap(v) && Object.values(v).every((h) => Array.isArray(h) && h.every((s) => typeof s === 'string')) ? null : 'must map header names to lists of strings';
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
