import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../cli/main.ts';

/**
 * `tackle inventory --list` against what `ansible-inventory --list` (ansible-core 2.14.18) printed
 * for 57 real inventories (shared/conformance/ansible-inventory, laid beside the repository).
 * Hosts, group membership (direct hosts and children, in order) and every host's merged
 * variables must be equal, values and types alike.
 */

const ROOT = resolve(import.meta.dirname, '../../../shared/conformance/ansible-inventory');

/** Cases where Ansible's output is not the expectation, and what is asserted instead. */
const DIFFERENT_ON_PURPOSE: Record<string, string> = {
  // Ansible only warns "Unable to parse ... as an inventory source" and lists an empty inventory.
  D12: 'Ansible ignores this file ([usa:children] names three undefined groups); tackle refuses it with each position, exit 5',
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function tackleInventory(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(['inventory', ...args], { out: { write: (t: string) => (stdout += t) }, err: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

/**
 * A git checkout made without symlink support leaves a symlink as a file holding its target
 * (kubespray's inventory/local/group_vars -> ../sample/group_vars). Ansible's output was recorded
 * with the real link, so the case is run from a copy with the link restored.
 */
function withSymlinksRestored(caseFile: string): { file: string; cleanup: () => void } {
  const repoDir = join(ROOT, 'cases', caseFile.split('/')[0]!);
  const placeholders: string[] = [];
  const scan = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      const st = lstatSync(full);
      if (st.isDirectory()) scan(full);
      else if ((entry === 'group_vars' || entry === 'host_vars') && st.isFile() && st.size < 200) {
        const target = readFileSync(full, 'utf8').trim();
        if (!target.includes('\n') && existsSync(join(dir, target)) && statSync(join(dir, target)).isDirectory()) placeholders.push(full);
      }
    }
  };
  scan(repoDir);
  if (placeholders.length === 0) return { file: join(ROOT, 'cases', caseFile), cleanup: () => {} };
  const copy = mkdtempSync(join(tmpdir(), 'tackle-h4-conformance-'));
  const copiedRepo = join(copy, caseFile.split('/')[0]!);
  cpSync(repoDir, copiedRepo, { recursive: true });
  for (const p of placeholders) {
    const inCopy = join(copiedRepo, p.slice(repoDir.length + 1));
    const target = readFileSync(p, 'utf8').trim();
    rmSync(inCopy, { force: true });
    symlinkSync(target, inCopy);
  }
  return { file: join(copy, caseFile), cleanup: () => rmSync(copy, { recursive: true, force: true }) };
}

describe('ansible-inventory conformance', () => {
  test('the conformance cases are present', () => {
    assert.ok(
      existsSync(join(ROOT, 'inventories.txt')),
      `missing ${ROOT}: CI lays shared/ beside the clone; copy shared/conformance/ansible-inventory there to run this test`,
    );
  });
  if (!existsSync(join(ROOT, 'inventories.txt'))) return;

  const cases = readFileSync(join(ROOT, 'inventories.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ') as [string, string]);

  test('57 cases are listed', () => assert.equal(cases.length, 57));

  for (const [id, path] of cases) {
    test(`${id} ${path}`, async () => {
      const { file, cleanup } = withSymlinksRestored(path);
      try {
        const run = await tackleInventory(['-i', file, '--list']);
        if (id in DIFFERENT_ON_PURPOSE) {
          assert.equal(run.code, 5, DIFFERENT_ON_PURPOSE[id]);
          assert.match(run.stderr, /L419\.ini:21:1: \[usa:children\] names group 'northeast'/);
          assert.match(run.stderr, /L419\.ini:23:1: \[usa:children\] names group 'northwest'/);
          return;
        }
        assert.equal(run.code, 0, run.stderr);
        const expected = JSON.parse(readFileSync(join(ROOT, 'expected', `${id}.json`), 'utf8'));
        const actual: unknown = JSON.parse(run.stdout);
        assert.deepStrictEqual(actual, expected);
      } finally {
        cleanup();
      }
    });
  }
});
