/**
 * A stand-in for Clair v4.4 holding its contract: run as nobody (65534), configured by
 * CLAIR_CONF (and CLAIR_MODE, default combo). It refuses a bad config and a database it cannot
 * use, serves /healthz and /readyz on introspection_addr and the indexer and matcher API on
 * http_listen_addr, behind PSK-signed JWTs.
 */
import http from 'node:http';
import { verifyJwt } from '../shared/jwt.ts';
import { errorText, log, refuse } from '../shared/log.ts';
import { loadClairConfig, type ClairConfig } from './config.ts';
import { checkClairDatabase } from './database.ts';
import { indexManifest, type IndexReport, type Layer } from './indexer.ts';

const MODES = ['combo', 'indexer', 'matcher', 'notifier'];

async function main(): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
  const file = process.env.CLAIR_CONF;
  if (!file) refuse('clair', 'CLAIR_CONF is not set');
  const mode = process.env.CLAIR_MODE ?? 'combo';
  if (!MODES.includes(mode)) refuse('clair', `unknown mode ${mode}`);
  log('clair', `mode ${mode}, uid ${process.getuid?.() ?? '?'}, config ${file}`);
  const loaded = loadClairConfig(file, mode);
  if ('errors' in loaded) refuse('clair', `failed to validate config ${file}:\n  ${loaded.errors.join('\n  ')}`);
  const config = loaded.config;
  const connstrings = new Set([config.indexer?.connstring, config.matcher?.connstring, config.notifier?.connstring].filter((c): c is string => !!c));
  for (const connstring of connstrings) {
    const problem = await checkClairDatabase(connstring);
    if (problem) refuse('clair', `database: ${problem}`);
  }
  await listen(config.introspection_addr ?? ':8089', introspection);
  await listen(config.http_listen_addr ?? ':6060', api(config));
  log('clair', `ready: api on ${config.http_listen_addr ?? ':6060'}, introspection on ${config.introspection_addr ?? ':8089'}`);
}

function introspection(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz' || path === '/readyz') return reply(res, 200, 'ok');
  if (path === '/metrics') return reply(res, 200, '# stand-in: no metrics\n');
  reply(res, 404, 'not found');
}

function api(config: ClairConfig): http.RequestListener {
  const reports = new Map<string, IndexReport>();
  const psk = config.auth?.psk;
  const key = psk ? Buffer.from(psk.key, 'base64') : undefined;
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (key && psk) {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const verdict = token ? verifyJwt(token, key, psk.iss ?? []) : { error: 'no bearer token' };
      if ('error' in verdict) {
        log('clair', `refused ${req.method} ${path}: ${verdict.error}`);
        return reply(res, 401, JSON.stringify({ code: 'unauthorized', message: verdict.error }));
      }
    }
    if (req.method === 'GET' && path === '/indexer/api/v1/index_state') return reply(res, 200, JSON.stringify({ state: 'tackle-standin-1' }));
    const stored = /^\/indexer\/api\/v1\/index_report\/(sha256:[0-9a-f]{64})$/.exec(path);
    if (req.method === 'GET' && stored) {
      const report = reports.get(stored[1]!);
      return report ? reply(res, 200, JSON.stringify(report)) : reply(res, 404, JSON.stringify({ code: 'not-found', message: 'no such manifest' }));
    }
    const vulns = /^\/matcher\/api\/v1\/vulnerability_report\/(sha256:[0-9a-f]{64})$/.exec(path);
    if (req.method === 'GET' && vulns) {
      if (!reports.has(vulns[1]!)) return reply(res, 404, JSON.stringify({ code: 'not-found', message: 'no such manifest' }));
      return reply(res, 200, JSON.stringify({ manifest_hash: vulns[1], packages: {}, vulnerabilities: {}, package_vulnerabilities: {} }));
    }
    if (req.method === 'POST' && path === '/indexer/api/v1/index_report') {
      readJson(req)
        .then(async (manifest) => {
          if (!isManifest(manifest)) return reply(res, 400, JSON.stringify({ code: 'bad-request', message: 'a manifest needs a hash and layers' }));
          const report = await indexManifest(manifest);
          if (report.state === 'IndexError') log('clair', report.err);
          reports.set(manifest.hash, report);
          reply(res, 201, JSON.stringify(report));
        })
        .catch((error) => reply(res, 400, JSON.stringify({ code: 'bad-request', message: errorText(error) })));
      return;
    }
    reply(res, 404, JSON.stringify({ code: 'not-found', message: `${req.method} ${path}` }));
  };
}

function isManifest(v: unknown): v is { hash: string; layers: Layer[] } {
  const m = v as { hash?: unknown; layers?: unknown };
  return typeof m === 'object' && m !== null && typeof m.hash === 'string' && Array.isArray(m.layers) && m.layers.every((l: { hash?: unknown; uri?: unknown }) => typeof l?.hash === 'string' && typeof l?.uri === 'string');
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function reply(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': body.startsWith('{') ? 'application/json' : 'text/plain' });
  res.end(body);
}

/** Go's listen address: ":8081", "0.0.0.0:8081" or "[::1]:8081". */
function listen(address: string, listener: http.RequestListener): Promise<void> {
  const m = /^(?:\[?([^\]]*)\]?)?:(\d+)$/.exec(address);
  if (!m) refuse('clair', `bad listen address ${address}`);
  const server = http.createServer(listener);
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`cannot listen on ${address}: ${errorText(error)}`)));
    if (m[1]) server.listen(Number(m[2]), m[1], resolve);
    else server.listen(Number(m[2]), resolve);
  });
}

main().catch((error) => refuse('clair', errorText(error)));
