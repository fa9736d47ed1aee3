/**
 * The Quay stand-in checks what it claims to check: run as uid 1001 against real PostgreSQL,
 * Redis and a Clair stand-in, each broken contract gives the refusal or the 503 that names it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, startPostgres, startRedis, type Postgres, type Redis } from '../../helpers/services.ts';
import { CLAIR_UID, exitCode, QUAY_UID, runStandin, standinBundles, waitForOutput, type StandinProcess } from '../../helpers/standins.ts';
import { removeTempDirs, requestJson, setfacl, tempDir, testCa, writeOwned, yaml } from './fixtures.ts';

const PSK = randomBytes(32).toString('base64');
let pg: Postgres;
let redis: Redis;
let ca: ReturnType<typeof testCa>;
let bundles: { quay: string; clair: string };
const clairUrls: { trusting: string; distrusting: string } = { trusting: '', distrusting: '' };
const started: StandinProcess[] = [];

async function startClair(trustCa: boolean): Promise<string> {
  const dir = tempDir('tackle-clair-');
  const [api, introspection] = [await freePort(), await freePort()];
  const conn = `host=127.0.0.1 port=${pg.port} dbname=clair user=clairuser password=clairpass sslmode=disable`;
  writeOwned(join(dir, 'config.yaml'), yaml({
    http_listen_addr: `127.0.0.1:${api}`,
    introspection_addr: `127.0.0.1:${introspection}`,
    indexer: { connstring: conn },
    matcher: { connstring: conn },
    notifier: { connstring: conn },
    auth: { psk: { key: PSK, iss: ['quay', 'clairctl'] } },
  }), CLAIR_UID, 0o600);
  const clair = runStandin(bundles.clair, [], { uid: CLAIR_UID, env: { CLAIR_CONF: join(dir, 'config.yaml'), ...(trustCa ? { SSL_CERT_DIR: ca.caDir } : {}) } });
  started.push(clair);
  await waitForOutput(clair, 'ready:');
  return `http://127.0.0.1:${api}`;
}

interface QuayRun {
  quay: StandinProcess;
  https: string;
  http: string;
  storage: string;
  dir: string;
}

/** A config the way Quay wants it; overrides replace top-level keys (undefined removes one). */
async function startQuay(overrides: Record<string, unknown> = {}, opts: { storageAcl?: boolean; keyOwner?: number; mode?: string; env?: Record<string, string> } = {}): Promise<QuayRun> {
  const dir = tempDir('tackle-quay-');
  const stack = join(dir, 'stack');
  mkdirSync(stack, { mode: 0o755 });
  const storage = join(dir, 'datastorage');
  mkdirSync(storage, { mode: 0o755 });
  if (opts.storageAcl ?? true) setfacl(storage, `u:${QUAY_UID}:-wx`);
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const redisSettings = { host: '127.0.0.1', port: redis.port, password: redis.password };
  const config: Record<string, unknown> = {
    SERVER_HOSTNAME: `127.0.0.1:${httpsPort}`,
    PREFERRED_URL_SCHEME: 'https',
    AUTHENTICATION_TYPE: 'Database',
    SETUP_COMPLETE: true,
    FEATURE_USER_INITIALIZE: true,
    DB_URI: `postgresql://quayuser:quaypass@127.0.0.1:${pg.port}/quay`,
    BUILDLOGS_REDIS: redisSettings,
    USER_EVENTS_REDIS: redisSettings,
    DISTRIBUTED_STORAGE_CONFIG: { default: ['LocalStorage', { storage_path: join(storage, 'registry') }] },
    DISTRIBUTED_STORAGE_PREFERENCE: ['default'],
    DEFAULT_TAG_EXPIRATION: '2w',
    TAG_EXPIRATION_OPTIONS: ['2w'],
    FEATURE_SECURITY_SCANNER: true,
    SECURITY_SCANNER_V4_ENDPOINT: clairUrls.trusting,
    SECURITY_SCANNER_V4_PSK: PSK,
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete config[k];
    else config[k] = v;
  }
  writeOwned(join(stack, 'config.yaml'), yaml(config), QUAY_UID, 0o600);
  writeOwned(join(stack, 'ssl.cert'), ca.cert + ca.caPem, QUAY_UID, 0o644);
  writeOwned(join(stack, 'ssl.key'), ca.key, opts.keyOwner ?? QUAY_UID, 0o600);
  const quay = runStandin(bundles.quay, opts.mode ? [opts.mode] : [], {
    uid: QUAY_UID,
    env: { QUAYCONF: dir, TACKLE_STANDIN_HTTP_PORT: String(httpPort), TACKLE_STANDIN_HTTPS_PORT: String(httpsPort), ...opts.env },
  });
  started.push(quay);
  return { quay, https: `https://127.0.0.1:${httpsPort}`, http: `http://127.0.0.1:${httpPort}`, storage, dir };
}

