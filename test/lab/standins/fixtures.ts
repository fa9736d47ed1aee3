/** What the stand-in tests share: real PostgreSQL and Redis, a CA, and config files owned as the images expect. */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeTestTls, type TestTls } from '../../helpers/fake-quay.ts';

const made: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir made (call once the processes using them stopped). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function writeOwned(file: string, text: string, uid: number, mode: number): void {
  writeFileSync(file, text);
  chownSync(file, uid, uid === 65534 ? 65534 : uid);
  chmodSync(file, mode);
}

export function setfacl(path: string, entry: string): void {
  const r = spawnSync('setfacl', ['-m', entry, path]);
  if (r.error) throw new Error('setfacl not found: install the Debian package "acl"');
  if (r.status !== 0) throw new Error(`setfacl failed: ${r.stderr.toString()}`);
}

export function yaml(data: unknown): string {
  return stringify(data);
}

/** A CA and a 127.0.0.1 server certificate; the CA also alone in a directory, for SSL_CERT_DIR. */
export function testCa(): TestTls & { caDir: string } {
  const dir = tempDir('tackle-ca-');
  const tls = makeTestTls(dir);
  const caDir = join(dir, 'trusted');
  mkdirSync(caDir, { mode: 0o755 });
  writeFileSync(join(caDir, 'ca.pem'), tls.caPem, { mode: 0o644 });
  chmodSync(dir, 0o755);
  return { ...tls, caDir };
}

export interface JsonReply {
  status: number;
  body: Record<string, unknown>;
}

export function requestJson(url: string, opts: { method?: string; ca?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<JsonReply> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const options = { method: opts.method ?? 'GET', headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...opts.headers }, timeout: 30_000 };
    const onResponse = (res: http.IncomingMessage) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        let body: Record<string, unknown> = {};
        try {
          body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          body = { text };
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    };
    const req = url.startsWith('https:') ? https.request(url, { ...options, ca: opts.ca }, onResponse) : http.request(url, options, onResponse);
    req.on('error', reject);
    req.end(payload);
  });
}
