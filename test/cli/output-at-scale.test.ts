import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tackle, TACKLE_FROM_SOURCE } from '../helpers/cli.ts';

const HOSTS = 200;
const UNREACHABLE = [60, 130, 190];
const FAILING = [7, 50, 123];
/** Hosts whose marker exists before the first run: their first task is ok, the others' changed. */
const PRESEEDED = 150;

/** A loopback port nothing listens on (taken from the kernel, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

// 200 inventory hosts through the real CLI: 197 over the local connection, each with its own root
// directory, and 3 over SSH to a closed port (unreachable). The reporters see the same events
// whatever the connection, so this is the output path of a 200-host SSH run.
describe('output at 200 hosts: one line of counts per task, failures by name, a grouped recap', () => {
  let dir: string;
  let port: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tackle-h8-scale-'));
    port = await closedPort();
    const hosts = Array.from({ length: HOSTS }, (_, i) =>
      UNREACHABLE.includes(i + 1)
        ? `    host${i + 1}: { ansible_host: 127.0.0.1, ansible_port: ${port}, ansible_user: root, ansible_password: unused }`
        : `    host${i + 1}: { ansible_connection: local }`,
    );
    writeFileSync(join(dir, 'hosts.yml'), `all:\n  vars:\n    root: "{{ root_base }}/{{ inventory_hostname }}"\n  hosts:\n${hosts.join('\n')}\n`);
    writeFileSync(
      join(dir, 'site.yml'),
      `- name: at scale
  hosts: all
  tasks:
    - name: marker
      command:
        argv: [sh, -c, 'mkdir -p "$1" && touch "$1/marker"', sh, "{{ root }}"]
        creates: "{{ root }}/marker"
    - name: breaks on three hosts
      command: { argv: [sh, -c, 'echo broken >&2; exit 3'] }
      when: inventory_hostname in [${FAILING.map((n) => `'host${n}'`).join(', ')}]
    - name: config
      writeConfig:
        path: "{{ root }}/app.yaml"
        content: { host: "{{ inventory_hostname }}" }
`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh set of roots with the first PRESEEDED hosts' markers in place. */
  function roots(name: string): string {
    const base = join(dir, name);
    for (let i = 1; i <= PRESEEDED; i++) {
      mkdirSync(join(base, `host${i}`), { recursive: true });
      writeFileSync(join(base, `host${i}`, 'marker'), '');
    }
    return base;
  }

  const unreachableLine = (n: number) => `unreachable: [host${n}]: host${n}: cannot connect to 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`;
  const failedLines = (n: number) => [`failed: [host${n}]: sh exited 3:`, `broken (task 'breaks on three hosts' at site.yml:8:7)`];
  const recap = [
    'PLAY RECAP ************************************************************',
    '145 hosts : ok=2  changed=1  unreachable=0  failed=0  skipped=1  rescued=0  ignored=0',
    ' 49 hosts : ok=2  changed=2  unreachable=0  failed=0  skipped=1  rescued=0  ignored=0',
    '  3 hosts : ok=1  changed=0  unreachable=0  failed=1  skipped=0  rescued=0  ignored=0',
    '  3 hosts : ok=0  changed=0  unreachable=1  failed=0  skipped=0  rescued=0  ignored=0',
    'failed (3): host7, host50, host123',
    'unreachable (3): host60, host130, host190',
  ];

  test('plain output, line by line; the JSON report keeps every host', async () => {
    const r = await tackle(['run', 'site.yml', '-i', 'hosts.yml', '--no-progress', '-e', `root_base=${roots('plain')}`, '--report', 'plain.json'], { cwd: dir });
    assert.equal(r.code, 4, r.stderr);
    assert.deepEqual(r.stdout.split('\n'), [
      '',
      'PLAY [at scale] (200 hosts)',
      '',
      'TASK [marker] (command)  148 ok · 49 changed · 3 unreachable',
      ...UNREACHABLE.map(unreachableLine),
      '',
      'TASK [breaks on three hosts] (command)  3 failed · 194 skipped',
      ...FAILING.flatMap(failedLines),
      '',
      'TASK [config] (writeConfig)  194 changed',
      '',
      ...recap,
      '',
      'To retry the failed and unreachable hosts: tackle run site.yml -i hosts.yml --limit @.tackle-retry/site.retry',
      '',
    ]);
    const report = JSON.parse(readFileSync(join(dir, 'plain.json'), 'utf8')) as { hosts: Record<string, { changed: number }>; results: unknown[] };
    assert.equal(Object.keys(report.hosts).length, HOSTS);
    assert.equal(report.results.length, 200 + 197 + 194);
    assert.equal(report.hosts['host200']?.changed, 2);
  });

  test('plain output with -v names every host under every task, in inventory order', async () => {
    const base = roots('verbose');
    const r = await tackle(['run', 'site.yml', '-i', 'hosts.yml', '--no-progress', '-v', '-e', `root_base=${base}`], { cwd: dir });
    assert.equal(r.code, 4, r.stderr);
    const sections = r.stdout.split('\nTASK [').slice(1);
    const hostLines = (section: string) => section.split('\n').filter((l) => /^[a-z ()]+: \[host\d+\]/.test(l)).map((l) => l.slice(0, l.indexOf(']') + 1));
    const all = Array.from({ length: HOSTS }, (_, i) => i + 1);
    assert.deepEqual(
      hostLines(sections[0]!),
      all.map((n) => `${UNREACHABLE.includes(n) ? 'unreachable' : n <= PRESEEDED ? 'ok' : 'changed'}: [host${n}]`),
    );
    const reached = all.filter((n) => !UNREACHABLE.includes(n));
    assert.deepEqual(
      hostLines(sections[1]!),
      reached.map((n) => `${FAILING.includes(n) ? 'failed' : 'skipped'}: [host${n}]`),
    );
    assert.deepEqual(
      hostLines(sections[2]!),
      reached.filter((n) => !FAILING.includes(n)).map((n) => `changed: [host${n}]`),
    );
  });

  test('the TTY progress view in a 120x50 tmux pane: every task one line, only failed hosts expanded, all of it on one screen', async () => {
    if (spawnSync('tmux', ['-V']).error) assert.fail('tmux not found: install the Debian package tmux');
    const base = roots('tty');
    const done = join(dir, 'tty.exit');
    const socket = `tackle-h8-${process.pid}`;
    const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
    const command = [process.execPath, ...TACKLE_FROM_SOURCE, 'run', 'site.yml', '-i', 'hosts.yml', '-e', `root_base=${base}`].map(quote).join(' ');
    const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    const started = tmux('new-session', '-d', '-x', '120', '-y', '50', '-c', dir, `${command}; echo $? > ${quote(done)}; sleep 600`);
    assert.equal(started.status, 0, started.stderr);
    try {
      const deadline = Date.now() + 300_000;
      while (!existsSync(done) || readFileSync(done, 'utf8') === '') {
        if (Date.now() > deadline) assert.fail(`the run in tmux did not finish:\n${tmux('capture-pane', '-p').stdout}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(readFileSync(done, 'utf8').trim(), '4');
      const screen = tmux('capture-pane', '-p').stdout.split('\n').map((l) => l.trimEnd());
      const first = screen.indexOf('PLAY [at scale] (200 hosts)');
      assert.ok(first >= 0, `the whole run fits the 50-line pane:\n${screen.join('\n')}`);
      const shown = screen.slice(first, screen.lastIndexOf('To retry the failed and unreachable hosts: tackle run site.yml -i hosts.yml --limit @.tackle-retry/site.retry') + 1);
      const cannot = (n: number) => `  ✖ host${n}: unreachable - host${n}: cannot connect to 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`;
      assert.deepEqual(shown, [
        'PLAY [at scale] (200 hosts)',
        '✔ marker  148 ok · 49 changed · 3 unreachable',
        ...UNREACHABLE.map(cannot),
        '✔ breaks on three hosts  3 failed · 194 skipped',
        ...FAILING.flatMap((n) => [`  ✖ host${n}: failed - sh exited 3:`, `    broken (task 'breaks on three hosts' at site.yml:8:7)`]),
        '✔ config  194 changed',
        '',
        ...recap,
        '',
        'To retry the failed and unreachable hosts: tackle run site.yml -i hosts.yml --limit @.tackle-retry/site.retry',
      ]);
    } finally {
      tmux('kill-server');
    }
  });
});

// Local hosts only: what a serial --check run prints about its batches, and a reader that goes away.
describe('output at 200 hosts: serial batches and a closed stdout', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tackle-h6-scale-'));
    const hosts = Array.from({ length: HOSTS }, (_, i) => `    host${i + 1}:`);
    writeFileSync(join(dir, 'hosts.yml'), `all:\n  vars:\n    ansible_connection: local\n  hosts:\n${hosts.join('\n')}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--check with serial: batch headers and the WOULD CHANGE summary are aggregated, not a list of every host', async () => {
    writeFileSync(
      join(dir, 'serial.yml'),
      `- name: serial
  hosts: all
  serial: 100
  tasks:
    - name: config
      writeConfig:
        path: "${dir}/{{ inventory_hostname }}.yaml"
        content: { host: "{{ inventory_hostname }}" }
      when: inventory_hostname in ['host3', 'host150']
`,
    );
    const r = await tackle(['run', 'serial.yml', '-i', 'hosts.yml', '--check', '--no-progress'], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    assert.deepEqual(lines.filter((l) => l.startsWith('-- batch')), ['-- batch 1/2: 100 hosts (host1 ... host100)', '-- batch 2/2: 100 hosts (host101 ... host200)']);
    assert.deepEqual(lines.slice(lines.indexOf('WOULD CHANGE (check mode: nothing was changed)'), lines.indexOf('PLAY RECAP ' + '*'.repeat(60)) - 1), [
      'WOULD CHANGE (check mode: nothing was changed)',
      'PLAY [serial]',
      '  batch 1/2: 100 hosts (host1 ... host100)',
      '    99 hosts : nothing to change',
      '      1 host : config',
      '               host3',
      '  batch 2/2: 100 hosts (host101 ... host200)',
      '    99 hosts : nothing to change',
      '      1 host : config',
      '               host150',
    ]);
  });

  test('`tackle run ... | head`: no EPIPE crash; no new task starts, the run ends as interrupted (99)', async () => {
    writeFileSync(
      join(dir, 'slow.yml'),
      `- hosts: all
  tasks:
    - name: pause
      command: { argv: [sleep, "0.5"] }
    - name: pause again
      command: { argv: [sleep, "0.5"] }
    - name: stamp
      command: { argv: [touch, "${dir}/{{ inventory_hostname }}.stamp"] }
`,
    );
    const child = spawn(process.execPath, [...TACKLE_FROM_SOURCE, 'run', 'slow.yml', '-i', 'hosts.yml', '-v'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // As `head -1` does: read the first line, then close the pipe.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 99, stderr);
    assert.equal(stderr, 'tackle: standard output was closed; finishing the tasks in flight, starting no new one\n');
    assert.ok(!existsSync(join(dir, 'host1.stamp')), 'the last task did not start');
  });
});
