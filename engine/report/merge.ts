import { InputError, ValidationFailed } from '../errors.ts';
import type { Slice } from '../load/slice.ts';
import { emptyCounts, type HostCounts } from './events.ts';
import type { JsonReport } from './json-report.ts';

export interface SliceReport {
  file: string;
  report: JsonReport;
}

/** What one run over every host would have reported, put together from its slices' reports. */
export interface MergedRun {
  check: boolean;
  playbook?: string;
  inventory?: string;
  /** Wall time of the slowest slice: the slices ran side by side. */
  durationMs: number;
  counts: Map<string, HostCounts>;
  results: JsonReport['results'];
  interrupted: boolean;
  anyFailed: boolean;
  anyUnreachable: boolean;
  /** Failed or unreachable hosts, for the merged retry file. */
  failedHosts: string[];
}

const RECORDED_KEYS = ['ok', 'changed', 'unreachable', 'failed', 'skipped'] as const;
const COUNT_KEYS = [...RECORDED_KEYS, 'ignored'] as const;

/** Parses one --report file; anything that is not a tackle report is an error at FILE:1:1. */
export function parseJsonReport(file: string, text: string): JsonReport {
  const problem = (detail: string) => new ValidationFailed([new InputError({ file, line: 1, col: 1 }, detail)]);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw problem(`not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = data as Partial<JsonReport> | null;
  if (!r || typeof r !== 'object' || typeof r.check !== 'boolean' || !r.hosts || typeof r.hosts !== 'object' || !Array.isArray(r.results)) {
    throw problem('not a tackle --report file (needs check, hosts and results)');
  }
  for (const [host, c] of Object.entries(r.hosts)) {
    if (!c || typeof c !== 'object' || RECORDED_KEYS.some((k) => typeof c[k] !== 'number')) throw problem(`host '${host}' has no ok/changed/unreachable/failed/skipped counts`);
  }
  return r as JsonReport;
}

/**
 * Merges the reports of `--slice 1/N` ... `--slice N/N`. Every slice must be there exactly once,
 * from the same playbook and the same mode; otherwise nothing is merged.
 */
export function mergeSliceReports(inputs: SliceReport[]): MergedRun {
  const problems: InputError[] = [];
  const at = (file: string, detail: string) => problems.push(new InputError({ file, line: 1, col: 1 }, detail));
  const first = inputs[0];
  if (!first) throw new ValidationFailed([new InputError({ file: 'tackle report merge', line: 1, col: 1 }, 'no report files given')]);

  const count = first.report.slice?.count;
  const bySlice = new Map<number, SliceReport>();
  for (const input of inputs) {
    const { slice, check, playbook } = input.report;
    if (!slice) at(input.file, 'was not written by a --slice K/N run, so it cannot be merged');
    else if (count !== undefined && slice.count !== count) at(input.file, `is slice ${fmt(slice)}, the others are of ${count}`);
    else if (bySlice.has(slice.index)) at(input.file, `slice ${fmt(slice)} again (already in ${bySlice.get(slice.index)!.file})`);
    else bySlice.set(slice.index, input);
    if (check !== first.report.check) at(input.file, `is a ${check ? '--check' : 'real'} run, ${first.file} is not`);
    if (playbook !== first.report.playbook) at(input.file, `ran playbook '${playbook}', ${first.file} ran '${first.report.playbook}'`);
  }
  if (count !== undefined) {
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !bySlice.has(k));
    if (missing.length > 0) {
      at('tackle report merge', `missing slice${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')}: a merged recap needs the report of every slice`);
    }
  }
  if (problems.length > 0) throw new ValidationFailed(problems);

  const slices = [...bySlice.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
  const counts = interleaveHosts(slices, problems);
  if (problems.length > 0) throw new ValidationFailed(problems);
  const all = [...counts.values()];
  return {
    check: first.report.check,
    playbook: first.report.playbook,
    inventory: first.report.inventory,
    durationMs: Math.max(...slices.map((s) => s.report.durationMs)),
    counts,
    results: slices.flatMap((s) => s.report.results),
    interrupted: slices.some((s) => s.report.interrupted === true),
    anyFailed: all.some((c) => c.failed > 0),
    anyUnreachable: all.some((c) => c.unreachable > 0),
    failedHosts: [...counts].filter(([, c]) => c.failed > 0 || c.unreachable > 0).map(([h]) => h),
  };
}

/**
 * Host counts in inventory order: slice K holds hosts K-1, K-1+N, ..., so taking one host from
 * each slice in turn restores the order one run would have printed.
 */
function interleaveHosts(slices: SliceReport[], problems: InputError[]): Map<string, HostCounts> {
  const lists = slices.map((s) => Object.entries(s.report.hosts));
  const owner = new Map<string, string>();
  const counts = new Map<string, HostCounts>();
  for (let i = 0; lists.some((l) => i < l.length); i++) {
    lists.forEach((list, k) => {
      const entry = list[i];
      if (!entry) return;
      const [host, c] = entry;
      const file = slices[k]!.file;
      if (owner.has(host)) {
        problems.push(new InputError({ file, line: 1, col: 1 }, `host '${host}' is also in ${owner.get(host)}: the slices overlap`));
        return;
      }
      owner.set(host, file);
      const merged = emptyCounts();
      for (const key of COUNT_KEYS) merged[key] = c[key] ?? 0;
      counts.set(host, merged);
    });
  }
  return counts;
}

function fmt(s: Slice): string {
  return `${s.index}/${s.count}`;
}
