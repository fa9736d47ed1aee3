import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../../../engine/connection.ts';
import { UnsafeArgumentError } from '../../../engine/connections/shell-quote.ts';
import { CONNECTION_KINDS, openTestConnection } from '../../helpers/connections.ts';
import { tempDir } from '../../helpers/task-harness.ts';

/** Values that a shell would act on if an argv element ever reached it unquoted. */
function hostileValues(marker: string): string[] {
  return [
    `$(touch ${marker}); echo`,
    `\`touch ${marker}\``,
    `'; touch ${marker}; '`,
    `"; touch ${marker}; "`,
    `'"'"'; touch ${marker} #`,
    `x\ntouch ${marker}\n`,
    `\ntouch ${marker}`,
    `; touch ${marker}`,
    `&& touch ${marker}`,
    `|| touch ${marker}`,
    `| touch ${marker}`,
    `& touch ${marker} &`,
    `> ${marker}`,
    `< /etc/passwd`,
    `*`,
    `/*`,
    `~`,
    `~root`,
    `-n`,
    `--help`,
    `-e \\n`,
    `$HOME $IFS \${PATH} $$ $0 $1 $@`,
    `\\`,
    `\\'`,
    `'`,
    `"`,
    `#not a comment`,
    `!!`,
    `{a,b}`,
    `[a-z]`,
    `a\tb\rc`,
    `  padded  `,
    ``,
    `héllo wörld ✓ 日本語 🎉`,
    `%s %d %%`,
  ];
}

for (const kind of CONNECTION_KINDS) {
  describe(`argv reaches the program byte for byte (${kind})`, () => {
    let conn: Connection;
    let close: () => Promise<void>;
    let dir: string;
    let marker: string;

    before(async () => {
      ({ conn, close } = await openTestConnection(kind));
      dir = tempDir('tackle-injection-');
      marker = join(dir, 'pwned');
    });

    after(async () => {
      await close?.();
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    });

    test('through sh -c "$1" and as a printf argument, nothing executes', async () => {
      for (const value of hostileValues(marker)) {
        const viaShell = await conn.exec(['sh', '-c', 'printf %s "$1"', 'x', value]);
        assert.equal(viaShell.code, 0, `sh exit for ${JSON.stringify(value)}: ${viaShell.stderr}`);
        assert.equal(viaShell.stdout, value, `via sh -c: ${JSON.stringify(value)}`);
        const direct = await conn.exec(['printf', '%s', value]);
        assert.equal(direct.code, 0, `printf exit for ${JSON.stringify(value)}: ${direct.stderr}`);
        assert.equal(direct.stdout, value, `via printf: ${JSON.stringify(value)}`);
        assert.equal(existsSync(marker), false, `marker created by ${JSON.stringify(value)}`);
      }
    });

    test('hostile env values and working directories stay literal', async () => {
      for (const value of hostileValues(marker)) {
        const r = await conn.exec(['sh', '-c', 'printf %s "$TACKLE_VALUE"'], { env: { TACKLE_VALUE: value } });
        assert.equal(r.stdout, value, `env: ${JSON.stringify(value)}`);
      }
      const oddDir = join(dir, `it's $(touch pwned) & "so" \`touch pwned\`; touch pwned`);
      await fs.mkdir(oddDir);
      const r = await conn.exec(['pwd'], { cwd: oddDir });
      assert.equal(r.stdout, `${oddDir}\n`);
      const home = (await conn.exec(['sh', '-c', 'printf %s "$HOME"'])).stdout;
      for (const where of [dir, oddDir, home]) assert.equal(existsSync(join(where, 'pwned')), false, `pwned file in ${where}`);
    });

    test('a hostile program name is looked up literally, not run through a shell', async () => {
      const r = await conn.exec([`touch ${marker}`]);
      assert.equal(r.code, 127);
      assert.equal(existsSync(marker), false);
    });

    test('a NUL byte is refused with a typed error before anything runs', async () => {
      await assert.rejects(conn.exec(['sh', '-c', `touch ${marker}`, 'x', 'a\0b']), UnsafeArgumentError);
      await assert.rejects(conn.exec(['printf', '%s', '\0']), UnsafeArgumentError);
      assert.equal(existsSync(marker), false);
    });

    if (kind === 'ssh') {
      test('an environment variable name that is not a plain identifier is refused', async () => {
        await assert.rejects(conn.exec(['true'], { env: { [`A=$(touch ${marker})`]: 'x' } }), UnsafeArgumentError);
        await assert.rejects(conn.exec(['true'], { env: { 'BAD NAME': 'x' } }), UnsafeArgumentError);
        assert.equal(existsSync(marker), false);
      });
    }
  });
}
