import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { parseRecap, tackle } from '../helpers/cli.ts';

/** Values a shell would act on if they ever reached one unquoted; each names the marker file. */
function hostileValues(marker: string): string[] {
  return [
    `$(touch ${marker}); echo`,
    `\`touch ${marker}\``,
    `'; touch ${marker}; '`,
    `"; touch ${marker}; "`,
    `x\ntouch ${marker}\n`,
    `; touch ${marker}`,
    `| touch ${marker}`,
    `&& touch ${marker} &`,
    `$IFS\${PATH} $$ $0 $1 $@ \\`,
    `-n`,
    `héllo ✓ 日本語 🎉 \u{FFFD}`,
  ];
}

/** A file name made from the value: '/' cannot be in a name, NUL is not among these. */
function asFileName(value: string): string {
  return value.replaceAll('/', '_');
}

for (const kind of ['local', 'ssh'] as const) {
  describe(`hostile variable values through the CLI (${kind})`, () => {
    let ssh: SshTestHosts | undefined;
    let dir: string;
    let out: string;
    let marker: string;
    let values: string[];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `tackle-hostile-${kind}-`));
      out = join(dir, 'out');
      mkdirSync(out);
      marker = join(dir, 'MARKER');
      values = hostileValues(marker);
      if (kind === 'ssh') {
        ssh = await startSshHosts(1);
        writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml().replace('host1:', 'target:'));
      } else {
        writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    target: {ansible_connection: local}\n');
      }
      // JSON is YAML: each value arrives exactly, escapes and all.
      writeFileSync(join(dir, 'values.json'), JSON.stringify(Object.fromEntries(values.map((v, i) => [`v${i}`, v]))));
    });
    after(async () => {
      await ssh?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('in command argv, writeConfig text and path: nothing executes, files hold the value byte for byte', async () => {
      const tasks = values.map((_, i) => `
    - name: argv ${i}
      command:
        argv: [sh, -c, 'printf %s "$1" > "$2"', sh, "{{ v${i} }}", "${out}/argv-${i}"]
    - name: text ${i}
      writeConfig: {path: "${out}/text-${i}", text: "{{ v${i} }}"}
    - name: path ${i}
      writeConfig: {path: "${out}/p-{{ v${i} | replace('/', '_') }}", text: "${i}"}`);
      writeFileSync(join(dir, 'site.yml'), `- hosts: target\n  tasks:${tasks.join('')}\n`);
      const r = await tackle(['run', 'site.yml', '-i', 'hosts.yml', '-e', '@values.json'], { cwd: dir });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(parseRecap(r.stdout).get('target'), { ok: values.length * 3, changed: values.length * 3, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
      assert.equal(existsSync(marker), false, 'a value was executed');
      values.forEach((v, i) => {
        assert.deepEqual(readFileSync(join(out, `argv-${i}`)), Buffer.from(v, 'utf8'), `argv ${JSON.stringify(v)}`);
        assert.deepEqual(readFileSync(join(out, `text-${i}`)), Buffer.from(v, 'utf8'), `text ${JSON.stringify(v)}`);
        assert.equal(readFileSync(join(out, `p-${asFileName(v)}`), 'utf8'), String(i), `path ${JSON.stringify(v)}`);
      });
    });

    test('a NUL byte in argv or a path is refused with a clear error (exit 2), nothing runs', async () => {
      writeFileSync(join(dir, 'nul.json'), JSON.stringify({ nul: `a\u0000; touch ${marker}` }));
      for (const task of [
        `command: {argv: [touch, "${marker}{{ nul }}"]}`,
        `command: {argv: [sh, -c, 'touch "$1"', sh, "${marker}{{ nul }}"]}`,
        `writeConfig: {path: "${marker}{{ nul }}", text: x}`,
      ]) {
        writeFileSync(join(dir, 'nul.yml'), `- hosts: target\n  tasks:\n    - name: with NUL\n      ${task}\n`);
        const r = await tackle(['run', 'nul.yml', '-i', 'hosts.yml', '-e', '@nul.json'], { cwd: dir });
        assert.equal(r.code, 2, `${task}\n${r.stdout}${r.stderr}`);
        assert.match(r.stdout, /failed: \[target\]: .*NUL byte/, task);
        assert.ok(!r.stdout.includes('\n    at ') && !r.stderr.includes('\n    at '), 'stack trace');
        assert.equal(existsSync(marker), false, `executed: ${task}`);
        assert.equal(existsSync(`${marker}a`), false, `the value was cut at the NUL and used: ${task}`);
      }
    });

    test('non-UTF-8 bytes in -e @file are refused before anything runs (exit 5, FILE:LINE:COL)', async () => {
      writeFileSync(join(dir, 'raw.yml'), Buffer.concat([Buffer.from('ok: fine\nraw: "a'), Buffer.from([0xff, 0xfe]), Buffer.from(`$(touch ${marker})"\n`)]));
      writeFileSync(join(dir, 'raw-site.yml'), `- hosts: target\n  tasks:\n    - command: {argv: [sh, -c, 'echo "$1"', sh, "{{ raw }}"]}\n`);
      const r = await tackle(['run', 'raw-site.yml', '-i', 'hosts.yml', '-e', '@raw.yml'], { cwd: dir });
      assert.equal(r.code, 5, r.stdout + r.stderr);
      assert.match(r.stderr, /^raw\.yml:2:8: invalid UTF-8 \(byte 0xff at offset 16\)/m);
      assert.equal(r.stdout, '');
      assert.equal(existsSync(marker), false);
    });
  });
}
