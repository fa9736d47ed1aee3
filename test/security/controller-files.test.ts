import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { TACKLE_FROM_SOURCE } from '../helpers/cli.ts';

describe('the report and the retry file: no symlink followed, explicit modes (local)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tackle-h6-ctl-'));
    writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    target: {ansible_connection: local}\n');
    writeFileSync(join(dir, 'site.yml'), `- hosts: all\n  tasks:\n    - command: {argv: ["false"]}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('under umask 000, a symlink at both paths: the targets stay as they were, the files are 0600 and 0644', async () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'do not overwrite\n');
    symlinkSync(victim, join(dir, 'report.json'));
    mkdirSync(join(dir, '.tackle-retry'));
    symlinkSync(victim, join(dir, '.tackle-retry', 'site.retry'));
    const r = spawnSync('sh', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, ...TACKLE_FROM_SOURCE, 'run', 'site.yml', '-i', 'hosts.yml', '--report', 'report.json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.equal(readFileSync(victim, 'utf8'), 'do not overwrite\n', 'a symlink was followed');
    for (const [file, mode] of [['report.json', 0o600], [join('.tackle-retry', 'site.retry'), 0o644]] as const) {
      const path = join(dir, file);
      assert.ok(lstatSync(path).isFile(), `${file} is a regular file`);
      assert.equal(statSync(path).mode & 0o777, mode, `${file} mode`);
    }
    assert.equal(readFileSync(join(dir, '.tackle-retry', 'site.retry'), 'utf8'), 'target\n');
  });

});
