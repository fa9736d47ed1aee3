import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Connection } from '../../../engine/connection.ts';
import { TaskError } from '../../../engine/errors.ts';
import waitFor from '../../../tasks/host/waitFor.ts';
import { runTask, tempDir } from '../../helpers/task-harness.ts';
import { CONNECTION_KINDS, openTestConnection } from '../../helpers/connections.ts';

const FAST = { retries: 3, delay: 0.05, timeout: 2 };

/** Answers like Quay's health endpoint, plus a failing one. */
const handler: RequestListener = (req, res) => {
  if (req.url === '/health/instance') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: { services: { database: true, redis: true } }, status_code: 200 }));
  } else {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: { services: { database: false } }, status_code: 503 }));
  }
};

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closedPort(): Promise<number> {
  const probe = createTcpServer();
  return new Promise((resolve) =>
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    }),
  );
}

function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  const r = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { encoding: 'utf8' });
  if (r.error) throw new Error('openssl not found: install the Debian package openssl');
  assert.equal(r.status, 0, r.stderr);
  return { cert, key };
}

describe('waitFor prerequisites', () => {
  test('curl is installed', () => {
    assert.equal(spawnSync('curl', ['--version']).error, undefined, 'curl not found: install the Debian package curl');
  });
});

describe('waitFor', () => {
  let http: Server;
  let https: Server;
  let httpPort: number;
  let httpsPort: number;
  let caFile: string;
  before(async () => {
    const dir = tempDir();
    const tls = selfSignedCert(dir);
    caFile = tls.cert;
    http = createHttpServer(handler);
    https = createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, handler);
    httpPort = await listen(http);
    httpsPort = await listen(https);
  });
  after(() => {
    http.close();
    https.close();
  });

  for (const kind of CONNECTION_KINDS) {
    describe(`over ${kind}`, () => {
      let conn: Connection;
      let close: () => Promise<void>;
      before(async () => ({ conn, close } = await openTestConnection(kind)));
      after(async () => close());

      test('HTTP health endpoint answers 200: ok, never changed', async () => {
        const url = `http://localhost:${httpPort}/health/instance`;
        const r = await runTask(waitFor, { url, bodyContains: '"database":true', ...FAST }, conn);
        assert.equal(r.status, 'ok');
        assert.equal(r.data['status'], 200);
        assert.equal(r.data['attempts'], 1);
      });

      test('HTTPS verified with caFile; without it the certificate error is reported', async () => {
        const url = `https://127.0.0.1:${httpsPort}/health/instance`;
        assert.equal((await runTask(waitFor, { url, caFile, ...FAST }, conn)).status, 'ok');
        assert.equal((await runTask(waitFor, { url, validateCerts: false, ...FAST }, conn)).status, 'ok');
        await assert.rejects(runTask(waitFor, { url, ...FAST, retries: 1 }, conn), /curl exit 60: .*certificate/i);
      });

      test('a wrong status fails after the retries with the last status and body', async () => {
        const url = `http://127.0.0.1:${httpPort}/health/endtoend`;
        const started = Date.now();
        await assert.rejects(runTask(waitFor, { url, ...FAST }, conn), (e: unknown) => {
          assert.ok(e instanceof TaskError);
          assert.match(e.message, /not ready after 3 probes/);
          assert.match(e.message, /last: HTTP 503 \(want 200\): .*"database":false/);
          return true;
        });
        assert.ok(Date.now() - started >= 100, 'it waited between probes');
        assert.equal((await runTask(waitFor, { url, status: [200, 503], ...FAST }, conn)).status, 'ok');
      });

      test('a failed wait ends its message with the output of the diagnose commands, run on the target', async () => {
        const url = `http://127.0.0.1:${httpPort}/health/endtoend`;
        const diagnose = [['sh', '-c', 'echo "quay log line"; echo "unit status" >&2'], ['sh', '-c', 'exit 3']];
        await assert.rejects(runTask(waitFor, { url, ...FAST, retries: 1, diagnose }, conn), (e: unknown) => {
          assert.ok(e instanceof TaskError);
          assert.match(e.message, /not ready after 1 probe.*\n--- sh -c echo "quay log line".*\(exit 0\):\nquay log line\nunit status\n--- sh -c exit 3 \(exit 3\):\n\(no output\)$/s);
          return true;
        });
        assert.equal((await runTask(waitFor, { url: `http://127.0.0.1:${httpPort}/health/instance`, ...FAST, diagnose }, conn)).status, 'ok');
      });

      test('bodyContains unmet is reported', async () => {
        const url = `http://127.0.0.1:${httpPort}/health/instance`;
        await assert.rejects(runTask(waitFor, { url, bodyContains: 'quay-ready', ...FAST }, conn), /body lacks "quay-ready"/);
      });

      test('waits until a late server comes up', async () => {
        const port = await closedPort();
        const late = createHttpServer(handler);
        const timer = setTimeout(() => late.listen(port, '127.0.0.1'), 1500);
        try {
          const r = await runTask(waitFor, { url: `http://127.0.0.1:${port}/health/instance`, retries: 60, delay: 0.1, timeout: 2 }, conn);
          assert.equal(r.status, 'ok');
          assert.ok((r.data['attempts'] as number) > 1, `attempts ${String(r.data['attempts'])}`);
        } finally {
          clearTimeout(timer);
          late.close();
        }
      });

      test('TCP: open port ok; closed port fails with the connection error', async () => {
        assert.equal((await runTask(waitFor, { port: httpPort, ...FAST }, conn)).status, 'ok');
        const port = await closedPort();
        await assert.rejects(runTask(waitFor, { port, host: '127.0.0.1', ...FAST }, conn), (e: unknown) => {
          assert.ok(e instanceof TaskError);
          assert.match(e.message, new RegExp(`^tcp 127\\.0\\.0\\.1:${port} not ready after 3 probes`));
          assert.match(e.message, /Connection refused/);
          return true;
        });
      });

      test('host is data, not shell: a hostile host value runs nothing', async () => {
        const marker = join(tempDir(), 'pwned');
        await assert.rejects(runTask(waitFor, { port: 80, host: `x/$(touch ${marker})`, ...FAST, retries: 1 }, conn), TaskError);
        assert.throws(() => readFileSync(marker), /ENOENT/);
      });

      test('check mode probes once and does not wait', async () => {
        const port = await closedPort();
        const started = Date.now();
        const r = await runTask(waitFor, { url: `http://127.0.0.1:${port}/`, retries: 50, delay: 1, timeout: 2 }, conn, { check: true });
        assert.equal(r.status, 'ok');
        assert.match(r.reasons[0]!, /not reachable yet \(check mode: not waited\); last: curl exit 7/);
        assert.ok(Date.now() - started < 3000, 'no retries in check mode');
        const up = await runTask(waitFor, { url: `http://127.0.0.1:${httpPort}/health/instance` }, conn, { check: true });
        assert.equal(up.status, 'ok');
        assert.equal(up.data['ready'], true);
      });
    });
  }
});
