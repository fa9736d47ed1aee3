/** What Quay's /health/instance looks at: its database, its Redis, its storage and (with the scanner) Clair. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { errorText } from '../shared/log.ts';
import { signJwt } from '../shared/jwt.ts';
import { localStorages, type QuayConfig } from './config.ts';
import { redisPing } from './redis-ping.ts';
import { PROBE_LAYER_DIGEST, PROBE_LAYER_PATH, PROBE_MANIFEST_DIGEST } from './probe-layer.ts';

const TIMEOUT_MS = 5000;

/** null when fine, else what is wrong. */
export type CheckResult = string | null;

/** Connects with DB_URI's credentials; Quay's schema needs pg_trgm there. */
export async function checkDatabase(dbUri: string): Promise<CheckResult> {
  const client = new pg.Client({ connectionString: dbUri.replace(/^postgresql\+[a-z0-9]+:/, 'postgresql:'), connectionTimeoutMillis: TIMEOUT_MS, query_timeout: TIMEOUT_MS });
  try {
    await client.connect();
    const result = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'");
    return result.rowCount ? null : 'the pg_trgm extension is not installed in the database';
  } catch (error) {
    return errorText(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function checkRedis(c: QuayConfig): Promise<CheckResult> {
  const problems: string[] = [];
  for (const key of ['BUILDLOGS_REDIS', 'USER_EVENTS_REDIS'] as const) {
    const r = c[key];
    try {
      await redisPing(r.host, r.port ?? 6379, r.password, TIMEOUT_MS);
    } catch (error) {
      problems.push(`${key} (${r.host}:${r.port ?? 6379}): ${errorText(error)}`);
    }
  }
  return problems.length ? problems.join('; ') : null;
}

/** Writes and removes a probe file in every local storage, as Quay's storage health check does. */
export function checkStorage(c: QuayConfig): CheckResult {
  const problems: string[] = [];
  for (const { id, path } of localStorages(c)) {
    const probe = join(path, `.tackle-standin-probe-${randomBytes(6).toString('hex')}`);
    try {
      mkdirSync(path, { recursive: true });
      writeFileSync(probe, 'probe');
      unlinkSync(probe);
    } catch (error) {
      problems.push(`storage ${id} at ${path} (uid ${process.getuid?.() ?? '?'}): ${errorText(error)}`);
    }
  }
  return problems.length ? problems.join('; ') : null;
}

/**
 * Asks Clair to index a manifest whose layer Quay itself serves at https://SERVER_HOSTNAME/...,
 * signed with the PSK as Quay does (iss "quay"). Fine only when Clair accepts the token and
 * could fetch the layer.
 */
export async function checkClair(c: QuayConfig): Promise<CheckResult> {
  const endpoint = (c.SECURITY_SCANNER_V4_ENDPOINT ?? '').replace(/\/+$/, '');
  const now = Math.floor(Date.now() / 1000);
  const token = signJwt({ iss: 'quay', iat: now, nbf: now, exp: now + 300 }, Buffer.from(c.SECURITY_SCANNER_V4_PSK ?? '', 'base64'));
  const manifest = {
    hash: PROBE_MANIFEST_DIGEST,
    layers: [{ hash: PROBE_LAYER_DIGEST, uri: `https://${c.SERVER_HOSTNAME}${PROBE_LAYER_PATH}`, headers: {} }],
  };
  try {
    const response = await fetch(`${endpoint}/indexer/api/v1/index_report`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(manifest),
      signal: AbortSignal.timeout(TIMEOUT_MS * 2),
    });
    const text = await response.text();
    if (response.status === 401 || response.status === 403) return `Clair at ${endpoint} refused Quay's token (${response.status}): ${text.trim()}`;
    if (!response.ok) return `Clair at ${endpoint} answered ${response.status}: ${text.trim()}`;
    const report = JSON.parse(text) as { state?: string; err?: string };
    return report.state === 'IndexFinished' ? null : `Clair could not index ${manifest.layers[0]!.uri}: ${report.err ?? report.state ?? 'no state'}`;
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return `Clair at ${endpoint} unreachable: ${errorText(error)}${cause ? ` (${errorText(cause)})` : ''}`;
  }
}
