import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../../../engine/connection.ts';
import { TaskError } from '../../../engine/errors.ts';
import { CommandError } from '../../../engine/errors.ts';
import { withTargetTempDir } from '../../../engine/exec-helpers.ts';
import { registryOf, writeAuthFile } from '../../../tasks/podman/registry-auth.ts';
import podmanImage from '../../../tasks/podman/podmanImage.ts';
import { runTask, tempDir } from '../../helpers/task-harness.ts';
import { CONNECTION_KINDS, openTestConnection } from '../../helpers/connections.ts';
import { buildBusyboxImage, ensurePodmanTestConfig, podmanCli, podmanRaw } from '../../helpers/podman.ts';

const imageExists = async (ref: string) => (await podmanRaw(['image', 'exists', ref])).code === 0;

for (const kind of CONNECTION_KINDS) {
  describe(`podmanImage over ${kind}`, () => {
    let conn: Connection;
    let close: () => Promise<void>;
    let dir: string;
    const tag = `${kind}-${process.pid}`;
    const refs: string[] = [];

    before(async () => {
      await ensurePodmanTestConfig();
      ({ conn, close } = await openTestConnection(kind));
      dir = tempDir();
    });
    after(async () => {
      for (const ref of refs) await podmanRaw(['rmi', '--ignore', ref]);
      await close();
    });

    test('import a rootfs tarball: --check creates nothing, then changed, then ok; absent removes it', async () => {
      const ref = `localhost/tackle-t-import:${tag}`;
      refs.push(ref);
      mkdirSync(join(dir, 'rootfs', 'etc'), { recursive: true });
      writeFileSync(join(dir, 'rootfs', 'etc', 'release'), 'imported\n');
      const tarball = join(dir, 'rootfs.tar');
      assert.equal(spawnSync('tar', ['-C', join(dir, 'rootfs'), '-cf', tarball, '.']).status, 0);
      const params = { name: ref, import: { tarball, changes: ['ENTRYPOINT ["/bin/sh"]', 'ENV STAGE=test'] } };

      const checked = await runTask(podmanImage, params, conn, { check: true });
      assert.equal(checked.status, 'changed');
      assert.equal(await imageExists(ref), false, '--check imported nothing');

      assert.equal((await runTask(podmanImage, params, conn)).status, 'changed');
      const config = JSON.parse(await podmanCli('image', 'inspect', '--format', '{{json .Config}}', ref)) as {
        Entrypoint: string[];
        Env: string[];
      };
      assert.deepEqual(config.Entrypoint, ['/bin/sh']);
      assert.ok(config.Env.includes('STAGE=test'), config.Env.join(' '));
      assert.equal((await runTask(podmanImage, params, conn)).status, 'ok');

      assert.equal((await runTask(podmanImage, { name: ref, state: 'absent' }, conn)).status, 'changed');
      assert.equal(await imageExists(ref), false);
      assert.equal((await runTask(podmanImage, { name: ref, state: 'absent' }, conn)).status, 'ok');
    });

    test('load a podman save archive when the image is missing; an archive without it fails', async () => {
      const source = await buildBusyboxImage('tackle-test-busybox');
      const ref = `localhost/tackle-t-archive:${tag}`;
      refs.push(ref);
      await podmanCli('tag', source, ref);
      const archive = join(dir, 'image.tar');
      await podmanCli('save', '-o', archive, ref);
      await podmanCli('rmi', ref); // only untags: the source keeps the layers
      const sourceId = (await podmanCli('image', 'inspect', '--format', '{{.Id}}', source)).trim();

      const params = { name: ref, archive };
      const loaded = await runTask(podmanImage, params, conn);
      assert.equal(loaded.status, 'changed');
      assert.equal((await podmanCli('image', 'inspect', '--format', '{{.Id}}', ref)).trim(), sourceId);
      assert.equal((await runTask(podmanImage, params, conn)).status, 'ok');

      await assert.rejects(
        runTask(podmanImage, { name: `localhost/tackle-t-not-in-archive:${tag}`, archive }, conn),
        (e: unknown) => e instanceof TaskError && /holds no image named/.test(e.message),
      );
      await assert.rejects(
        runTask(podmanImage, { name: `localhost/tackle-t-no-archive:${tag}`, archive: join(dir, 'missing.tar') }, conn),
        (e: unknown) => e instanceof TaskError && /does not exist/.test(e.message),
      );
    });

    test('a newer archive under the same name: --check says so and loads nothing, then it is loaded (idempotent by image ID)', async () => {
      const ref = `localhost/tackle-t-archive-id:${tag}`;
      refs.push(ref);
      const saveAs = async (source: string, file: string, extra: string[] = []) => {
        await podmanCli('tag', source, ref);
        await podmanCli('save', ...extra, '-o', join(dir, file), ref);
        await podmanCli('rmi', ref);
        return (await podmanCli('image', 'inspect', '--format', '{{.Id}}', source)).trim();
      };
      const oldId = await saveAs(await buildBusyboxImage('tackle-test-busybox'), 'old.tar');
      const newer = await buildBusyboxImage(`tackle-t-archive-newer:${tag}`, { files: { 'etc/release': `newer ${tag}\n` } });
      refs.push(newer);
      const newId = await saveAs(newer, 'new.tar');
      const ociId = await saveAs(newer, 'new-oci.tar', ['--format', 'oci-archive']);
      assert.notEqual(oldId, newId);
      const idOf = async () => (await podmanCli('image', 'inspect', '--format', '{{.Id}}', ref)).trim();

      assert.equal((await runTask(podmanImage, { name: ref, archive: join(dir, 'old.tar') }, conn)).status, 'changed');
      assert.equal(await idOf(), oldId);
      assert.equal((await runTask(podmanImage, { name: ref, archive: join(dir, 'old.tar') }, conn)).status, 'ok');

      const newParams = { name: ref, archive: join(dir, 'new.tar') };
      const checked = await runTask(podmanImage, newParams, conn, { check: true });
      assert.equal(checked.status, 'changed');
      assert.equal(await idOf(), oldId, '--check loaded nothing');
      assert.equal((await runTask(podmanImage, newParams, conn)).status, 'changed');
      assert.equal(await idOf(), newId);
      assert.equal((await runTask(podmanImage, newParams, conn)).status, 'ok');
      assert.equal(ociId, newId);
      assert.equal((await runTask(podmanImage, { name: ref, archive: join(dir, 'new-oci.tar') }, conn)).status, 'ok', 'an oci-archive holding the same ID');
    });
  });
}

