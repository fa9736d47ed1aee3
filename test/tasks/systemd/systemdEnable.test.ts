import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import systemdEnable, { type SystemdEnableParams, unitText } from '../../../tasks/systemd/systemdEnable.ts';
import { openSystemd } from '../../../tasks/systemd/systemctl.ts';
import { quoteExecArg } from '../../../tasks/systemd/unit-file.ts';
import type { Connection } from '../../../engine/connection.ts';
import { CONNECTION_KINDS, openTestConnection } from '../../helpers/connections.ts';
import { localConnection, preparedParams, runTask, tempDir } from '../../helpers/task-harness.ts';
import { ParamValidator } from '../../../engine/run/param-validator.ts';

function requireProgram(program: string, debianPackage: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
  assert.ok(found, `${program} is missing: install the Debian package ${debianPackage}`);
}

before(() => {
  requireProgram('systemctl', 'systemd');
  requireProgram('systemd-analyze', 'systemd');
  assert.ok(existsSync('/usr/bin/podman'), '/usr/bin/podman is missing (the units name it): install the Debian package podman');
});

/** systemd's own verdict on a unit file; throws with its complaints. */
function assertVerifies(unitPath: string): void {
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', unitPath], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `systemd-analyze verify ${unitPath}:\n${r.stdout}${r.stderr}`);
  assert.equal(r.stderr.trim(), '', `systemd-analyze verify warned about ${unitPath}:\n${r.stderr}`);
}

const C_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', s: ' ', '\\': '\\', '"': '"', "'": "'" };

/**
 * A command line read the way systemd.service(5) and systemd.syntax(7) describe: words split on
 * whitespace, a word may be wrapped in double or single quotes, C escapes, then per word the
 * specifiers (%% %t %n) and at exec time "$$" -> "$". A lone "$" (a substitution) is an error here.
 */
function parseExecLine(value: string, unit: string): string[] {
  const words: string[] = [];
  let i = 0;
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t';
  const escape = (): string => {
    const c = value[++i]!;
    i++;
    if (c === 'x') {
      const hex = value.slice(i, i + 2);
      i += 2;
      return String.fromCharCode(parseInt(hex, 16));
    }
    if (!(c in C_ESCAPES)) throw new Error(`unsupported escape \\${c}`);
    return C_ESCAPES[c]!;
  };
  while (i < value.length) {
    while (isSpace(value[i])) i++;
    if (i >= value.length) break;
    let word = '';
    const quote = value[i] === '"' || value[i] === "'" ? value[i++] : null;
    if (quote) {
      while (value[i] !== quote) {
        if (i >= value.length) throw new Error('unbalanced quoting');
        word += value[i] === '\\' ? escape() : value[i++];
      }
      i++;
      if (i < value.length && !isSpace(value[i])) throw new Error('closing quote not followed by whitespace');
    } else {
      while (i < value.length && !isSpace(value[i])) {
        if (value[i] === '"' || value[i] === "'") throw new Error('quote inside an unquoted word');
        word += value[i] === '\\' ? escape() : value[i++];
      }
    }
    word = word.replace(/%(.)/g, (_, s: string) => {
      if (s === '%') return '%';
      if (s === 't') return '/run';
      if (s === 'n') return unit;
      throw new Error(`unexpected specifier %${s}`);
    });
    word = word.replace(/\$(\$|.|$)/g, (_, s: string) => {
      if (s === '$') return '$';
      throw new Error(`unexpected substitution in ${word}`);
    });
    words.push(word);
  }
  return words;
}

/** The value of one setting, continuation lines joined the way systemd joins them. */
function setting(unitText: string, key: string): string {
  const joined = unitText.replace(/\\\n/g, ' ');
  const line = joined.split('\n').find((l) => l.startsWith(`${key}=`));
  assert.ok(line, `${key}= missing`);
  return line.slice(key.length + 1);
}

