import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../../../engine/connection.ts';
import { TaskError } from '../../../engine/errors.ts';
import { parseVolumeSpec } from '../../../tasks/podman/mounts.ts';
import { comparePorts, parsePortSpec } from '../../../tasks/podman/ports.ts';
import { splitWords } from '../../../tasks/shared/words.ts';
import podmanRun, { type PodmanRunParams } from '../../../tasks/podman/podmanRun.ts';
import { runTask, tempDir } from '../../helpers/task-harness.ts';
import { CONNECTION_KINDS, openTestConnection } from '../../helpers/connections.ts';
import {
  buildBusyboxImage,
  containersNamed,
  ensurePodmanTestConfig,
  freePort,
  httpGet,
  inspectContainerJson,
  podmanCli,
  removeContainers,
  uniqueName,
} from '../../helpers/podman.ts';

/** httpd in the foreground of a shell that exits on SIGTERM, so stops take milliseconds. */
const HTTPD = ['sh', '-c', "trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"];

const envOf = (list: readonly string[] | null | undefined) =>
  Object.fromEntries((list ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

describe('podmanRun spec normalisation', () => {
  test('ports: defaults, IPv6, ranges, and a wanted port without host port matches any', () => {
    assert.deepEqual(parsePortSpec('5433:5432'), parsePortSpec('0.0.0.0:5433:5432/tcp'));
    assert.deepEqual(parsePortSpec('[::1]:80:8080/udp'), [{ hostIp: '::1', hostPort: '80', containerPort: '8080', protocol: 'udp' }]);
    assert.deepEqual(parsePortSpec('8000-8001:80-81').map((p) => `${p.hostPort}>${p.containerPort}`), ['8000>80', '8001>81']);
    assert.deepEqual(comparePorts(parsePortSpec('8080'), parsePortSpec('34567:8080')), []);
    assert.deepEqual(comparePorts(parsePortSpec('80:8080'), [...parsePortSpec('80:8080'), ...parsePortSpec('81:8080')]), [
      'port 8080 differs (81:8080/tcp not wanted)',
    ]);
    assert.throws(() => parsePortSpec('80:8080/icmp'), TaskError);
  });

  test('volumes and command strings', () => {
    assert.deepEqual(parseVolumeSpec('/srv/quay/config/:/conf/stack:Z'), {
      kind: 'bind', source: '/srv/quay/config', destination: '/conf/stack', readOnly: false, options: ['Z'],
    });
    assert.deepEqual(parseVolumeSpec('pgdata:/var/lib/pgsql/data:z,ro').options, ['z']);
    assert.throws(() => parseVolumeSpec('./config:/conf'), TaskError);
    assert.deepEqual(splitWords(`config  secret`), ['config', 'secret']);
    assert.deepEqual(splitWords(String.raw`sh -c 'echo "$X"' "a \"b\"" c\ d`), ['sh', '-c', 'echo "$X"', 'a "b"', 'c d']);
    assert.throws(() => splitWords(`echo 'open`), TaskError);
  });
});

for (const kind of CONNECTION_KINDS) {
  describe(`podmanRun over ${kind}`, () => {
    let conn: Connection;
    let close: () => Promise<void>;
    let image: string;
    let imageId: string;
    let dir: string;
    const names: string[] = [];
    const nameFor = (label: string) => {
      const n = uniqueName(label);
      names.push(n);
      return n;
    };

    before(async () => {
      await ensurePodmanTestConfig();
      ({ conn, close } = await openTestConnection(kind));
      image = await buildBusyboxImage('tackle-test-web');
      imageId = (await podmanCli('image', 'inspect', '--format', '{{.Id}}', image)).trim();
      dir = tempDir();
      mkdirSync(join(dir, 'www'));
      mkdirSync(join(dir, 'data'));
      writeFileSync(join(dir, 'www', 'index.html'), `served over ${kind}\n`);
    });
    after(async () => {
      await removeContainers(...names);
      await close();
    });

    test('creates as specified, serves, then is never recreated; drift and env changes are repaired', async () => {
      const name = nameFor('web');
      const port = await freePort();
      const params: Partial<PodmanRunParams> = {
        name,
        image,
        command: HTTPD,
        env: { FOO: 'bar', DB_PASSWORD: 'sekret value' },
        ports: [`127.0.0.1:${port}:8080`],
        volumes: [`${dir}/www:/www:Z`, `${dir}/data:/data:ro`],
        restart: 'always',
        labels: { app: 'web' },
      };

      const first = await runTask(podmanRun, params, conn);
      assert.equal(first.status, 'changed', first.message);
      assert.deepEqual(first.reasons, ['container missing']);
      const c = await inspectContainerJson(name);
      assert.equal(c.Image, imageId);
      assert.equal(c.State.Running, true);
      assert.deepEqual(c.Config.Cmd, HTTPD);
      assert.equal(envOf(c.Config.Env).FOO, 'bar');
      assert.equal(envOf(c.Config.Env).DB_PASSWORD, 'sekret value');
      assert.equal((await podmanCli('port', name)).trim(), `8080/tcp -> 127.0.0.1:${port}`);
      const mounts = Object.fromEntries((c.Mounts ?? []).map((m) => [m.Destination, m]));
      assert.equal(mounts['/www']?.Source, `${dir}/www`);
      assert.equal(mounts['/www']?.RW, true);
      assert.equal(mounts['/data']?.RW, false);
      // Z leaves no trace in inspect without SELinux; podman was asked for it.
      assert.ok(c.Config.CreateCommand?.includes(`${dir}/www:/www:Z`), c.Config.CreateCommand?.join(' '));
      assert.ok(!c.Config.CreateCommand?.join(' ').includes('sekret'), 'env values stay off the command line');
      assert.equal(c.HostConfig.RestartPolicy?.Name, 'always');
      assert.equal(c.Config.Labels?.app, 'web');
      assert.deepEqual(await httpGet(`http://127.0.0.1:${port}/index.html`), { status: 200, body: `served over ${kind}\n` });

      const second = await runTask(podmanRun, params, conn);
      assert.equal(second.status, 'ok', second.reasons.join('; '));
      assert.equal((await inspectContainerJson(name)).Id, c.Id);

      // The same spec written differently (explicit defaults, trailing slash) still matches.
      const sameSpec = { ...params, ports: [`127.0.0.1:${port}:8080/tcp`], volumes: [`${dir}/www/:/www:Z`, `${dir}/data:/data:ro`] };
      assert.equal((await runTask(podmanRun, sameSpec, conn)).status, 'ok');

      const probes: [Partial<PodmanRunParams>, string][] = [
        [{ ports: [`${port}:8080`] }, `port 8080 differs (${port}:8080/tcp wanted, 127.0.0.1:${port}:8080/tcp found)`],
        [{ volumes: [`${dir}/www:/www:z`, `${dir}/data:/data:ro`] }, 'volume /www options differ (z wanted, Z found)'],
        [{ volumes: [`${dir}/www:/www:Z`, `${dir}/data:/data`] }, 'volume /data should be writable'],
        [{ labels: { app: 'db' } }, 'label app differs'],
        [{ restart: 'no' }, 'restart policy differs (no wanted, always found)'],
        [{ command: 'sh -c true' }, 'command differs'],
      ];
      // Normalisation does not depend on the transport: probed once, over local.
      for (const [change, reason] of kind === 'local' ? probes : []) {
        const r = await runTask(podmanRun, { ...params, ...change }, conn, { check: true });
        assert.equal(r.status, 'changed');
        assert.deepEqual(r.reasons, [reason]);
      }

      const newEnv = { ...params, env: { FOO: 'baz', DB_PASSWORD: 'sekret value' } };
      const checked = await runTask(podmanRun, newEnv, conn, { check: true, diff: true });
      assert.equal(checked.status, 'changed');
      assert.deepEqual(checked.reasons, ['env FOO differs']);
      // Env may hold secrets the playbook does not know: the diff names the key that differs, never a value.
      assert.match(checked.diff[0]!.before, /env: FOO=\*{8} \(old value\)\n/);
      assert.match(checked.diff[0]!.after, /env: FOO=\*{8} \(new value\)\n/);
      assert.match(checked.diff[0]!.after, /env: DB_PASSWORD=\*{8}\n/);
      assert.doesNotMatch(checked.diff[0]!.before + checked.diff[0]!.after, /sekret|=bar|=baz/);
      assert.equal((await inspectContainerJson(name)).Id, c.Id, '--check changed nothing');

      const recreated = await runTask(podmanRun, newEnv, conn);
      assert.equal(recreated.status, 'changed');
      assert.deepEqual(recreated.reasons, ['env FOO differs']);
      const c2 = await inspectContainerJson(name);
      assert.notEqual(c2.Id, c.Id);
      assert.equal(envOf(c2.Config.Env).FOO, 'baz');
      assert.equal((await runTask(podmanRun, newEnv, conn)).status, 'ok');

      await podmanCli('stop', name);
      const restarted = await runTask(podmanRun, newEnv, conn);
      assert.deepEqual([restarted.status, restarted.reasons], ['changed', ['not running']]);
      const c3 = await inspectContainerJson(name);
      assert.equal(c3.Id, c2.Id, 'a stopped, matching container is started, not recreated');
      assert.equal(c3.State.Running, true);

      await podmanCli('rm', '-f', '-t', '0', name);
      const back = await runTask(podmanRun, newEnv, conn);
      assert.deepEqual([back.status, back.reasons], ['changed', ['container missing']]);
      assert.equal((await inspectContainerJson(name)).State.Running, true);
      assert.deepEqual(await httpGet(`http://127.0.0.1:${port}/index.html`), { status: 200, body: `served over ${kind}\n` });

      const before = await inspectContainerJson(name);
      const bounce = await runTask(podmanRun, { ...newEnv, state: 'restarted' }, conn);
      assert.deepEqual([bounce.status, bounce.reasons], ['changed', ['restart requested']]);
      const after = await inspectContainerJson(name);
      assert.equal(after.Id, before.Id);
      assert.notEqual(after.State.StartedAt, before.State.StartedAt);
      assert.equal(after.State.Running, true);

      const gone = await runTask(podmanRun, { name, state: 'absent' }, conn);
      assert.equal(gone.status, 'changed');
      assert.deepEqual(await containersNamed(name), []);
      assert.equal((await runTask(podmanRun, { name, state: 'absent' }, conn)).status, 'ok');
    });

    test('--check creates nothing; stopped creates without starting', async () => {
      const name = nameFor('chk');
      const params: Partial<PodmanRunParams> = { name, image, command: HTTPD };
      const checked = await runTask(podmanRun, params, conn, { check: true });
      assert.deepEqual([checked.status, checked.reasons], ['changed', ['container missing']]);
      assert.deepEqual(await containersNamed(name), []);

      const stopped = await runTask(podmanRun, { ...params, state: 'stopped' }, conn);
      assert.equal(stopped.status, 'changed');
      assert.equal((await inspectContainerJson(name)).State.Status, 'created');
      assert.equal((await runTask(podmanRun, { ...params, state: 'stopped' }, conn)).status, 'ok');
    });

    test('network, user, entrypoint, stop timeout and a named volume match on the next run', async () => {
      const name = nameFor('net');
      const volume = `${name}-vol`;
      const params: Partial<PodmanRunParams> = {
        name,
        image,
        entrypoint: ['/bin/sh', '-c'],
        // A string is split with shell quoting: this is one argument.
        command: `"trap 'exit 0' TERM; sleep 600 & wait"`,
        network: 'host',
        user: '65534:65534',
        stopTimeout: 3,
        volumes: [`${volume}:/state`],
        state: 'stopped',
      };
      try {
        assert.equal((await runTask(podmanRun, params, conn)).status, 'changed');
        const c = await inspectContainerJson(name);
        assert.equal(c.HostConfig.NetworkMode, 'host');
        assert.equal(c.Config.User, '65534:65534');
        assert.equal(c.Config.StopTimeout, 3);
        assert.deepEqual(c.Config.Cmd, ["trap 'exit 0' TERM; sleep 600 & wait"]);
        assert.equal((c.Mounts ?? []).find((m) => m.Destination === '/state')?.Name, volume);
        const again = await runTask(podmanRun, params, conn);
        assert.equal(again.status, 'ok', again.reasons.join('; '));
        const other = await runTask(podmanRun, { ...params, network: 'podman', user: '0' }, conn, { check: true });
        assert.deepEqual(other.reasons, ['network differs (podman wanted, host found)', 'user differs']);
        await assert.rejects(
          runTask(podmanRun, { ...params, ports: ['8080:8080'] }, conn, { check: true }),
          (e: unknown) => e instanceof TaskError && /ports cannot be published with network host/.test(e.message),
        );
      } finally {
        await removeContainers(name);
        await podmanCli('volume', 'rm', '--force', volume);
      }
    });

    test('pull never with a missing image fails; a container that dies at once is reported with its logs', async () => {
      await assert.rejects(
        runTask(podmanRun, { name: nameFor('nopull'), image: 'localhost/tackle-test-no-such-image:1', pull: 'never' }, conn),
        (e: unknown) => e instanceof TaskError && /not present .* pull is "never"/.test(e.message),
      );
      const name = nameFor('dies');
      await assert.rejects(
        runTask(podmanRun, { name, image, command: ['sh', '-c', 'echo broken config >&2; exit 3'] }, conn),
        (e: unknown) => e instanceof TaskError && /exit code 3/.test(e.message) && /broken config/.test(e.message),
      );
    });
  });
}
