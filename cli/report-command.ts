import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EXIT, runExitCode } from './exit-codes.ts';
import { REPORT_HELP } from './help.ts';
import { retryHint, writeRetryFile } from './retry-file.ts';
import { mergeSliceReports, parseJsonReport } from '../engine/report/merge.ts';
import { renderRecap } from '../engine/report/recap.ts';
import { writeJsonReport } from '../engine/report/json-report.ts';

interface Io {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

/** `tackle report merge R1.json ... RN.json`: one recap and one exit code for the N slices of a run. */
export async function reportCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h') {
    io.out.write(REPORT_HELP);
    return EXIT.ok;
  }
  if (sub !== 'merge') {
    io.err.write(`tackle report: expected 'merge', got ${sub === undefined ? 'nothing' : `'${sub}'`}\n\n${REPORT_HELP}`);
    return EXIT.invalid;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    options: { report: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out.write(REPORT_HELP);
    return EXIT.ok;
  }
  const inputs = await Promise.all(positionals.map(async (file) => ({ file, report: parseJsonReport(file, await readFile(file, 'utf8')) })));
  const merged = mergeSliceReports(inputs);
  const out = (line: string): void => void io.out.write(line + '\n');
  out(`Merged ${inputs.length} slice reports${merged.playbook ? ` of ${merged.playbook}` : ''}${merged.check ? ' (check mode)' : ''}: ${merged.counts.size} hosts`);
  out('\n' + renderRecap(merged.counts));
  if (values.report) {
    const { check, durationMs, playbook, inventory, interrupted, results } = merged;
    await writeJsonReport(values.report, { check, durationMs, playbook, inventory, interrupted, hosts: Object.fromEntries(merged.counts), results });
  }
  if (merged.failedHosts.length > 0 && merged.playbook) {
    const retry = await writeRetryFile(merged.playbook, merged.failedHosts);
    out(`\n${retryHint(merged.playbook, merged.inventory ? merged.inventory.split(',') : [], retry)}`);
  }
  return runExitCode(merged);
}
