import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { tackle } from '../helpers/cli.ts';

const KEYS = 4;
/** Private keys and the temp files they are written through (".ca1.key.tackle-XXXX"). */
const KEY_FILE = /\.key(\.tackle-[0-9a-f]+)?$/;

interface Sighting {
  name: string;
  mode: number;
}

/** Looks at every key file in `dir` on each inotify event and every 2 ms until stopped. */
function watchModes(dir: string): { stop(): Sighting[] } {
  const seen: Sighting[] = [];
  const look = (name: string): void => {
    if (!KEY_FILE.test(name)) return;
    try {
      seen.push({ name, mode: lstatSync(join(dir, name)).mode & 0o7777 });
    } catch {
      // renamed or removed between the event and the look
    }
  };
  const watcher = watch(dir, (_event, name) => name && look(name));
  const timer = setInterval(() => readdirSync(dir).forEach(look), 2);
  return {
    stop() {
      watcher.close();
      clearInterval(timer);
      return seen;
    },
  };
}

describe('private keys are 0600 from the first byte (ssh, through the CLI)', () => {
  let ssh: SshTestHosts;
  let dir: string;
  let pki: string;

  before(async () => {
    ssh = await startSshHosts(1);
    dir = mkdtempSync(join(tmpdir(), 'tackle-keymodes-'));
    pki = join(dir, 'pki');
    mkdirSync(pki);
    writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml());
    const tasks = Array.from(
      { length: KEYS },
      (_, i) => `    - genCA: {dir: ${pki}, keyFile: ca${i}.key, certFile: ca${i}.crt, keyType: rsa4096, subject: {CN: "Root ${i}"}}\n`,
    );
    writeFileSync(join(dir, 'site.yml'), `- hosts: all\n  tasks:\n${tasks.join('')}`);
  });
  after(async () => {
    await ssh?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('no key file, temp file included, is ever seen with a mode other than 0600', async () => {
    const watcher = watchModes(pki);
    const r = await tackle(['run', 'site.yml', '-i', 'hosts.yml'], { cwd: dir });
    const seen = watcher.stop();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const wrong = seen.filter((s) => s.mode !== 0o600);
    assert.deepEqual(wrong, [], `key files seen with another mode: ${JSON.stringify(wrong.map((s) => [s.name, s.mode.toString(8)]))}`);
    const finals = new Set(seen.filter((s) => !s.name.includes('.tackle-')).map((s) => s.name));
    assert.equal(finals.size, KEYS, `every key was looked at: ${[...finals].join(', ')}`);
    assert.ok(seen.some((s) => s.name.includes('.tackle-')), 'the temp file of at least one key write was looked at while it existed');
    for (let i = 0; i < KEYS; i++) assert.equal(lstatSync(join(pki, `ca${i}.key`)).mode & 0o7777, 0o600);
  });
});