function quayParams(root: string): Partial<SystemdEnableParams> {
  return {
    name: 'quay',
    image: 'registry.example.com/quay/quay-rhel8:v3.4.0',
    ports: ['80:8080', '443:8443'],
    volumes: [`/srv/quay/config:/conf/stack:Z`, '/srv/quay/storage:/datastorage:Z'],
    env: { QUAY_LOG_LEVEL: 'info' },
    after: ['container-clairv4.service'],
    restartSec: 30,
    timeoutStartSec: '5m',
    now: true,
    sysroot: root,
  };
}

function clairParams(root: string): Partial<SystemdEnableParams> {
  return {
    name: 'clairv4',
    image: 'registry.example.com/quay/clair-rhel8:v3.4.0',
    ports: ['8081:8080'],
    env: { CLAIR_CONF: '/clair/config.yaml', CLAIR_MODE: 'combo' },
    volumes: ['/srv/clair/config:/clair:Z'],
    after: ['container-postgresql-clairv4.service'],
    sysroot: root,
  };
}

for (const kind of CONNECTION_KINDS) {
  describe(`systemdEnable over ${kind}`, () => {
    let conn: Connection;
    let close: () => Promise<void>;
    let root: string;
    let unitPath: string;
    let links: string[];
    before(async () => {
      ({ conn, close } = await openTestConnection(kind));
      root = tempDir('tackle-systemd-root-');
      unitPath = join(root, 'etc/systemd/system/container-quay.service');
      links = ['multi-user.target', 'default.target'].map((t) => join(root, `etc/systemd/system/${t}.wants/container-quay.service`));
    });
    after(async () => close?.());

    test('first run writes the units and enables them offline', async () => {
      const out = await runTask(systemdEnable, quayParams(root), conn);
      assert.equal(out.status, 'changed', out.message);
      assert.deepEqual(out.data.skipped, [`daemon-reload: sysroot ${root}`, `start: sysroot ${root}`]);
      for (const link of links) {
        assert.ok(lstatSync(link).isSymbolicLink(), `${link} is not a symlink`);
        assert.equal(readlinkSync(link), '/etc/systemd/system/container-quay.service');
      }
      const text = readFileSync(unitPath, 'utf8');
      assert.equal(statSync(unitPath).mode & 0o777, 0o644);
      assert.equal(setting(text, 'After'), 'network-online.target container-clairv4.service');
      assert.equal(setting(text, 'RestartSec'), '30');
      assert.equal(setting(text, 'TimeoutStartSec'), '5m');
      assert.equal(setting(text, 'Type'), 'notify');
      assert.equal(setting(text, 'WantedBy'), 'multi-user.target default.target');
      assert.doesNotMatch(text, /\d{2}:\d{2}:\d{2}|20\d\d/, 'no timestamp in the unit');
      assert.deepEqual(parseExecLine(setting(text, 'ExecStart'), 'container-quay.service'), [
        '/usr/bin/podman', 'run', '--cidfile=/run/container-quay.service.ctr-id', '--cgroups=no-conmon', '--rm',
        '--sdnotify=conmon', '--replace', '-d', '--name', 'quay', '-p', '80:8080', '-p', '443:8443',
        '-v', '/srv/quay/config:/conf/stack:Z', '-v', '/srv/quay/storage:/datastorage:Z', '-e', 'QUAY_LOG_LEVEL',
        'registry.example.com/quay/quay-rhel8:v3.4.0',
      ]);
      assert.equal(setting(text, 'EnvironmentFile'), '/etc/tackle/env/container-quay.env');
      const envFile = join(root, 'etc/tackle/env/container-quay.env');
      assert.match(readFileSync(envFile, 'utf8'), /^QUAY_LOG_LEVEL="info"$/m);
      assert.equal(statSync(envFile).mode & 0o777, 0o600);
      assert.equal(statSync(dirname(envFile)).mode & 0o777, 0o700);
      assert.equal((await runTask(systemdEnable, clairParams(root), conn)).status, 'changed');
    });

    test('systemd-analyze verify passes on every unit written', () => {
      // The playbook writes Clair's database unit too; the quay unit names clairv4's.
      writeFileSync(join(root, 'etc/systemd/system/container-postgresql-clairv4.service'),
        unitText(preparedParams(systemdEnable, { name: 'postgresql-clairv4', image: 'registry.example.com/rhel8/postgresql-10:1' })));
      assertVerifies(unitPath);
      assertVerifies(join(root, 'etc/systemd/system/container-clairv4.service'));
    });

    test('second run is ok and leaves the unit untouched', async () => {
      const bytes = readFileSync(unitPath);
      const mtime = statSync(unitPath).mtimeMs;
      const out = await runTask(systemdEnable, quayParams(root), conn);
      assert.equal(out.status, 'ok', out.reasons.join('; '));
      assert.deepEqual(readFileSync(unitPath), bytes);
      assert.equal(statSync(unitPath).mtimeMs, mtime);
    });

    test('a unit edited by hand is restored', async () => {
      const good = readFileSync(unitPath, 'utf8');
      writeFileSync(unitPath, good.replace('RestartSec=30', 'RestartSec=1'));
      const out = await runTask(systemdEnable, quayParams(root), conn);
      assert.equal(out.status, 'changed');
      assert.deepEqual(out.reasons, [`${unitPath} content differs`]);
      assert.equal(readFileSync(unitPath, 'utf8'), good);
      for (const link of links) assert.ok(lstatSync(link).isSymbolicLink());
    });

    test('a removed wants symlink is re-created', async () => {
      rmSync(links[0]!);
      const out = await runTask(systemdEnable, quayParams(root), conn);
      assert.equal(out.status, 'changed');
      assert.deepEqual(out.reasons, [`not enabled: missing ${links[0]}`]);
      assert.ok(lstatSync(links[0]!).isSymbolicLink());
      assert.equal((await runTask(systemdEnable, quayParams(root), conn)).status, 'ok');
    });

    test('check mode reports and touches nothing', async () => {
      rmSync(links[1]!);
      const edited = readFileSync(unitPath, 'utf8').replace('Restart=on-failure', 'Restart=always');
      writeFileSync(unitPath, edited);
      const out = await runTask(systemdEnable, quayParams(root), conn, { check: true, diff: true });
      assert.equal(out.status, 'changed');
      assert.equal(out.reasons.length, 2, out.reasons.join('; '));
      assert.equal(out.diff[0]?.path, unitPath);
      assert.equal(readFileSync(unitPath, 'utf8'), edited);
      assert.ok(!existsSync(links[1]!));
      assert.equal((await runTask(systemdEnable, quayParams(root), conn)).status, 'changed');
      assert.equal((await runTask(systemdEnable, quayParams(root), conn)).status, 'ok');
    });

    test('a WantedBy= change drops the old target link', async () => {
      const p = { ...quayParams(root), wantedBy: ['multi-user.target'] };
      assert.equal((await runTask(systemdEnable, p, conn)).status, 'changed');
      assert.ok(lstatSync(links[0]!).isSymbolicLink());
      assert.ok(!existsSync(links[1]!), 'default.target.wants link left behind');
      assert.equal((await runTask(systemdEnable, p, conn)).status, 'ok');
    });

    test('enabled: false disables', async () => {
      const out = await runTask(systemdEnable, { ...quayParams(root), enabled: false }, conn);
      assert.equal(out.status, 'changed');
      for (const link of links) assert.ok(!existsSync(link), `${link} still there`);
      assert.ok(existsSync(unitPath));
      assert.equal((await runTask(systemdEnable, { ...quayParams(root), enabled: false }, conn)).status, 'ok');
    });
  });
}

