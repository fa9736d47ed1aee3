import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeQuay } from '../../helpers/fake-quay.ts';
import { parseRecap, tackle } from '../../helpers/cli.ts';

/** A loopback port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('controller-side tasks open no connection to the host', () => {
  let dir: string;
  let quay: FakeQuay;
  let token: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tackle-controller-side-'));
    quay = await FakeQuay.start();
    token = quay.addUser('quayadmin', 'password123');
    writeFileSync(join(dir, 'known_hosts'), '');
    const port = await closedPort();
    writeFileSync(
      join(dir, 'hosts.yml'),
      `all:\n  hosts:\n    far:\n      ansible_host: 127.0.0.1\n      ansible_port: ${port}\n      tackle_known_hosts_file: ${join(dir, 'known_hosts')}\n`,
    );
    writeFileSync(
      join(dir, 'site.yml'),
      [
        '- hosts: far',
        '  gather_facts: false',
        '  tasks:',
        '    - name: banner',
        '      quayMessage:',
        `        url: ${quay.url}`,
        `        token: ${token}`,
        '        content: Maintenance on Saturday',
        '    - name: on the host',
        '      command:',
        "        argv: ['true']",
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await quay?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a quayMessage task succeeds against the Quay API while its inventory host cannot be reached; the next host task is unreachable', async () => {
    const run = await tackle(['run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.yml'), '--no-progress']);
    assert.equal(run.code, 4, run.stdout + run.stderr);
    assert.deepEqual(quay.messages.map((m) => m.content), ['Maintenance on Saturday']);
    const recap = parseRecap(run.stdout).get('far');
    assert.deepEqual({ changed: recap?.['changed'], unreachable: recap?.['unreachable'], failed: recap?.['failed'] }, { changed: 1, unreachable: 1, failed: 0 });
  });
});
