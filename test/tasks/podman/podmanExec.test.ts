import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from '../../../engine/connection.ts';
import { CommandError, TaskError } from '../../../engine/errors.ts';
import { pendingContainerKey } from '../../../tasks/podman/cli.ts';
import podmanExec from '../../../tasks/podman/podmanExec.ts';
import { runTask } from '../../helpers/task-harness.ts';
import { CONNECTION_KINDS, openTestConnection } from '../../helpers/connections.ts';
import { buildBusyboxImage, ensurePodmanTestConfig, podmanCli, podmanRaw, removeContainers, uniqueName } from '../../helpers/podman.ts';

/** A stand-in for psql: answers the extension probe from a marker file, as the real one would from pg_extension. */
const FAKE_PSQL = `#!/bin/sh
case "$*" in
  *"select 1 from pg_extension"*) [ -f /tmp/uuid-ossp ] && echo 1; exit 0 ;;
esac
sql=$(cat)
case "$sql" in
  *'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"'*) touch /tmp/uuid-ossp; echo CREATE EXTENSION ;;
  *) echo "ERROR: syntax error" >&2; exit 1 ;;
esac
`;

const fileInContainer = async (container: string, path: string) =>
  (await podmanRaw(['exec', container, 'test', '-f', path])).code === 0;

for (const kind of CONNECTION_KINDS) {
  describe(`podmanExec over ${kind}`, () => {
    let conn: Connection;
    let close: () => Promise<void>;
    const container = uniqueName('exec');

    before(async () => {
      await ensurePodmanTestConfig();
      ({ conn, close } = await openTestConnection(kind));
      const image = await buildBusyboxImage('tackle-test-fakepg', { files: { 'bin/psql': FAKE_PSQL } });
      await podmanCli('run', '-d', '--name', container, image, 'sh', '-c', "trap 'exit 0' TERM; sleep 600 & wait");
    });
    after(async () => {
      await removeContainers(container);
      await close();
    });

    test('runs once: --check runs nothing, the first run changes, the unless probe makes the next one ok', async () => {
      const params = { container, shell: 'touch /tmp/marker && echo made it', unless: ['test', '-f', '/tmp/marker'] };
      const checked = await runTask(podmanExec, params, conn, { check: true });
      assert.equal(checked.status, 'changed');
      assert.equal(await fileInContainer(container, '/tmp/marker'), false, '--check ran nothing');

      const first = await runTask(podmanExec, params, conn);
      assert.equal(first.status, 'changed');
      assert.equal(first.data.stdout, 'made it\n');
      assert.equal(await fileInContainer(container, '/tmp/marker'), true);

      assert.equal((await runTask(podmanExec, params, conn)).status, 'ok');
      assert.equal((await runTask(podmanExec, params, conn, { check: true })).status, 'ok');
    });

    test('the uuid-ossp step of 3.4.1: stdin into psql, probe output decides', async () => {
      const psql = ['psql', '-d', 'clair', '-U', 'postgres'];
      const params = {
        container,
        argv: psql,
        stdin: 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"',
        unless: [...psql, '-tAc', "select 1 from pg_extension where extname='uuid-ossp'"],
        unlessOutputContains: '1',
      };
      const first = await runTask(podmanExec, params, conn);
      assert.equal(first.status, 'changed');
      assert.equal(first.data.stdout, 'CREATE EXTENSION\n');
      assert.equal(await fileInContainer(container, '/tmp/uuid-ossp'), true);
      const second = await runTask(podmanExec, params, conn);
      assert.equal(second.status, 'ok');
      assert.deepEqual(second.reasons, ['unless: probe says done']);
    });

    test('changedWhen outputContains, user and env reach the command', async () => {
      const shell = 'echo "$GREETING from $(id -u)"';
      const base = { container, shell, user: '65534', env: { GREETING: 'hello' } };
      const quiet = await runTask(podmanExec, { ...base, changedWhen: { outputContains: 'CREATED' } }, conn);
      assert.equal(quiet.status, 'ok');
      assert.equal(quiet.data.stdout, 'hello from 65534\n');
      const loud = await runTask(podmanExec, { ...base, changedWhen: { outputContains: 'hello from' } }, conn);
      assert.equal(loud.status, 'changed');
    });

    test('fingerprint: a container re-created from the same image (a systemd unit with --new restarted, a reboot) reads the same; one of another image differs', async () => {
      const params = { container, argv: ['true'], unless: ['test', '-f', '/tmp/uuid-ossp'] };
      const fingerprint = async () => (await runTask(podmanExec, params, conn, { check: true })).fingerprint;
      const image = (await podmanCli('container', 'inspect', '--format', '{{.ImageName}}', container)).trim();
      const recreate = async (from: string, ...run: string[]) => {
        await removeContainers(container);
        await podmanCli('run', '-d', '--name', container, ...run, from, 'sh', '-c', "trap 'exit 0' TERM; touch /tmp/uuid-ossp; sleep 600 & wait");
      };
      await recreate(image);
      const planned = await fingerprint();
      await recreate(image);
      assert.deepEqual(await fingerprint(), planned, 'a new container ID alone is no drift');
      const other = await buildBusyboxImage('tackle-test-fakepg-other', { files: { 'bin/psql': FAKE_PSQL, 'etc/other': 'other\n' } });
      await recreate(other);
      assert.notDeepEqual(await fingerprint(), planned, 'a container of another image is');
      await recreate(image);
    });

    test('a failing command, a missing container, and a container an earlier task would create', async () => {
      await assert.rejects(
        runTask(podmanExec, { container, argv: ['sh', '-c', 'echo nope >&2; exit 4'] }, conn),
        (e: unknown) => e instanceof CommandError && e.code === 4 && /nope/.test(e.message),
      );
      await assert.rejects(
        runTask(podmanExec, { container, argv: ['no-such-command'] }, conn),
        (e: unknown) => e instanceof CommandError && e.code === 127,
      );
      await assert.rejects(
        runTask(podmanExec, { container, argv: ['true'], podmanPath: 'no-such-podman' }, conn),
        (e: unknown) => e instanceof TaskError && /no-such-podman not found .*install the podman package/.test(e.message),
      );
      const missing = uniqueName('absent');
      await assert.rejects(
        runTask(podmanExec, { container: missing, argv: ['true'] }, conn),
        (e: unknown) => e instanceof TaskError && /does not exist/.test(e.message),
      );
      const pending = new Set([pendingContainerKey(missing)]);
      const predicted = await runTask(podmanExec, { container: missing, argv: ['true'] }, conn, { check: true, pending });
      assert.equal(predicted.status, 'changed');
    });
  });
}