describe('systemd command-line quoting', () => {
  const tricky = `a b "dq" 'sq' 100% $HOME \${X} back\\slash tab\there new\nline ;`;

  test('values with spaces, quotes, %, $ and escapes survive the round trip', async () => {
    const root = tempDir('tackle-systemd-quote-');
    const p: Partial<SystemdEnableParams> = {
      name: 'weird',
      image: 'registry.example.com/img:1',
      env: { WEIRD: tricky, PLAIN: 'x' },
      labels: { 'io.example/note': '50% off' },
      volumes: ['/srv/my data:/data:Z'],
      entrypoint: ['/bin/sh', '-c'],
      command: ['echo $1 %n', ';', '', "it's"],
      sysroot: root,
    };
    assert.equal((await runTask(systemdEnable, p, localConnection())).status, 'changed');
    const path = join(root, 'etc/systemd/system/container-weird.service');
    const text = readFileSync(path, 'utf8');
    assertVerifies(path);
    const argv = parseExecLine(setting(text, 'ExecStart'), 'container-weird.service');
    assert.deepEqual(argv.slice(8), [
      '--name', 'weird', '--entrypoint', '["/bin/sh","-c"]', '-v', '/srv/my data:/data:Z',
      '-e', 'PLAIN', '-e', 'WEIRD', '--label', 'io.example/note=50% off',
      'registry.example.com/img:1', 'echo $1 %n', ';', '', "it's",
    ]);
    // EnvironmentFile= syntax: double quotes span lines; \\ " ` $ escaped, the rest (% included) literal.
    const envText = readFileSync(join(root, 'etc/tackle/env/container-weird.env'), 'utf8');
    assert.ok(envText.endsWith(`PLAIN="x"\nWEIRD="a b \\"dq\\" 'sq' 100% \\$HOME \\\${X} back\\\\slash tab\there new\nline ;"\n`), envText);
  });

  test('same params, same bytes; env key order does not matter', () => {
    const a = unitText(preparedParams(systemdEnable, { name: 'x', image: 'i', env: { A: '1', B: '2' } }));
    const b = unitText(preparedParams(systemdEnable, { name: 'x', image: 'i', env: { B: '2', A: '1' } }));
    assert.equal(a, b);
  });

  test('systemd itself reads a quoted path with spaces and % back to the same file', () => {
    // systemd refuses quotes and backslashes in an executable name, but checks that the
    // unquoted, specifier-expanded path exists: a direct check of the quoting by systemd.
    const dir = join(tempDir('tackle-systemd-exec-'), 'with space');
    mkdirSync(dir);
    const program = join(dir, 'run 50%n now');
    symlinkSync('/bin/true', program);
    const unit = join(dir, '..', 'quoted.service');
    writeFileSync(unit, `[Service]\nExecStart=${quoteExecArg(program)} arg\n`);
    assertVerifies(unit);
    writeFileSync(unit, `[Service]\nExecStart="${program}" arg\n`); // %n left as a specifier
    const naive = spawnSync('systemd-analyze', ['verify', '--man=no', unit], { encoding: 'utf8' });
    assert.notEqual(naive.status, 0, 'the unescaped %n should have broken the path');
  });

  test('no running systemd here is detected as offline', async () => {
    const systemd = await openSystemd(localConnection(), '/');
    assert.equal(systemd.offlineReason !== null, !existsSync('/run/systemd/system'));
  });
});

