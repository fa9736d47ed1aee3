import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap } from '../../helpers/cli.ts';
import { maxOverlap, readStamps, stampTask, startRollout, type Rollout } from '../../helpers/rollout-fixture.ts';

// Connects every host first, so the timed tasks after it measure scheduling, not SSH handshakes.
const CONNECT = `    - name: connect
      command: { argv: ['true'], changedWhen: never }
`;

// Rollout controls on 6 real sshd hosts: forks, serial, strategy, failure thresholds, --limit, retries, --check.
describe('rollout controls on 6 ssh hosts', () => {
  let r: Rollout;
  before(async () => {
    r = await startRollout(6);
  });
  after(async () => {
    await r?.stop();
  });
  const clean = (): void => rmSync(join(r.dir, 'roots'), { recursive: true, force: true });

  test('--forks 2 runs at most 2 hosts at once; play forks: 3 at most 3', async () => {
    clean();
    const pb = r.playbook('forks.yml', `- hosts: all\n  tasks:\n${CONNECT}${stampTask('work', 0.8)}`);
    const run = await r.run(pb, '--forks', '2');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const intervals = readStamps(r, r.names);
    assert.equal(intervals.length, 6);
    assert.equal(maxOverlap(intervals), 2, JSON.stringify(intervals));

    clean();
    const pb3 = r.playbook('forks3.yml', `- hosts: all\n  forks: 3\n  tasks:\n${CONNECT}${stampTask('work', 0.8)}`);
    const run3 = await r.run(pb3);
    assert.equal(run3.code, 0, run3.stdout + run3.stderr);
    assert.equal(maxOverlap(readStamps(r, r.names)), 3);
  });

  test('serial [1, 2, "50%"]: batches of 1, 2, 3 hosts, each finishing its tasks and handlers before the next starts', async () => {
    clean();
    const pb = r.playbook(
      'serial.yml',
      `- hosts: all
  serial: [1, 2, "50%"]
  tasks:
${stampTask('upgrade', 0.2, '      notify: [restart]\n')}${stampTask('verify', 0)}
  handlers:
${stampTask('restart', 0.1).replace('    - name: restart', '    - name: restart')}`,
    );
    const run = await r.run(pb);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const batches = [['host1'], ['host2', 'host3'], ['host4', 'host5', 'host6']];
    for (const [i, b] of batches.entries()) assert.ok(run.stdout.includes(`-- batch ${i + 1}/3: ${b.join(', ')}`), run.stdout);
    const stamps = readStamps(r, r.names);
    assert.equal(stamps.filter((s) => s.label === 'restart').length, 6, 'the handler ran once on every host');
    for (let i = 0; i + 1 < batches.length; i++) {
      const thisEnd = Math.max(...stamps.filter((s) => batches[i]!.includes(s.host)).map((s) => s.end));
      const nextStart = Math.min(...stamps.filter((s) => batches[i + 1]!.includes(s.host)).map((s) => s.start));
      assert.ok(thisEnd <= nextStart, `batch ${i + 2} started (${nextStart}) before batch ${i + 1} finished its handlers (${thisEnd})`);
      const handlerEnd = Math.max(...stamps.filter((s) => batches[i]!.includes(s.host) && s.label === 'restart').map((s) => s.end));
      assert.ok(handlerEnd <= nextStart, `batch ${i + 1}'s handlers ran after batch ${i + 2} started`);
    }
    // Inside a batch, linear: every host finishes upgrade before any starts verify.
    const last = batches[2]!;
    const upgradeEnd = Math.max(...stamps.filter((s) => last.includes(s.host) && s.label === 'upgrade').map((s) => s.end));
    const verifyStart = Math.min(...stamps.filter((s) => last.includes(s.host) && s.label === 'verify').map((s) => s.start));
    assert.ok(upgradeEnd <= verifyStart);
  });

  test('strategy free: fast hosts run ahead of a slow one', async () => {
    clean();
    const slowFirst = (strategy: string) => `- hosts: all
  strategy: ${strategy}
  tasks:
${CONNECT}    - name: first
      command:
        argv: [sh, -c, 'mkdir -p "$1"; if [ "$2" = host1 ]; then sleep 2; fi; date +%s%N > "$1/first"', sh, "{{ root }}", "{{ inventory_hostname }}"]
    - name: second
      command:
        argv: [sh, -c, 'date +%s%N > "$1/second"', sh, "{{ root }}"]
`;
    const stamp = (h: string, f: string): bigint => BigInt(readFileSync(join(r.root(h), f), 'utf8').trim());
    const free = await r.run(r.playbook('free.yml', slowFirst('free')));
    assert.equal(free.code, 0, free.stdout + free.stderr);
    for (const h of r.names.slice(1)) assert.ok(stamp(h, 'second') < stamp('host1', 'first'), `${h} waited for host1 under strategy free`);

    clean();
    const linear = await r.run(r.playbook('linear.yml', slowFirst('linear')));
    assert.equal(linear.code, 0, linear.stdout + linear.stderr);
    for (const h of r.names.slice(1)) assert.ok(stamp(h, 'second') > stamp('host1', 'first'), `${h} ran ahead under strategy linear`);
  });

  test('any_errors_fatal: the failing task finishes on the whole batch, then the rollout stops', async () => {
    clean();
    const pb = r.playbook(
      'fatal.yml',
      `- hosts: all
  serial: 3
  any_errors_fatal: true
  tasks:
    - name: migrate
      command:
        argv: [sh, -c, 'mkdir -p "$1"; if [ "$2" = host2 ]; then exit 3; fi; sleep 0.5; touch "$1/migrated"', sh, "{{ root }}", "{{ inventory_hostname }}"]
    - name: switch
      command:
        argv: [touch, "{{ root }}/switched"]
`,
    );
    const run = await r.run(pb);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    // host2 failed at once; host1 and host3 still finished the task in flight.
    assert.ok(existsSync(join(r.root('host1'), 'migrated')));
    assert.ok(existsSync(join(r.root('host3'), 'migrated')));
    for (const h of r.names) assert.equal(existsSync(join(r.root(h), 'switched')), false, `${h} ran the next task`);
    for (const h of ['host4', 'host5', 'host6']) assert.equal(existsSync(r.root(h)), false, `${h} of the next batch was touched`);
    assert.match(run.stdout, /ROLLOUT STOPPED .*any_errors_fatal: host2 failed\. Hosts of later batches left untouched: host4, host5, host6/);
    const recap = parseRecap(run.stdout);
    assert.equal(recap.get('host2')!['failed'], 1);
    assert.deepEqual([...recap.keys()], r.names);
    assert.equal(recap.get('host5')!['ok'], 0);
  });

  test('max_fail_percentage aborts only when exceeded: 1 of 2 failed is 50%, not above 50', async () => {
    clean();
    const pb = (pct: number) => `- hosts: all
  serial: 2
  max_fail_percentage: ${pct}
  tasks:
    - name: upgrade
      command:
        argv: [sh, -c, 'mkdir -p "$1"; [ "$2" != host1 ] && touch "$1/upgraded"', sh, "{{ root }}", "{{ inventory_hostname }}"]
`;
    const at = await r.run(r.playbook('at.yml', pb(50)));
    assert.equal(at.code, 2, at.stdout + at.stderr);
    assert.doesNotMatch(at.stdout, /ROLLOUT STOPPED/);
    for (const h of r.names.slice(1)) assert.ok(existsSync(join(r.root(h), 'upgraded')), `${h} not upgraded`);

    clean();
    const above = await r.run(r.playbook('above.yml', pb(49)));
    assert.equal(above.code, 2, above.stdout + above.stderr);
    assert.match(above.stdout, /ROLLOUT STOPPED .*1 of 2 hosts in the batch failed \(50% > max_fail_percentage 49%\)/);
    assert.ok(existsSync(join(r.root('host2'), 'upgraded')));
    for (const h of r.names.slice(2)) assert.equal(existsSync(r.root(h)), false, `${h} touched after the stop`);
  });

  test('--limit: names, groups, globs, exclusions, @FILE', async () => {
    const pb = r.playbook('limit.yml', `- hosts: all\n  tasks:\n    - name: probe\n      command:\n        argv: ['true']\n        changedWhen: never\n`);
    const hostsFor = async (...limit: string[]): Promise<string[]> => {
      const run = await r.run(pb, ...limit.flatMap((l) => ['--limit', l]));
      assert.equal(run.code, 0, run.stdout + run.stderr);
      return [...parseRecap(run.stdout).keys()].sort();
    };
    // A name, a group, a glob, and an exclusion taken out of a group.
    assert.deepEqual(await hostsFor('host6,db:web:!host2'), ['host1', 'host3', 'host4', 'host5', 'host6']);
    // A glob class must not end the pattern: Ansible reads a trailing [45] as a subscript (ansible-core 2.14).
    assert.deepEqual(await hostsFor('!web:!host[45]*'), ['host6']);
    writeFileSync(join(r.dir, 'picked.txt'), 'host3\n# a comment\nhost4\n\ndb\n');
    assert.deepEqual(await hostsFor('@picked.txt', '!host5'), ['host3', 'host4']);

    const none = await r.run(pb, '--limit', 'nosuch*');
    assert.equal(none.code, 5);
    assert.match(none.stderr, /'nosuch\*' matches no host of the inventory/);
  });

  test('retries/delay until a condition holds; exhausted retries fail the host', async () => {
    clean();
    const pb = r.playbook(
      'retries.yml',
      `- hosts: host1:host2
  tasks:
    - name: wait until ready
      command:
        argv: [sh, -c, 'mkdir -p "$1"; n=$(cat "$1/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$1/count"; if [ "$2" = host1 ] && [ $n -ge 3 ]; then echo ready; else echo starting; fi', sh, "{{ root }}", "{{ inventory_hostname }}"]
      register: probe
      until: "probe.stdout == 'ready'"
      retries: 3
      delay: 0.2
    - name: after
      command:
        argv: [touch, "{{ root }}/after"]
`,
    );
    const started = Date.now();
    const run = await r.run(pb);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(readFileSync(join(r.root('host1'), 'count'), 'utf8').trim(), '3', 'host1 stops retrying once ready');
    assert.equal(readFileSync(join(r.root('host2'), 'count'), 'utf8').trim(), '4', 'host2 tries 1 + 3 retries');
    assert.ok(existsSync(join(r.root('host1'), 'after')));
    assert.equal(existsSync(join(r.root('host2'), 'after')), false);
    assert.match(run.stdout, /failed: \[host2\]: until condition still false after 4 attempt\(s\)/);
    assert.ok(Date.now() - started > 600, 'three delays of 0.2 s');
    const recap = parseRecap(run.stdout);
    assert.equal(recap.get('host1')!['failed'], 0);
    assert.equal(recap.get('host2')!['failed'], 1);
  });

  test('retries without until re-run a failing task until it succeeds', async () => {
    clean();
    const pb = r.playbook(
      'flaky.yml',
      `- hosts: host3
  tasks:
    - name: flaky
      command:
        argv: [sh, -c, 'mkdir -p "$1"; n=$(cat "$1/count" 2>/dev/null || echo 0); echo $((n+1)) > "$1/count"; [ $n -ge 1 ]', sh, "{{ root }}"]
      retries: 2
      delay: 0
`,
    );
    const run = await r.run(pb);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(readFileSync(join(r.root('host3'), 'count'), 'utf8').trim(), '2');
  });

  test('--check prints, per batch and per host, what the rollout would change, and changes nothing', async () => {
    clean();
    const pb = r.playbook(
      'window.yml',
      `- name: upgrade window
  hosts: all
  serial: 2
  tasks:
    - name: app config
      writeConfig:
        path: "{{ root }}/app.yaml"
        createDirs: true
        content: { version: 2 }
      notify: [restart app]
    - name: feature flag
      when: "inventory_hostname in groups['db']"
      writeConfig:
        path: "{{ root }}/flags.yaml"
        createDirs: true
        content: { fast: true }
  handlers:
    - name: restart app
      command:
        argv: [touch, "{{ root }}/restarted"]
`,
    );
    // host3 is already up to date.
    const pre = await r.run(pb, '--limit', 'host3');
    assert.equal(pre.code, 0, pre.stdout + pre.stderr);
    const check = await r.run(pb, '--check');
    assert.equal(check.code, 0, check.stdout + check.stderr);
    for (const h of r.names.filter((n) => n !== 'host3')) assert.equal(existsSync(r.root(h)), false, `check mode touched ${h}`);
    const summary = check.stdout.slice(check.stdout.indexOf('WOULD CHANGE'), check.stdout.indexOf('PLAY RECAP'));
    assert.equal(
      summary.trim(),
      [
        'WOULD CHANGE (check mode: nothing was changed)',
        'PLAY [upgrade window]',
        '  batch 1/3: host1, host2',
        '    host1 : app config; restart app',
        '    host2 : app config; restart app',
        '  batch 2/3: host3, host4',
        '    host3 : nothing to change',
        '    host4 : app config; feature flag; restart app',
        '  batch 3/3: host5, host6',
        '    host5 : app config; feature flag; restart app',
        '    host6 : app config; restart app',
      ].join('\n'),
    );
    assert.match(check.stdout, /-- batch 2\/3: host3, host4/);
  });
});
