/**
 * What the flagship writes holds the real images' contracts (checked without containers: only
 * the dirs, secrets, tls and config tags run). Quay's config.yaml passes Quay 3.7's own schema
 * even with -e ports, Clair's passes Clair's key set and is readable by Clair's uid alone, Quay's
 * uid can write its storage, and SERVER_HOSTNAME must resolve.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { QUAY_SCHEMA_FILE } from '../../lab/standins/bundle.ts';
import { loadClairConfig } from '../../lab/standins/clair/config.ts';
import { QuayApi } from '../../lab/standins/quay/api.ts';
import { loadQuayConfig, parseQuaySchema } from '../../lab/standins/quay/config.ts';
import { tackle } from '../helpers/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const PLAYBOOK = join(ROOT, 'playbooks/quay-with-clair.yml');
const TAGS = 'dirs,secrets,tls,config';

function quaySchema(): object {
  if (!existsSync(QUAY_SCHEMA_FILE)) throw new Error(`Quay's config schema not found at ${QUAY_SCHEMA_FILE}: shared/data/quay-3.7.0-config-schema.json must lie beside the repository`);
  return parseQuaySchema(readFileSync(QUAY_SCHEMA_FILE, 'utf8'));
}

describe('playbooks/quay-with-clair.yml writes what Quay 3.7 and Clair v4.4 accept', () => {
  let dir: string;
  const hostDir = (name: string) => join(dir, name);

  function inventory(name: string, hostVars: Record<string, unknown>): string {
    const root = hostDir(name);
    mkdirSync(join(root, 'sysroot', 'etc'), { recursive: true });
    const file = join(root, 'hosts.json');
    writeFileSync(file, JSON.stringify({ all: { hosts: { [name]: { ansible_connection: 'local', quay_root: join(root, 'quay'), sysroot: join(root, 'sysroot'), service_host: '127.0.0.1', ...hostVars } } } }));
    return file;
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tackle-flagship-contracts-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('-e redis_port=6380 -e quay_https_port=443: config.yaml passes Quay\'s schema, with an integer port and no :443', async () => {
    const inv = inventory('h1', { server_hostname: 'localhost' });
    const r = await tackle(['run', PLAYBOOK, '-i', inv, '--tags', TAGS, '-e', 'restart_on_change=false', '--no-progress', '-e', 'redis_port=6380', '-e', 'quay_https_port=443']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const file = join(hostDir('h1'), 'quay/config/config.yaml');
    const loaded = loadQuayConfig(file, quaySchema());
    assert.ok('config' in loaded, `Quay 3.7 would refuse it: ${JSON.stringify('errors' in loaded ? loaded.errors : [])}`);
    const config = loaded.config;
    assert.equal(config.BUILDLOGS_REDIS.port, 6380);
    assert.equal(config.USER_EVENTS_REDIS.port, 6380);
    assert.equal(config.SERVER_HOSTNAME, 'localhost');

    // FEATURE_MAILING off (no mail server): the first user needs no email.
    assert.equal(config.FEATURE_MAILING, false);
    const api = new QuayApi({ userInitialize: config.FEATURE_USER_INITIALIZE, mailing: config.FEATURE_MAILING ?? true });
    const created = (api as unknown as { dispatch(m: string, p: string, b: unknown, a?: string): { status: number } }).dispatch('POST', '/api/v1/user/initialize', { username: 'quayadmin', password: 'password123', access_token: true }, undefined);
    assert.equal(created.status, 200);
  });

  test("Quay's uid owns config.yaml and ssl.key and may write storage; Clair's config passes Clair's keys and is readable by nobody (65534) alone", () => {
    const quay = join(hostDir('h1'), 'quay');
    for (const f of ['config/config.yaml', 'config/ssl.key']) {
      const st = statSync(join(quay, f));
      assert.equal(st.uid, 1001, `${f} owner`);
      assert.equal(st.mode & 0o777, 0o600, `${f} mode`);
    }
    const acl = spawnSync('getfacl', ['-p', '-n', join(quay, 'storage')], { encoding: 'utf8' });
    if (acl.error) throw new Error('getfacl not found: install the Debian package "acl"');
    assert.match(acl.stdout, /^user:1001:-wx$/m);

    const clairFile = join(hostDir('h1'), 'sysroot/etc/clairv4/config/config.yaml');
    const st = statSync(clairFile);
    assert.equal(st.uid, 65534);
    assert.equal(st.mode & 0o777, 0o600);
    const loaded = loadClairConfig(clairFile, 'combo');
    assert.ok('config' in loaded, `Clair would refuse it: ${JSON.stringify('errors' in loaded ? loaded.errors : [])}`);
    const quayConfig = parse(readFileSync(join(quay, 'config/config.yaml'), 'utf8')) as Record<string, unknown>;
    assert.equal(loaded.config.auth?.psk?.key, quayConfig['SECURITY_SCANNER_V4_PSK']);
  });

  test('a SERVER_HOSTNAME that does not resolve stops the run before anything is written, and says so', async () => {
    const inv = inventory('h2', { server_hostname: 'no-such-host.invalid' });
    const r = await tackle(['run', PLAYBOOK, '-i', inv, '--tags', TAGS, '-e', 'restart_on_change=false', '--no-progress']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /SERVER_HOSTNAME no-such-host\.invalid does not resolve on this host/);
    assert.equal(existsSync(join(hostDir('h2'), 'quay')), false);
  });

  test('with server_ip, the name goes into /etc/hosts once, as mirror-registry does', async () => {
    const inv = inventory('h3', { server_hostname: 'quay.lab.invalid', server_ip: '127.0.0.1' });
    for (let run = 0; run < 2; run++) {
      const r = await tackle(['run', PLAYBOOK, '-i', inv, '--tags', 'hosts', '--no-progress']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    assert.equal(readFileSync(join(hostDir('h3'), 'sysroot/etc/hosts'), 'utf8'), '127.0.0.1 quay.lab.invalid\n');
  });
});

interface PlayTask {
  name: string;
  when?: string;
  podmanRun?: unknown;
  systemdEnable?: unknown;
  command?: { argv?: string[] };
}
interface PlayDoc {
  name: string;
  tasks: PlayTask[];
  handlers?: PlayTask[];
}
const playbook = (file: string) => parse(readFileSync(join(ROOT, 'playbooks', file), 'utf8')) as PlayDoc[];

// Where systemd runs these take effect on a real host (the lab's fleet tests run them); here the
// plays are read as written.
describe('the flagship on a host where systemd runs', () => {
  test('units own the containers: every podmanRun that starts one is skipped where systemd runs', () => {
    for (const file of ['quay-with-clair.yml', 'quay-upgrade.yml']) {
      for (const play of playbook(file)) {
        for (const task of [...play.tasks, ...(play.handlers ?? [])]) {
          if (task.podmanRun === undefined) continue;
          assert.match(task.when ?? '', /not systemd_running/, `${file}: "${task.name}" would start a container beside its unit`);
        }
      }
    }
  });

  test('restart handlers run before the health waits, and the mirroring worker restarts on a changed config too', () => {
    const [deploy, healthy] = playbook('quay-with-clair.yml');
    assert.ok(deploy && healthy, 'two plays: deploy (with the handlers), then health');
    const handlers = deploy.handlers ?? [];
    assert.ok(handlers.some((h) => h.name === 'restart mirroring worker unit' && (h as { listen?: string[] }).listen?.includes('restart quay')));
    assert.ok(!deploy.tasks.some((t) => t.name === 'quay is healthy'), 'the final health wait is in the play after the handlers');
    assert.ok(healthy.tasks.some((t) => t.name === 'quay is healthy'));
    const names = deploy.tasks.map((t) => t.name);
    assert.ok(names.indexOf('quay is healthy before the mirroring worker starts') < names.indexOf('mirroring worker unit'), 'the worker does not migrate beside a fresh Quay');
  });

  test('uninstall reloads systemd after removing the unit files', () => {
    const tasks = playbook('quay-uninstall.yml')[0]!.tasks;
    const removed = tasks.findIndex((t) => t.name === 'remove the unit files');
    const reload = tasks.findIndex((t) => JSON.stringify(t.command?.argv) === '["systemctl","daemon-reload"]');
    assert.ok(reload > removed && removed >= 0);
    assert.match(tasks[reload]!.when ?? '', /systemd_running/);
  });
});