describe('podmanImage registry credentials', () => {
  test('auth file: 0600 in a private temp dir, for the image registry, removed afterwards', async () => {
    const conn = (await openTestConnection('local')).conn;
    let seen = '';
    await withTargetTempDir(conn, async (dir) => {
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      seen = await writeAuthFile(conn, dir, 'registry.example.com:8443/quay/quay-rhel8:v3.7.0', { username: 'u', password: 'p:w' });
      assert.equal(statSync(seen).mode & 0o777, 0o600);
      const auths = (JSON.parse(readFileSync(seen, 'utf8')) as { auths: Record<string, { auth: string }> }).auths;
      assert.deepEqual(Object.keys(auths), ['registry.example.com:8443']);
      assert.equal(Buffer.from(auths['registry.example.com:8443']!.auth, 'base64').toString(), 'u:p:w');
    });
    assert.equal(existsSync(seen), false);
    assert.equal(registryOf('library/postgres:15'), 'docker.io');
    assert.equal(registryOf('localhost/quay:1'), 'localhost');
  });

  test('an unreachable registry fails the pull', async () => {
    await ensurePodmanTestConfig();
    const conn = (await openTestConnection('local')).conn;
    await assert.rejects(
      runTask(podmanImage, { name: '127.0.0.1:1/tackle/none:1', registryAuth: { username: 'u', password: 'hunter2-secret' } }, conn),
      (e: unknown) =>
        e instanceof CommandError &&
        e.argv.includes('pull') &&
        e.argv.includes('--authfile') &&
        !e.argv.join(' ').includes('hunter2-secret'),
    );
  });
});
