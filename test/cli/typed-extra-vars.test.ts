import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { tackle } from '../helpers/cli.ts';
import { tempDir } from '../helpers/task-harness.ts';

// -e key=value gives text, as in Ansible; where a template is the whole value, text that spells a
// number is the number (jinja2_native), and a number in a text field is its text again.
test('-e port=N reaches an integer task parameter and structured config as a number, and a text field as text', async () => {
  const dir = tempDir();
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: localhost
  gather_facts: false
  tasks:
    - name: the port answers
      waitFor: { port: "{{ port }}", retries: 1 }
    - name: config
      writeConfig:
        path: "{{ playbook_dir }}/config.yaml"
        content: { redis: { port: "{{ redis_port }}", host: "{{ redis_host }}" }, version: "{{ version }}" }
    - name: text
      writeConfig: { path: "{{ playbook_dir }}/id.txt", text: "{{ id }}" }
`,
    );
    const r = await tackle(['run', 'site.yml', '--no-progress', '-e', `port=${port} redis_port=6380 redis_host=10.0.0.7 version=3.10 id=1234`], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(parse(readFileSync(join(dir, 'config.yaml'), 'utf8')), { redis: { port: 6380, host: '10.0.0.7' }, version: '3.10' });
    assert.equal(readFileSync(join(dir, 'id.txt'), 'utf8'), '1234');
  } finally {
    await new Promise((r) => server.close(r));
  }
});
