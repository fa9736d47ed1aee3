/**
 * Quay's REST API for tests (lab/standins/quay/api.ts, which the lab's Quay stand-in serves too),
 * on a loopback port. Every request is recorded so tests can assert what was (and was not) sent.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { QuayApi, type QuayApiOptions, type RecordedRequest } from '../../lab/standins/quay/api.ts';

export type { RecordedRequest } from '../../lab/standins/quay/api.ts';

export interface FakeQuayOptions extends QuayApiOptions {
  tls?: { key: string; cert: string };
}

export class FakeQuay extends QuayApi {
  readonly requests: RecordedRequest[] = [];
  url = '';
  private server?: http.Server;

  static async start(opts: FakeQuayOptions = {}): Promise<FakeQuay> {
    const fake = new FakeQuay(opts);
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => fake.serve(req, res, (r) => fake.requests.push(r));
    fake.server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, listener) : http.createServer(listener);
    await new Promise<void>((resolve) => fake.server!.listen(0, '127.0.0.1', resolve));
    const { port } = fake.server.address() as AddressInfo;
    fake.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return fake;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Adds a user with an access token (as initialize would) and returns the token. */
  addUser(username: string, password: string): string {
    this.users.set(username, { password });
    const token = randomBytes(20).toString('hex').toUpperCase();
    this.tokens.set(token, username);
    return token;
  }

  /** Requests other than GET: what a no-op run must not send. */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  clearRequests(): void {
    this.requests.length = 0;
  }
}

export interface TestTls {
  dir: string;
  caFile: string;
  caPem: string;
  key: string;
  cert: string;
}

/** A throwaway CA and a server certificate for 127.0.0.1, made with the openssl CLI. */
export function makeTestTls(dir: string): TestTls {
  const openssl = (...args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: Buffer };
      if (e.code === 'ENOENT') throw new Error('openssl not found: install the Debian package "openssl"');
      throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString() ?? e.message}`);
    }
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=fake-quay-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { dir, caFile: join(dir, 'ca.pem'), caPem: read('ca.pem'), key: read('server.key'), cert: read('server.pem') };
}