async function health(run: QuayRun): Promise<{ status: number; services: Record<string, boolean>; failures: Record<string, string> }> {
  await waitForOutput(run.quay, 'registry serving');
  const reply = await requestJson(`${run.https}/health/instance`, { ca: ca.caPem });
  const data = reply.body.data as { services: Record<string, boolean>; failures: Record<string, string> };
  assert.equal(reply.body.status_code, reply.status);
  return { status: reply.status, services: data.services, failures: data.failures };
}

before(async () => {
  bundles = await standinBundles();
  ca = testCa();
  pg = await startPostgres();
  pg.createDatabase('quay', 'quayuser', 'quaypass', ['pg_trgm']);
  pg.createDatabase('quaybare', 'quaybare', 'quaypass');
  pg.createDatabase('quaypersist', 'quaypersist', 'quaypass', ['pg_trgm']);
  pg.createDatabase('quayrace', 'quayrace', 'quaypass', ['pg_trgm']);
  pg.createDatabase('clair', 'clairuser', 'clairpass', ['uuid-ossp']);
  redis = await startRedis('redis-secret');
  clairUrls.trusting = await startClair(true);
  clairUrls.distrusting = await startClair(false);
});

after(async () => {
  await Promise.all(started.map((p) => p.stop()));
  await redis?.stop();
  await pg?.stop();
  removeTempDirs();
});

