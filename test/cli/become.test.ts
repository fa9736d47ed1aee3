import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tackle } from '../helpers/cli.ts';

// A play's become/become_user reaches the connection (sudo), and the next play runs without it.
test('play-level become runs that play as the become user only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tackle-become-'));
  try {
    const playbook = join(dir, 'site.yml');
    writeFileSync(
      playbook,
      `- name: as nobody
  hosts: localhost
  become: true
  become_user: nobody
  tasks:
    - name: who am i
      register: who
      command: { argv: [id, -un], changedWhen: never }
- name: as the login user again
  hosts: localhost
  tasks:
    - name: who am i now
      register: again
      command: { argv: [id, -un], changedWhen: never }
    - name: record both
      writeConfig: { path: "${dir}/who.txt", text: "{{ who.stdout }} {{ again.stdout }}\\n" }
`,
    );
    const r = await tackle(['run', playbook, '--no-progress']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(join(dir, 'who.txt'), 'utf8'), 'nobody root\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