describe('systemdEnable parameters', () => {
  test('schema: every field described, podmanRun-style values accepted, mistakes refused', () => {
    const props = systemdEnable.schema['properties'] as Record<string, { description?: string }>;
    for (const [key, prop] of Object.entries(props)) assert.ok(prop.description, `${key} has no description`);
    const validator = new ParamValidator();
    assert.deepEqual(validator.validate(systemdEnable, { ...quayParams('/'), command: 'serve --port 80', entrypoint: '/bin/sh -c' }), []);
    assert.equal(validator.validate(systemdEnable, { ...quayParams('/'), imag: 'x' }).length, 1);
    assert.equal(validator.validate(systemdEnable, { ...quayParams('/'), after: ['clair'] }).length, 1);
    assert.equal(validator.validate(systemdEnable, { ...quayParams('/'), podmanPath: '/opt/my podman' }).length, 1);
  });

  test('a command string is split like podmanRun splits it', () => {
    const text = unitText(preparedParams(systemdEnable, { name: 'x', image: 'i', command: `serve --title 'a b'`, entrypoint: '/bin/sh -c' }));
    const argv = parseExecLine(setting(text, 'ExecStart'), 'container-x.service');
    assert.deepEqual(argv.slice(-6), ['--entrypoint', '["/bin/sh","-c"]', 'i', 'serve', '--title', 'a b']);
  });
});
