import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../../../engine/connection.ts';
import { TaskError } from '../../../engine/errors.ts';
import command from '../../../tasks/host/command.ts';
import { runTask, tempDir } from '../../helpers/task-harness.ts';
import { CONNECTION_KINDS, openTestConnection } from '../../helpers/connections.ts';

for (const kind of CONNECTION_KINDS) {
  describe(`command over ${kind}`, () => {
    let conn: Connection;
    let close: () => Promise<void>;
    let dir: string;
    before(async () => {
      ({ conn, close } = await openTestConnection(kind));
      dir = tempDir();
    });
    after(async () => close());

    test('creates: runs once, then skips; deleting the file makes it run again', async () => {
      const marker = join(dir, 'initialized');
      const params = { argv: ['touch', marker], creates: marker };
      const first = await runTask(command, params, conn);
      assert.equal(first.status, 'changed');
      assert.equal(first.data['rc'], 0);
      assert.equal(existsSync(marker), true);
      const mtime = statSync(marker).mtimeMs;
      const second = await runTask(command, params, conn);
      assert.equal(second.status, 'ok');
      assert.deepEqual(second.reasons, [`${marker} exists`]);
      assert.equal(statSync(marker).mtimeMs, mtime, 'not run again');
      rmSync(marker);
      assert.equal((await runTask(command, params, conn)).status, 'changed');
      assert.equal(existsSync(marker), true);
    });

    test('removes: runs only while the path exists', async () => {
      const stale = join(dir, 'stale.pid');
      const params = { argv: ['rm', '--', stale], removes: stale };
      assert.equal((await runTask(command, params, conn)).status, 'ok');
      writeFileSync(stale, '1');
      assert.equal((await runTask(command, params, conn)).status, 'changed');
      assert.equal(existsSync(stale), false);
      assert.equal((await runTask(command, params, conn)).status, 'ok');
    });

    test('unless and onlyIf probes', async () => {
      const flag = join(dir, 'flag');
      const out = join(dir, 'unless-out');
      const unless = { argv: ['sh', '-c', 'echo ran >> "$0"', out], unless: ['test', '-e', flag] };
      assert.equal((await runTask(command, unless, conn)).status, 'changed');
      writeFileSync(flag, '');
      assert.equal((await runTask(command, unless, conn)).status, 'ok');
      assert.equal(readFileSync(out, 'utf8'), 'ran\n');

      const onlyIf = { argv: ['sh', '-c', 'echo ran >> "$0"', join(dir, 'onlyif-out')], onlyIf: ['test', '-e', join(dir, 'nope')] };
      const skipped = await runTask(command, onlyIf, conn);
      assert.equal(skipped.status, 'ok');
      assert.match(skipped.reasons[0]!, /onlyIf: test -e .* exited 1/);
      assert.equal(existsSync(join(dir, 'onlyif-out')), false);
    });

    test('argv values are data: $(touch marker) is not executed', async () => {
      const marker = join(dir, 'injected');
      const value = `$(touch ${marker}); touch ${marker} \`touch ${marker}\` '"`;
      const r = await runTask(command, { argv: ['printf', '%s', value] }, conn);
      assert.equal(r.status, 'changed');
      assert.equal(r.data['stdout'], value);
      assert.equal(existsSync(marker), false);
    });

    test('register data, chdir, env, stdin; shell only when asked', async () => {
      const sub = join(dir, 'work');
      mkdirSync(sub);
      const r = await runTask(
        command,
        { shell: 'pwd; echo "$GREETING"; cat; echo warn >&2', chdir: sub, env: { GREETING: 'hello world' }, stdin: 'from stdin\n' },
        conn,
      );
      assert.equal(r.status, 'changed');
      assert.deepEqual({ stdout: r.data['stdout'], stderr: r.data['stderr'], rc: r.data['rc'] }, {
        stdout: `${sub}\nhello world\nfrom stdin`,
        stderr: 'warn',
        rc: 0,
      });
    });

    test('changedWhen never: runs, reports ok with its output', async () => {
      const r = await runTask(command, { argv: ['echo', 'query'], changedWhen: 'never' as const }, conn);
      assert.equal(r.status, 'ok');
      assert.equal(r.data['stdout'], 'query');
    });

    test('a failing exit code is a TaskError with the code and the end of stderr; okCodes accepts it', async () => {
      const script = 'for i in 1 2 3 4 5 6 7; do echo line$i >&2; done; exit 3';
      await assert.rejects(runTask(command, { shell: script }, conn), (e: unknown) => {
        assert.ok(e instanceof TaskError);
        assert.match(e.message, /^sh exited 3:/);
        assert.match(e.message, /line7/);
        assert.doesNotMatch(e.message, /line1\b/);
        return true;
      });
      const ok = await runTask(command, { shell: script, okCodes: [0, 3] }, conn);
      assert.equal(ok.status, 'changed');
      assert.equal(ok.data['rc'], 3);
      await assert.rejects(runTask(command, { argv: ['no-such-program-xyz'] }, conn), /exited 127 \(program not found\)/);
    });

    test('check mode: reports would-run from the guards without running', async () => {
      const marker = join(dir, 'check-marker');
      const r = await runTask(command, { argv: ['touch', marker], creates: marker }, conn, { check: true });
      assert.equal(r.status, 'changed');
      assert.match(r.reasons[0]!, /^would run: touch /);
      assert.equal(existsSync(marker), false);

      const probe = join(dir, 'probe-ran');
      const guarded = await runTask(
        command,
        { argv: ['touch', marker], unless: ['sh', '-c', 'touch "$0"; exit 1', probe] },
        conn,
        { check: true },
      );
      assert.equal(guarded.status, 'changed');
      assert.equal(existsSync(probe), true, 'the unless probe runs in check mode');
      assert.equal(existsSync(marker), false, 'the command does not');

      // A declared read-only query runs in check mode too, so later tasks can use its result.
      const query = await runTask(command, { argv: ['sh', '-c', 'echo probed; exit 1'], okCodes: [0, 1], changedWhen: 'never' as const }, conn, { check: true });
      assert.equal(query.status, 'ok');
      assert.equal(query.data['stdout'], 'probed');
      assert.equal(query.data['rc'], 1);
      assert.equal(existsSync(marker), false);

      const pendingRemoves = join(dir, 'created-later');
      const pending = await runTask(command, { argv: ['rm', pendingRemoves], removes: pendingRemoves }, conn, {
        check: true,
        pending: new Set([pendingRemoves]),
      });
      assert.equal(pending.status, 'changed', 'a path an earlier task would create counts as present');
    });
  });
}
