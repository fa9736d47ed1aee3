/**
 * The Clair stand-in checks what it claims to check: run as nobody (65534) against real
 * PostgreSQL, it refuses a bad config or database, accepts only PSK-signed JWTs from a listed
 * issuer, and fetches layers over HTTPS trusting the system store and SSL_CERT_DIR only.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signJwt } from '../../../lab/standins/shared/jwt.ts';
import { freePort, startPostgres, type Postgres } from '../../helpers/services.ts';
import { CLAIR_UID, exitCode, runStandin, standinBundles, waitForOutput, type StandinProcess } from '../../helpers/standins.ts';
import { removeTempDirs, requestJson, tempDir, testCa, writeOwned, yaml } from './fixtures.ts';

const PSK = randomBytes(32).toString('base64');
const LAYER = Buffer.from('a layer\n');
const LAYER_DIGEST = `sha256:${createHash('sha256').update(LAYER).digest('hex')}`;
let pg: Postgres;
let ca: ReturnType<typeof testCa>;
let bundles: { quay: string; clair: string };
let layerServer: https.Server;
let layerUrl = '';
const started: StandinProcess[] = [];

function connstring(db = 'clair', password = 'clairpass'): string {
  return `host=127.0.0.1 port=${pg.port} dbname=${db} user=clairuser password=${password} sslmode=disable`;
}

async function startClair(overrides: Record<string, unknown> = {}, env: Record<string, string> = {}) {
  const dir = tempDir('tackle-clair-');
  const [api, introspection] = [await freePort(), await freePort()];
  const config: Record<string, unknown> = {
    http_listen_addr: `127.0.0.1:${api}`,
    introspection_addr: `127.0.0.1:${introspection}`,
    log_level: 'info',
    indexer: { connstring: connstring(), scanlock_retry: 10, layer_scan_concurrency: 5, migrations: true },
    matcher: { connstring: connstring(), max_conn_pool: 100, migrations: true },
    notifier: { connstring: connstring(), delivery_interval: '1m', poll_interval: '5m', migrations: true },
    auth: { psk: { key: PSK, iss: ['quay', 'clairctl'] } },
    metrics: { name: 'prometheus' },
    ...overrides,
  };
  writeOwned(join(dir, 'config.yaml'), yaml(config), CLAIR_UID, 0o600);
  const clair = runStandin(bundles.clair, [], { uid: CLAIR_UID, env: { CLAIR_CONF: join(dir, 'config.yaml'), ...env } });
  started.push(clair);
  return { clair, api: `http://127.0.0.1:${api}`, introspection: `http://127.0.0.1:${introspection}` };
}

function token(key = PSK, iss = 'quay'): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ iss, iat: now, exp: now + 300 }, Buffer.from(key, 'base64'));
}

function indexRequest(api: string, bearer: string) {
  const manifest = { hash: `sha256:${'a'.repeat(64)}`, layers: [{ hash: LAYER_DIGEST, uri: layerUrl, headers: {} }] };
  return requestJson(`${api}/indexer/api/v1/index_report`, { method: 'POST', body: manifest, headers: { authorization: `Bearer ${bearer}` } });
}

before(async () => {
  bundles = await standinBundles();
  ca = testCa();
  pg = await startPostgres();
  pg.createDatabase('clair', 'clairuser', 'clairpass', ['uuid-ossp']);
  pg.sql('postgres', 'CREATE DATABASE clairbare OWNER clairuser');
  layerServer = https.createServer({ key: ca.key, cert: ca.cert }, (_req, res) => res.end(LAYER));
  await new Promise<void>((resolve) => layerServer.listen(0, '127.0.0.1', resolve));
  layerUrl = `https://127.0.0.1:${(layerServer.address() as { port: number }).port}/v2/ns/repo/blobs/${LAYER_DIGEST}`;
});

after(async () => {
  await Promise.all(started.map((p) => p.stop()));
  layerServer?.close();
  await pg?.stop();
  removeTempDirs();
});

describe('clair stand-in', () => {
  it('a good config: ready on the introspection address, and it indexes a layer from a server whose CA it trusts', async () => {
    const { clair, api, introspection } = await startClair({}, { SSL_CERT_DIR: ca.caDir });
    await waitForOutput(clair, 'ready:');
    assert.equal((await requestJson(`${introspection}/readyz`)).status, 200);
    assert.equal((await requestJson(`${introspection}/healthz`)).status, 200);
    const report = await indexRequest(api, token());
    assert.equal(report.status, 201);
    assert.equal(report.body.state, 'IndexFinished', String(report.body.err));
    assert.match(clair.output(), /uid 65534/);
  });

  it('without the CA in its trust store, the layer fetch fails and the report says why', async () => {
    const { clair, api } = await startClair();
    await waitForOutput(clair, 'ready:');
    const report = await indexRequest(api, token());
    assert.equal(report.body.state, 'IndexError');
    assert.match(String(report.body.err), /certificate|issuer/);
  });

  it('accepts only JWTs signed with auth.psk.key by an issuer in auth.psk.iss', async () => {
    const { clair, api } = await startClair({}, { SSL_CERT_DIR: ca.caDir });
    await waitForOutput(clair, 'ready:');
    const wrongKey = await indexRequest(api, token(randomBytes(32).toString('base64')));
    assert.equal(wrongKey.status, 401);
    assert.match(String(wrongKey.body.message), /signature/);
    const wrongIssuer = await indexRequest(api, token(PSK, 'someone-else'));
    assert.equal(wrongIssuer.status, 401);
    assert.match(String(wrongIssuer.body.message), /issuer "someone-else"/);
    assert.equal((await requestJson(`${api}/indexer/api/v1/index_state`)).status, 401);
    assert.equal((await indexRequest(api, token(PSK, 'clairctl'))).status, 201);
  });

  const refusals: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an unknown key (matcher.run)', { matcher: { connstring: '', run: '' } }, /matcher\.run: unknown key/],
    ["the document's trace.jaeger.agent_endpoint", { trace: { name: 'jaeger', jaeger: { agent_endpoint: 'localhost:6831' } } }, /trace\.jaeger\.agent_endpoint: unknown key/],
    ['a bad duration', { notifier: { connstring: 'x', poll_interval: '5 minutes' } }, /notifier\.poll_interval: invalid duration "5 minutes"/],
    ['a PSK that is not base64', { auth: { psk: { key: 'not base64!', iss: ['quay'] } } }, /auth\.psk\.key: illegal base64 data/],
  ];
  for (const [what, overrides, message] of refusals) {
    it(`refuses ${what}`, async () => {
      const { clair } = await startClair(overrides);
      assert.equal(await exitCode(clair), 1);
      assert.match(clair.output(), message);
    });
  }

  it('refuses a database without uuid-ossp', async () => {
    const c = connstring('clairbare');
    const { clair } = await startClair({ indexer: { connstring: c }, matcher: { connstring: c }, notifier: { connstring: c } });
    assert.equal(await exitCode(clair), 1);
    assert.match(clair.output(), /uuid-ossp/);
  });

  it('refuses a database password that is wrong, without printing it', async () => {
    const c = connstring('clair', 'wrong-secret');
    const { clair } = await startClair({ indexer: { connstring: c }, matcher: { connstring: c }, notifier: { connstring: c } });
    assert.equal(await exitCode(clair), 1);
    assert.match(clair.output(), /password authentication failed/);
    assert.doesNotMatch(clair.output(), /wrong-secret/);
  });
});
