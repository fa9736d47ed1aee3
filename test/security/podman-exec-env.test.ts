import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from '../../engine/connection.ts';
import podmanExec from '../../tasks/podman/podmanExec.ts';
import { runTask } from '../helpers/task-harness.ts';
import { CONNECTION_KINDS, openTestConnection } from '../helpers/connections.ts';
import { buildBusyboxImage, ensurePodmanTestConfig, podmanCli, removeContainers, uniqueName } from '../helpers/podman.ts';
import { processesMentioning } from '../helpers/processes.ts';

for (const kind of CONNECTION_KINDS) {
  describe(`podmanExec env values never on a command line (${kind})`, () => {
    let conn: Connection;
    let close: () => Promise<void>;
    const container = uniqueName('h5-execenv');
    before(async () => {
      await ensurePodmanTestConfig();
      ({ conn, close } = await openTestConnection(kind));
      const image = await buildBusyboxImage('tackle-test-web');
      await podmanCli('run', '-d', '--name', container, image, 'sh', '-c', "trap 'exit 0' TERM; sleep 600 & wait");
    });
    after(async () => {
      await removeContainers(container);
      await close();
    });

    test('the command sees the value; no process listing shows it while it runs', async () => {
      const secret = `exec-token-${Date.now().toString(36)}Qx`;
      const seen: string[] = [];
      let running = true;
      const watch = (async () => {
        while (running) {
          seen.push(...processesMentioning(secret));
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      try {
        const out = await runTask(podmanExec, { container, shell: 'sleep 1; printf %s "$TOKEN"', env: { TOKEN: secret } }, conn);
        assert.equal(out.status, 'changed', out.message);
        assert.equal(out.data.stdout, secret);
      } finally {
        running = false;
        await watch;
      }
      assert.deepEqual([...new Set(seen)], [], 'the env value was on a command line');
    });

    test('a value with a line break is refused, not passed', async () => {
      await assert.rejects(runTask(podmanExec, { container, argv: ['true'], env: { PEM: 'a\nb' } }, conn), /env PEM: the value holds a line break/);
    });
  });
}