describe('quay stand-in (registry mode)', () => {
  it('a good config: /health/instance is 200 over HTTPS with every service true, and HTTP answers too', async () => {
    const run = await startQuay();
    const h = await health(run);
    assert.equal(h.status, 200, JSON.stringify(h.failures));
    assert.deepEqual(h.services, { database: true, redis: true, storage: true, security_scanner: true });
    assert.ok(existsSync(join(run.storage, 'registry')), 'storage path created by uid 1001');
    assert.equal((await requestJson(`${run.http}/health/instance`)).status, 200);
    assert.match(run.quay.output(), /uid 1001/);
  });

  it('refuses a Redis port given as a string, as Quay 3.7 does', async () => {
    const run = await startQuay({ BUILDLOGS_REDIS: { host: '127.0.0.1', port: String(redis.port), password: redis.password } });
    assert.equal(await exitCode(run.quay), 1);
    assert.match(run.quay.output(), /BUILDLOGS_REDIS\.port must be number/);
  });

  it('refuses a config without a required key', async () => {
    const run = await startQuay({ DB_URI: undefined });
    assert.equal(await exitCode(run.quay), 1);
    assert.match(run.quay.output(), /required key DB_URI is missing/);
  });

  it('refuses to start when uid 1001 cannot read ssl.key', async () => {
    const run = await startQuay({}, { keyOwner: 0 });
    assert.equal(await exitCode(run.quay), 1);
    assert.match(run.quay.output(), /cannot read .*ssl\.key as uid 1001/);
  });

  it('503 naming the database when pg_trgm is missing', async () => {
    const h = await health(await startQuay({ DB_URI: `postgresql://quaybare:quaypass@127.0.0.1:${pg.port}/quaybare` }));
    assert.equal(h.status, 503);
    assert.equal(h.services.database, false);
    assert.match(h.failures.database!, /pg_trgm/);
    assert.equal(h.services.redis, true);
  });

  it('503 naming the database when its password is wrong; its API answers 503 too, never from an empty state', async () => {
    const run = await startQuay({ DB_URI: `postgresql://quayuser:wrong@127.0.0.1:${pg.port}/quay` });
    const h = await health(run);
    assert.equal(h.status, 503);
    assert.match(h.failures.database!, /password authentication failed/);
    const initialize = await requestJson(`${run.https}/api/v1/user/initialize`, { method: 'POST', body: { username: 'u', password: 'password123', email: 'u@example.com' }, ca: ca.caPem });
    assert.equal(initialize.status, 503);
  });

  it('503 naming Redis when its password is wrong', async () => {
    const h = await health(await startQuay({ USER_EVENTS_REDIS: { host: '127.0.0.1', port: redis.port, password: 'wrong' } }));
    assert.equal(h.status, 503);
    assert.equal(h.services.redis, false);
    assert.match(h.failures.redis!, /USER_EVENTS_REDIS.*(WRONGPASS|invalid)/);
    assert.doesNotMatch(h.failures.redis!, /BUILDLOGS_REDIS/);
  });

  it('503 naming storage when uid 1001 cannot write there (no -wx ACL)', async () => {
    const h = await health(await startQuay({}, { storageAcl: false }));
    assert.equal(h.status, 503);
    assert.equal(h.services.storage, false);
    assert.match(h.failures.storage!, /EACCES/);
  });

  it("503 naming the scanner when Clair does not trust Quay's CA", async () => {
    const h = await health(await startQuay({ SECURITY_SCANNER_V4_ENDPOINT: clairUrls.distrusting }));
    assert.equal(h.status, 503);
    assert.equal(h.services.security_scanner, false);
    assert.match(h.failures.security_scanner!, /could not index https:\/\/127\.0\.0\.1:\d+\/v2\/.*(certificate|issuer)/);
  });

  it('503 naming the scanner when the PSK differs from Clair’s', async () => {
    const h = await health(await startQuay({ SECURITY_SCANNER_V4_PSK: randomBytes(32).toString('base64') }));
    assert.equal(h.status, 503);
    assert.match(h.failures.security_scanner!, /refused Quay's token \(401\).*signature/);
  });

  it('first user: an email is required while FEATURE_MAILING is on (the default), not when it is off', async () => {
    const on = await startQuay();
    await waitForOutput(on.quay, 'registry serving');
    const body = { username: 'quayadmin', password: 'password123', access_token: true };
    const refused = await requestJson(`${on.https}/api/v1/user/initialize`, { method: 'POST', body, ca: ca.caPem });
    assert.equal(refused.status, 400);
    assert.match(String(refused.body.message), /email/);
    const off = await startQuay({ FEATURE_MAILING: false });
    await waitForOutput(off.quay, 'registry serving');
    const created = await requestJson(`${off.https}/api/v1/user/initialize`, { method: 'POST', body, ca: ca.caPem });
    assert.equal(created.status, 200);
    assert.equal(typeof created.body.access_token, 'string');
  });
});

describe('quay stand-in (its database)', () => {
  const dbUri = (db: string) => `postgresql://${db}:quaypass@127.0.0.1:${pg.port}/${db}`;

  it('keeps what the API created in the database: a restarted Quay still knows its first user', async () => {
    const body = { username: 'quayadmin', password: 'password123', access_token: true };
    const first = await startQuay({ DB_URI: dbUri('quaypersist'), FEATURE_MAILING: false });
    await waitForOutput(first.quay, 'registry serving');
    const created = await requestJson(`${first.https}/api/v1/user/initialize`, { method: 'POST', body, ca: ca.caPem });
    assert.equal(created.status, 200);
    await new Promise((r) => setTimeout(r, 500));
    await first.quay.stop();
    const second = await startQuay({ DB_URI: dbUri('quaypersist'), FEATURE_MAILING: false });
    await waitForOutput(second.quay, 'registry serving');
    const again = await requestJson(`${second.https}/api/v1/user/initialize`, { method: 'POST', body, ca: ca.caPem });
    assert.equal(again.status, 400);
    assert.match(String(again.body.message), /non-empty database/);
    const me = await requestJson(`${second.https}/api/v1/user/`, { ca: ca.caPem, headers: { authorization: `Bearer ${String(created.body.access_token)}` } });
    assert.equal(me.body.username, 'quayadmin');
  });

  it('registry and repomirror started at the same moment on a fresh database: their migrations collide and one exits', async () => {
    const [registry, mirror] = await Promise.all([startQuay({ DB_URI: dbUri('quayrace') }), startQuay({ DB_URI: dbUri('quayrace') }, { mode: 'repomirror' })]);
    const collided = await Promise.race([
      registry.quay.exited.then(() => registry),
      mirror.quay.exited.then(() => mirror),
      new Promise<null>((r) => setTimeout(() => r(null), 20_000)),
    ]);
    assert.ok(collided, `neither exited:\n${registry.quay.output()}\n${mirror.quay.output()}`);
    assert.equal(collided.quay.child.exitCode, 1);
    assert.match(collided.quay.output(), /database migration collided with another migrator/);
    // Once migrated, the next start finds the schema current.
    const later = await startQuay({ DB_URI: dbUri('quayrace') }, { mode: 'repomirror' });
    await waitForOutput(later.quay, 'database migration: current');
  });
});

describe('quay stand-in (repomirror and config modes)', () => {
  it('repomirror trusts the registry only with the CA it is given, and needs the database', async () => {
    const registry = await startQuay();
    await waitForOutput(registry.quay, 'registry serving');
    const hostname = `127.0.0.1:${new URL(registry.https).port}`;
    const untrusted = await startQuay({ SERVER_HOSTNAME: hostname }, { mode: 'repomirror' });
    await waitForOutput(untrusted.quay, /cannot reach the registry: .*(certificate|issuer)/);
    const trusted = await startQuay({ SERVER_HOSTNAME: hostname }, { mode: 'repomirror', env: { SSL_CERT_DIR: ca.caDir } });
    await waitForOutput(trusted.quay, `registry https://${hostname} trusted`);
    const noDb = await startQuay({ DB_URI: `postgresql://quayuser:wrong@127.0.0.1:${pg.port}/quay` }, { mode: 'repomirror' });
    assert.equal(await exitCode(noDb.quay), 1);
    assert.match(noDb.quay.output(), /database: .*password authentication failed/);
  });

  it('config mode reports what is invalid', async () => {
    const run = await startQuay({ FEATURE_MAILING: 'false' }, { mode: 'config' });
    await waitForOutput(run.quay, /is invalid:\n\s+FEATURE_MAILING must be boolean/);
  });
});
