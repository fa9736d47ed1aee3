import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { tackle } from '../helpers/cli.ts';
import type { PlanFile } from '../../engine/plan/plan-file.ts';
import type { JsonReport } from '../../engine/report/json-report.ts';

// Three real sshd hosts on loopback plus one local host, each converging its own root, through the real CLI.
describe('tackle plan / tackle apply over ssh and local', () => {
  let ssh: SshTestHosts;
  let dir: string;
  const hosts = ['host1', 'host2', 'host3', 'box'];
  const root = (h: string): string => join(dir, 'roots', h);
  const read = (h: string, rel: string): string | null => (existsSync(join(root(h), rel)) ? readFileSync(join(root(h), rel), 'utf8') : null);
  const plan = (...args: string[]) => tackle(['plan', 'site.yml', '-i', 'hosts.yml', ...args], { cwd: dir });
  const apply = (...args: string[]) => tackle(['apply', ...args], { cwd: dir });
  const planFile = (name: string): PlanFile => JSON.parse(readFileSync(join(dir, name), 'utf8')) as PlanFile;
  const wouldChange = (p: PlanFile): string[] =>
    [...new Set(p.hosts.flatMap((h) => h.steps.filter((s) => s.verdict === 'would change').map((s) => `${h.name}: ${s.task}`)))].sort();
  const changedIn = (report: JsonReport): string[] => [...new Set(report.results.filter((r) => r.status === 'changed').map((r) => `${r.host}: ${r.task}`))].sort();

  before(async () => {
    ssh = await startSshHosts(3);
    dir = mkdtempSync(join(tmpdir(), 'tackle-plan-'));
    writeFileSync(
      join(dir, 'hosts.yml'),
      ssh.inventoryYaml({ root: `${dir}/roots/{{ inventory_hostname }}` }) + `    box:\n      ansible_connection: local\n      root: "${dir}/roots/box"\n`,
    );
    writeFileSync(join(dir, 'vars.yml'), 'color: blue\n');
    writeFileSync(
      join(dir, 'site.yml'),
      `- name: converge
  hosts: all
  gather_facts: false
  vars_files: [vars.yml]
  tasks:
    - name: etc dir
      directory: { path: "{{ root }}/etc" }
    - name: app config
      writeConfig:
        path: "{{ root }}/etc/app.yml"
        content: { host: "{{ inventory_hostname }}", color: "{{ color }}", db_password: "{{ db_password }}" }
      notify: [record restart]
    - name: root CA
      genCA: { dir: "{{ root }}/ca", subject: { CN: "{{ inventory_hostname }} CA" }, keyType: ec-p256 }
    - name: server certificate
      signCert: { caDir: "{{ root }}/ca", dir: "{{ root }}/tls", sans: ["DNS:{{ inventory_hostname }}.example"], keyType: ec-p256 }
    - name: per-item files
      writeConfig: { path: "{{ root }}/etc/{{ item }}.yml", content: { name: "{{ item }}" } }
      loop: [one, two]
    - name: marker
      command: { argv: [touch, "{{ root }}/marker"], creates: "{{ root }}/marker" }
  handlers:
    - name: record restart
      command:
        argv: [sh, -c, 'echo restarted >> "$1"', sh, "{{ root }}/restarts"]
`,
    );
  });
  after(async () => {
    await ssh?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('plan touches no host; apply changes exactly what the plan said; a second plan has nothing to change', async () => {
    const planned = await plan('-e', 'db_password=Plan-Secret-4711', '--out', 'fresh.json');
    assert.equal(planned.code, 0, planned.stdout + planned.stderr);
    for (const h of hosts) assert.equal(existsSync(root(h)), false, `${h} was written to by tackle plan`);
    const p = planFile('fresh.json');
    assert.doesNotMatch(readFileSync(join(dir, 'fresh.json'), 'utf8'), /Plan-Secret-4711/);
    assert.deepEqual(p.hosts.map((h) => h.name), hosts);
    assert.equal(wouldChange(p).length, hosts.length * 7, wouldChange(p).join('\n'));
    assert.ok(p.inputs.some((i) => i.name === 'vars.yml' && /^sha256:[0-9a-f]{64}$/.test(i.hash)));
    // writeConfig in a directory the plan would create: a check-mode dependency, compared correctly in apply.
    assert.ok(p.hosts[0]!.steps.find((s) => s.task === 'app config')!.dependsOnPending);

    const applied = await apply('fresh.json', '-e', 'db_password=Plan-Secret-4711', '--report', 'applied.json');
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.deepEqual(changedIn(JSON.parse(readFileSync(join(dir, 'applied.json'), 'utf8')) as JsonReport), wouldChange(p));
    for (const h of hosts) {
      assert.match(read(h, 'etc/app.yml')!, /color: blue/);
      assert.equal(read(h, 'restarts'), 'restarted\n');
    }

    const again = await plan('-e', 'db_password=Plan-Secret-4711', '--out', 'again.json');
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(wouldChange(planFile('again.json')), []);
  });

  test('drift: a config value edited on one host, a certificate replaced on another: those are refused before any change, the rest applied, exit 3, drift file', async () => {
    writeFileSync(join(dir, 'vars.yml'), 'color: green\n');
    const planned = await plan('-e', 'db_password=Plan-Secret-4711', '--out', 'green.json');
    assert.equal(planned.code, 0, planned.stdout + planned.stderr);
    assert.deepEqual(wouldChange(planFile('green.json')), hosts.flatMap((h) => [`${h}: app config`, `${h}: record restart`]).sort());

    writeFileSync(join(root('host2'), 'etc/app.yml'), read('host2', 'etc/app.yml')!.replace('color: blue', 'color: purple'));
    copyFileSync(join(root('host1'), 'tls/ssl.cert'), join(root('host3'), 'tls/ssl.cert'));
    const host3Cert = read('host3', 'tls/ssl.cert');

    const applied = await apply('green.json', '-e', 'db_password=Plan-Secret-4711');
    assert.equal(applied.code, 3, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /host2: drifted since plan: 'app config' at site\.yml:\d+:\d+: file .*app\.yml differs from the plan/);
    assert.match(applied.stdout, /host3: drifted since plan: 'server certificate' at site\.yml:\d+:\d+: the plan says ok, the check now says would change/);
    assert.equal(readFileSync(join(dir, '.tackle-retry/site.drifted'), 'utf8'), 'host2\nhost3\n');
    for (const h of ['host1', 'box']) {
      assert.match(read(h, 'etc/app.yml')!, /color: green/);
      assert.equal(read(h, 'restarts'), 'restarted\nrestarted\n');
    }
    assert.match(read('host2', 'etc/app.yml')!, /color: purple/);
    assert.match(read('host3', 'etc/app.yml')!, /color: blue/);
    assert.equal(read('host3', 'tls/ssl.cert'), host3Cert);
    for (const h of ['host2', 'host3']) assert.equal(read(h, 'restarts'), 'restarted\n', `${h} ran its handler`);

    // The way forward: plan the drifted hosts again, with the drift file as --limit.
    const replanned = await plan('-e', 'db_password=Plan-Secret-4711', '--limit', '@.tackle-retry/site.drifted', '--out', 'drifted.json');
    assert.equal(replanned.code, 0, replanned.stdout + replanned.stderr);
    assert.deepEqual(planFile('drifted.json').hosts.map((h) => h.name), ['host2', 'host3']);
    const fixed = await apply('drifted.json', '-e', 'db_password=Plan-Secret-4711');
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.match(read('host2', 'etc/app.yml')!, /color: green/);
  });

  test('changed inputs: an edited playbook or vars file, or other -e values, are refused naming what differs; nothing changes', async () => {
    writeFileSync(join(dir, 'vars.yml'), 'color: red\n');
    assert.equal((await plan('-e', 'db_password=Plan-Secret-4711', '--out', 'red.json')).code, 0);
    const e = ['-e', 'db_password=Plan-Secret-4711'];

    const otherE = await apply('red.json', '-e', 'db_password=other');
    assert.equal(otherE.code, 5);
    assert.match(otherE.stderr, /-e #1 differs from the plan's/);

    writeFileSync(join(dir, 'vars.yml'), 'color: red # approved\n');
    const vars = await apply('red.json', ...e);
    assert.equal(vars.code, 5);
    assert.match(vars.stderr, /vars\.yml changed since the plan was made/);
    writeFileSync(join(dir, 'vars.yml'), 'color: red\n');

    appendFileSync(join(dir, 'site.yml'), '# hotfix\n');
    const book = await apply('red.json', ...e);
    assert.equal(book.code, 5);
    assert.match(book.stderr, /site\.yml changed since the plan was made/);
    for (const h of hosts) assert.match(read(h, 'etc/app.yml')!, /color: green/);
  });

  test('the planned change is compared, not only what the check read: a template fed by a command whose output changed after the plan is refused', async () => {
    const release = join(dir, 'release.txt');
    writeFileSync(release, 'release 1\n');
    writeFileSync(
      join(dir, 'release.yml'),
      `- hosts: host1
  gather_facts: false
  tasks:
    - name: root
      directory: { path: "{{ root }}" }
    - name: release note
      writeConfig: { path: "{{ root }}/release.txt", text: "{{ lookup('pipe', 'cat ${release}') }}\\n" }
`,
    );
    const planRelease = (out: string) => tackle(['plan', 'release.yml', '-i', 'hosts.yml', '--out', out], { cwd: dir });
    assert.equal((await planRelease('release1.json')).code, 0);
    assert.equal((await apply('release1.json')).code, 0);
    assert.equal(read('host1', 'release.txt'), 'release 1\n');

    writeFileSync(release, 'release 2\n');
    const planned = await planRelease('release2.json');
    assert.equal(planned.code, 0, planned.stdout + planned.stderr);
    assert.deepEqual(wouldChange(planFile('release2.json')), ['host1: release note']);
    // What the check reads on the host (the file, still release 1) is as planned; what it would write is not.
    writeFileSync(release, 'release 3\n');
    const applied = await apply('release2.json');
    assert.equal(applied.code, 3, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /host1: drifted since plan: 'release note' at release\.yml:\d+:\d+: the change differs from the plan/);
    assert.equal(read('host1', 'release.txt'), 'release 1\n');

    writeFileSync(release, 'release 2\n');
    const approved = await apply('release2.json');
    assert.equal(approved.code, 0, approved.stdout + approved.stderr);
    assert.equal(read('host1', 'release.txt'), 'release 2\n');
  });

  test('run options: -u and --private-key alone reach the hosts; --slice 1/2 plans and applies that slice only; apply works from another directory, holds to the recorded options and still refuses changed inputs', async () => {
    const hostVars = (h: { name: string; address: string; port: number }) =>
      `    ${h.name}:\n      ansible_host: ${h.address}\n      ansible_port: ${h.port}\n      tackle_known_hosts_file: ${ssh.knownHostsFile}\n      root: ${root(h.name)}\n`;
    // No ansible_user, no key in the inventory: only the command line's -u and --private-key.
    writeFileSync(join(dir, 'bare.yml'), `all:\n  hosts:\n${ssh.hosts.map(hostVars).join('')}    box:\n      ansible_connection: local\n      root: ${root('box')}\n`);
    writeFileSync(join(dir, 'extra.yml'), 'marker: m1\n');
    writeFileSync(
      join(dir, 'slice.yml'),
      `- hosts: all
  gather_facts: false
  tasks:
    - name: root
      directory: { path: "{{ root }}" }
    - name: sliced
      writeConfig: { path: "{{ root }}/sliced.yml", content: { host: "{{ inventory_hostname }}", marker: "{{ marker }}" } }
`,
    );
    const login = ['-u', 'root', '--private-key', ssh.clientKeyFile];
    const planned = await tackle(['plan', 'slice.yml', '-i', 'bare.yml', ...login, '--slice', '1/2', '-e', '@extra.yml', '--out', 'sliced.json'], { cwd: dir });
    assert.equal(planned.code, 0, planned.stdout + planned.stderr);
    const p = planFile('sliced.json');
    assert.deepEqual(p.hosts.map((h) => h.name), ['host1', 'host3']);
    assert.equal(p.options.slice, '1/2');
    assert.deepEqual(wouldChange(p), ['host1: sliced', 'host3: sliced']);

    const elsewhere = mkdtempSync(join(tmpdir(), 'tackle-apply-cwd-'));
    try {
      const fromThere = (...args: string[]) => tackle(['apply', join(dir, 'sliced.json'), '-e', `@${join(dir, 'extra.yml')}`, ...args], { cwd: elsewhere });
      const otherSlice = await fromThere(...login, '--slice', '2/2');
      assert.equal(otherSlice.code, 5);
      assert.match(otherSlice.stderr, /--slice "2\/2" is not the plan's \("1\/2"\): apply uses what the plan was made with/);
      const otherExtra = await tackle(['apply', join(dir, 'sliced.json'), '-e', '@extra.yml', ...login], { cwd: elsewhere });
      assert.equal(otherExtra.code, 5, otherExtra.stdout + otherExtra.stderr);
      assert.match(otherExtra.stderr, /-e #1 differs from the plan's/);

      appendFileSync(join(dir, 'extra.yml'), '# reviewed\n');
      const changed = await fromThere(...login);
      assert.equal(changed.code, 5);
      assert.match(changed.stderr, /extra\.yml changed since the plan was made/);
      writeFileSync(join(dir, 'extra.yml'), 'marker: m1\n');

      const applied = await fromThere(...login, '--slice', '1/2', '--report', 'applied.json');
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      assert.deepEqual(changedIn(JSON.parse(readFileSync(join(elsewhere, 'applied.json'), 'utf8')) as JsonReport), wouldChange(p));
      for (const h of ['host1', 'host3']) assert.match(read(h, 'sliced.yml')!, new RegExp(`host: ${h}\nmarker: m1`));
      for (const h of ['host2', 'box']) assert.equal(read(h, 'sliced.yml'), null, `${h} is not in slice 1/2`);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('--max-age: an old plan is refused; a larger limit or 0 accepts it', async () => {
    writeFileSync(join(dir, 'vars.yml'), 'color: green\n');
    const planned = await plan('-e', 'db_password=Plan-Secret-4711', '--out', 'old.json');
    assert.equal(planned.code, 0, planned.stdout + planned.stderr);
    const old = planFile('old.json');
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ ...old, createdAt: new Date(Date.now() - 2 * 86_400_000).toISOString() }));
    const refused = await apply('old.json', '-e', 'db_password=Plan-Secret-4711');
    assert.equal(refused.code, 5);
    assert.match(refused.stderr, /the plan is 48\.0 h old, older than --max-age 24h/);
    assert.equal((await apply('old.json', '-e', 'db_password=Plan-Secret-4711', '--max-age', '3d')).code, 0);
    assert.equal((await apply('old.json', '-e', 'db_password=Plan-Secret-4711', '--max-age', '0')).code, 0);
  });
});
