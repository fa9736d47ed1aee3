/**
 * The `repomirror` entry mode: the mirroring worker. It needs the config and the database, and
 * with REPO_MIRROR_TLS_VERIFY it must trust the CA of the registry it pushes to (Quay's own
 * SERVER_HOSTNAME): the system store plus the anchors Quay's image installs at start.
 */
import https from 'node:https';
import { join } from 'node:path';
import { errorText, log, refuse } from '../shared/log.ts';
import { systemTrustStore } from '../shared/trust-store.ts';
import { checkDatabase } from './checks.ts';
import { migrate } from './database.ts';
import type { QuayConfig } from './config.ts';

const ANCHOR_DIRS = ['/etc/pki/ca-trust/source/anchors'];
const INTERVAL_MS = 30_000;

export async function runRepoMirror(config: QuayConfig, stackDir: string): Promise<void> {
  const database = await checkDatabase(config.DB_URI);
  if (database) refuse('repomirror', `database: ${database}`);
  try {
    log('repomirror', `database migration: ${await migrate(config.DB_URI)}`);
  } catch (error) {
    refuse('repomirror', errorText(error));
  }
  log('repomirror', 'config and database fine; mirroring worker running');
  const verify = config.REPO_MIRROR_TLS_VERIFY ?? true;
  const tick = async () => {
    const problem = verify ? await registryTrusted(config.SERVER_HOSTNAME, [...ANCHOR_DIRS, join(stackDir, 'extra_ca_certs')]) : null;
    log('repomirror', problem ? `cannot reach the registry: ${problem}` : `registry https://${config.SERVER_HOSTNAME} trusted`);
  };
  await tick();
  setInterval(() => void tick(), INTERVAL_MS);
}

/** null when https://host/health/instance answers over TLS verified with the trust store. */
export function registryTrusted(serverHostname: string, extraDirs: readonly string[]): Promise<string | null> {
  return new Promise((resolve) => {
    const req = https.get(`https://${serverHostname}/health/instance`, { ca: systemTrustStore(process.env, extraDirs), timeout: 5000 }, (res) => {
      res.resume();
      resolve(null);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve(errorText(error)));
  });
}
