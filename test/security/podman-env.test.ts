import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from '../../engine/connection.ts';
import podmanRun from '../../tasks/podman/podmanRun.ts';
import { runTask } from '../helpers/task-harness.ts';
import { CONNECTION_KINDS, openTestConnection } from '../helpers/connections.ts';
import { buildBusyboxImage, containersNamed, ensurePodmanTestConfig, removeContainers, uniqueName } from '../helpers/podman.ts';
import { tackle } from '../helpers/cli.ts';

describe('env names that would inject env lines are refused at validate time', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tackle-h6-envkeys-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a newline or = in a podmanRun or systemdEnable env key: exit 5 with FILE:LINE:COL', async () => {
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: all
  tasks:
    - podmanRun:
        name: web
        image: busybox
        env: {"A\\nLD_PRELOAD": /tmp/evil.so}
    - podmanRun:
        name: web
        image: busybox
        env: {"PATH=/tmp/evil:x": "1"}
    - systemdEnable:
        name: web
        image: busybox
        env: {"X\\nPATH": "/tmp"}
`,
    );
    const r = await tackle(['validate', 'site.yml'], { cwd: dir });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /^site\.yml:6:\d+: .*env/m);
    assert.match(r.stderr, /^site\.yml:10:\d+: .*env/m);
    assert.match(r.stderr, /^site\.yml:14:\d+: .*env/m);
  });
});

for (const kind of CONNECTION_KINDS) {
  describe(`podmanRun never puts an env value on the command line (${kind})`, () => {
    let conn: Connection;
    let close: () => Promise<void>;
    let image: string;
    const name = uniqueName('h6-envnl');
    before(async () => {
      await ensurePodmanTestConfig();
      ({ conn, close } = await openTestConnection(kind));
      image = await buildBusyboxImage('tackle-test-web');
    });
    after(async () => {
      await removeContainers(name);
      await close();
    });

    test('a value with a newline is refused with a clear error; no container is created', async () => {
      const params = { name, image, command: ['sleep', '60'], env: { PEM: 'line-one-secret\nline-two-secret' } };
      await assert.rejects(runTask(podmanRun, params, conn), /env PEM: the value holds a line break/);
      await assert.rejects(runTask(podmanRun, params, conn, { check: true }), /env PEM: the value holds a line break/);
      assert.deepEqual(await containersNamed(name), [], 'a container was created with the value on its command line');
    });
  });
}
