import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tackle, type CliResult } from '../../helpers/cli.ts';
import { allFuzzCases, DIRECTORY, inventoryYaml, type FuzzCase } from '../../helpers/fuzz-cases.ts';
import { startConnectionCounter, tackleInProcess, type ConnectionCounter } from '../../helpers/fuzz-run.ts';

const SEED = 20240607;
/** One case (validate + run) must finish within this, whatever its input. */
const CASE_TIMEOUT_MS = 10_000;
/** Heap still in use after all cases and a full GC, beyond what it was before. */
const MAX_RETAINED_HEAP_BYTES = 64 * 1024 * 1024;
/** Peak heap while any one case runs, beyond the baseline (a 1 MB string may be copied a few times). */
const MAX_PEAK_HEAP_BYTES = 512 * 1024 * 1024;
const SPAWNED_SAMPLE = 30;
const EXTREMES = [/deep flow list/, /billion laughs in a vars/, /1 MB unknown task key/, /5 MB/, /is a directory/, /invalid UTF-8/, /NUL/, /^template/, /empty inventory/];

async function mapLimit<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function writeCase(dir: string, c: FuzzCase, port: number): string[] {
  mkdirSync(dir, { recursive: true });
  if (!c.noInventory && !('hosts.yml' in c.files)) writeFileSync(join(dir, 'hosts.yml'), inventoryYaml(port));
  for (const [name, body] of Object.entries(c.files)) {
    if (body === DIRECTORY) mkdirSync(join(dir, name));
    else writeFileSync(join(dir, name), body);
  }
  const extra = (c.extraVars ?? []).flatMap((e) => ['-e', e.startsWith('@') ? `@${join(dir, e.slice(1))}` : e]);
  return [join(dir, 'site.yml'), '-i', join(dir, 'hosts.yml'), ...extra];
}

function displayName(dir: string, file: string): string {
  return file.startsWith('-e #') ? file : join(dir, file);
}

