/** The `registry` entry mode: Quay's web and registry endpoints on 8080 (HTTP) and 8443 (HTTPS). */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { errorText, log, refuse } from '../shared/log.ts';
import { QuayApi, type ApiState } from './api.ts';
import type { QuayConfig } from './config.ts';
import { loadApiState, migrate, MigrationConflict, saveApiState } from './database.ts';
import { instanceHealth } from './health.ts';
import { PROBE_LAYER, PROBE_LAYER_PATH } from './probe-layer.ts';

export interface Ports {
  http: number;
  https: number;
}

export function tlsFiles(stackDir: string): { cert: string; key: string } {
  const read = (name: string) => {
    try {
      return readFileSync(join(stackDir, name), 'utf8');
    } catch (error) {
      return refuse('quay', `cannot read ${join(stackDir, name)} as uid ${process.getuid?.() ?? '?'}: ${errorText(error)}`);
    }
  };
  return { cert: read('ssl.cert'), key: read('ssl.key') };
}

export async function runRegistry(config: QuayConfig, stackDir: string, ports: Ports): Promise<void> {
  const tls = tlsFiles(stackDir);
  // Until the database was usable once (it may start after Quay, at boot), every API request
  // tries again first, and gets 503 while it is not: the API never answers from an empty state.
  let databaseReady = false;
  const ensureDatabase = async () => {
    if (databaseReady) return;
    const state = await migrateAndLoad(config.DB_URI);
    if (state === false) return;
    databaseReady = true;
    if (state !== true) api.restore(state);
  };
  const api: QuayApi = new QuayApi({
    userInitialize: config.FEATURE_USER_INITIALIZE ?? false,
    anonymousAccess: config.FEATURE_ANONYMOUS_ACCESS ?? true,
    mailing: config.FEATURE_MAILING ?? true,
    onWrite: () => {
      if (databaseReady) void saveApiState(config.DB_URI, api.snapshot()).catch((error) => log('quay', `cannot save the API state: ${errorText(error)}`));
    },
  });
  await ensureDatabase();
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (path === '/health/instance' || path === '/health/endtoend')) {
      void instanceHealth(config).then((report) => {
        if (report.status !== 200) log('quay', `health ${report.status}: ${JSON.stringify(report.body.data.failures)}`);
        res.writeHead(report.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(report.body));
      });
      return;
    }
    if (req.method === 'GET' && path === PROBE_LAYER_PATH) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': PROBE_LAYER.length });
      res.end(PROBE_LAYER);
      return;
    }
    if (req.method === 'GET' && path === '/v2/') {
      res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
      res.end('{}');
      return;
    }
    void ensureDatabase().then(() => {
      if (databaseReady) return api.serve(req, res);
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: 'the database is not available', status: 503, title: 'database_unavailable' }));
    });
  };
  const plain = http.createServer(listener);
  let secure: https.Server;
  try {
    secure = https.createServer({ cert: tls.cert, key: tls.key }, listener);
  } catch (error) {
    refuse('quay', `ssl.cert and ssl.key do not make a TLS server: ${errorText(error)}`);
  }
  await Promise.all([listen(plain, ports.http), listen(secure, ports.https)]);
  log('quay', `registry serving http on ${ports.http} and https on ${ports.https} as ${config.SERVER_HOSTNAME}`);
  const first = await instanceHealth(config);
  log('quay', first.status === 200 ? 'all services healthy' : `unhealthy: ${JSON.stringify(first.body.data.failures)}`);
}

/**
 * Migrates as Quay does at start; a collision with another migrator is fatal (Quay exits), a
 * database that cannot be reached is left to /health/instance to report. Returns the stored
 * API state, true for a usable database without one, false without a usable database.
 */
async function migrateAndLoad(dbUri: string): Promise<ApiState | boolean> {
  try {
    log('quay', `database migration: ${await migrate(dbUri)}`);
    return ((await loadApiState(dbUri)) as ApiState | null) ?? true;
  } catch (error) {
    if (error instanceof MigrationConflict) refuse('quay', error.message);
    log('quay', `database not usable at start: ${errorText(error)}`);
    return false;
  }
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`cannot listen on ${port}: ${errorText(error)}`)));
    server.listen(port, resolve);
  });
}