/** What every answer must look like, whatever the input: exit code, FILE:LINE:COL problems, no stack trace. */
function assertOutcome(c: FuzzCase, dir: string, command: 'validate' | 'run', r: CliResult): void {
  const label = `${c.name} (${command})\n--- stdout\n${r.stdout.slice(0, 2000)}\n--- stderr\n${r.stderr.slice(0, 2000)}`;
  const all = r.stdout + r.stderr;
  assert.ok(!all.includes('\n    at '), `stack trace printed: ${label}`);
  assert.ok(!/internal error/i.test(all), `internal error: ${label}`);
  const e = c.expect;
  if (e.kind === 'valid') {
    assert.equal(r.code, 0, label);
    return;
  }
  if (e.kind === 'task-fails') {
    if (command === 'validate') {
      assert.equal(r.code, 0, label);
      return;
    }
    assert.equal(r.code, 2, label);
    assert.match(r.stdout, e.message, label);
    assert.ok(r.stdout.includes(`${displayName(dir, e.file)}:${e.line}:`), `task position ${e.file}:${e.line} missing: ${label}`);
    assert.match(r.stdout, /web1\s+:\s+ok=0\s+changed=0\s+unreachable=0\s+failed=1/, label);
    return;
  }
  assert.equal(r.code, 5, label);
  assert.equal(r.stdout, '', label);
  const lines = r.stderr.trimEnd().split('\n');
  assert.match(lines.at(-1)!, /^\d+ problems? found; nothing was run\.$/, label);
  const problems = lines.slice(0, -1).join('\n').split(/\n(?=\S)/);
  assert.ok(problems.length > 0, label);
  for (const p of problems) assert.match(p, /^(\/[^:]+|-e #\d+):\d+:\d+: \S/, `a problem without FILE:LINE:COL: ${label}`);
  const file = displayName(dir, e.file);
  const here = problems.filter((p) => p.startsWith(`${file}:`) && e.message.test(p));
  assert.ok(here.length > 0, `no problem in ${e.file} matching ${e.message}: ${label}`);
  if (e.line) {
    const positions = here.map((p) => /^(\d+):(\d+): /.exec(p.slice(file.length + 1))!).map((m) => ({ line: Number(m[1]), col: Number(m[2]) }));
    const at = positions.filter((pos) => e.line!.includes(pos.line) && (e.col === undefined || pos.col === e.col));
    assert.ok(at.length > 0, `no problem at ${e.file}:${e.line.join('|')}${e.col ? `:${e.col}` : ''}: ${label}`);
  }
}

describe('malformed input never crashes the CLI', () => {
  let root: string;
  let listener: ConnectionCounter;
  let cases: FuzzCase[];
  const cwd = process.cwd();

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'tackle-fuzz-'));
    listener = await startConnectionCounter();
    cases = allFuzzCases(SEED, listener.port);
    // A failed run writes its retry file into the working directory.
    process.chdir(root);
  });
  after(async () => {
    process.chdir(cwd);
    await listener?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test(`at least 2000 generated cases, in-process: exact exit codes, FILE:LINE:COL, no stack trace, no host contacted, bounded time and memory`, async () => {
    assert.ok(cases.length >= 2000, `only ${cases.length} cases`);
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let slowest = { ms: 0, name: '' };
    for (const [i, c] of cases.entries()) {
      const dir = join(root, `c${i}`);
      const args = writeCase(dir, c, listener.port);
      for (const command of ['validate', 'run'] as const) {
        const r = await tackleInProcess([command, ...args, ...(command === 'run' ? ['--no-progress'] : [])], CASE_TIMEOUT_MS);
        assertOutcome(c, dir, command, r);
        if (r.ms > slowest.ms) slowest = { ms: r.ms, name: `${c.name} (${command})` };
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
      assert.equal(listener.count(), 0, `a host was contacted by case ${c.name}`);
      rmSync(dir, { recursive: true, force: true });
    }
    gc();
    const retained = process.memoryUsage().heapUsed - baseline;
    assert.ok(retained < MAX_RETAINED_HEAP_BYTES, `heap grew by ${(retained / 1e6).toFixed(1)} MB over the cases`);
    assert.ok(peak < MAX_PEAK_HEAP_BYTES, `heap peaked ${(peak / 1e6).toFixed(1)} MB above the baseline`);
    assert.ok(slowest.ms < CASE_TIMEOUT_MS, `slowest: ${slowest.name} ${slowest.ms} ms`);
    if (process.env['TACKLE_FUZZ_STATS']) console.error(`${cases.length} cases; slowest ${slowest.name} ${slowest.ms.toFixed(0)} ms; peak heap +${(peak / 1e6).toFixed(0)} MB, retained +${(retained / 1e6).toFixed(1)} MB`);
  });

  test(`a sample of ${SPAWNED_SAMPLE} cases behaves the same through the real CLI`, async () => {
    // Spread over the whole list (every generator), plus one of each kind of extreme input.
    const step = Math.floor(cases.length / (SPAWNED_SAMPLE - EXTREMES.length));
    const spread = cases.filter((_, k) => k % step === step - 1);
    const extremes = EXTREMES.map((re) => cases.find((c) => re.test(c.name))!);
    const picked = [...new Set([...spread, ...extremes])].slice(0, SPAWNED_SAMPLE);
    assert.equal(picked.length, SPAWNED_SAMPLE);
    await mapLimit(picked, 3, async (c, i) => {
      const dir = join(root, `s${i}`);
      const args = writeCase(dir, c, listener.port);
      assertOutcome(c, dir, 'validate', await tackle(['validate', ...args], { cwd: root }));
      assertOutcome(c, dir, 'run', await tackle(['run', ...args], { cwd: root }));
    });
    assert.equal(listener.count(), 0, 'a host was contacted');
  });
});
