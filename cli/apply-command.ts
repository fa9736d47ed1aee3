import { mkdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { TackleError } from '../engine/errors.ts';
import { trackInputFiles, type InputFiles } from '../engine/input-files.ts';
import { DRIFTED, hostDrift, PlanHolder } from '../engine/plan/hold.ts';
import { inputsDifference, newInputFile, planPath, planPosition } from '../engine/plan/inputs.ts';
import { readPlanFile, type PlanFile, type PlanStep } from '../engine/plan/plan-file.ts';
import { StepRecorder } from '../engine/plan/record.ts';
import { writeOwnFile } from '../engine/report/local-file.ts';
import { EXIT, runExitCode } from './exit-codes.ts';
import { APPLY_HELP } from './plan-help.ts';
import { loadForPlan } from './plan-load.ts';
import { APPLY_OPTIONS, parseCommandArgs, selectionConflict, sessionOf } from './plan-options.ts';
import { parseLockWait } from './run-options.ts';
import { runHolder } from './main.ts';
import { runPass, type PlannedRun } from './plan-run.ts';
import { retryHint, writeRetryFile } from './retry-file.ts';
import type { CliIo } from './main.ts';

/** A plan that cannot be applied as it stands: exit 5, no host contacted (or, after the check pass, none changed). */
export class PlanRefused extends TackleError {
  override name = 'PlanRefused';
}

/** `tackle apply PLAN.json`: exactly the plan's changes, on the hosts that still are as planned. */
export async function applyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('apply', args, APPLY_OPTIONS);
  if (values.help) {
    io.out.write(APPLY_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    io.err.write(`tackle apply: expected exactly one PLAN.json, got ${positionals.length}\n\n${APPLY_HELP}`);
    return EXIT.invalid;
  }
  const planFile = positionals[0]!;
  const plan = await readPlanFile(planFile);
  const maxAgeMs = parseAge(values['max-age']);
  const ageMs = Date.now() - Date.parse(plan.createdAt);
  if (maxAgeMs > 0 && ageMs > maxAgeMs) {
    throw new PlanRefused(`${planFile}: the plan is ${formatAge(ageMs)} old, older than --max-age ${values['max-age']}: plan again (or pass a larger --max-age)`);
  }
  // Paths in the plan are relative to the directory it was made in, wherever apply runs.
  const base = plan.baseDir;
  const conflict = selectionConflict(plan.options, values) ?? inventoryConflict(plan, values.inventory, base);
  if (conflict) throw new PlanRefused(`${planFile}: refused: ${conflict}`);
  const changed = inputsDifference(plan, values['extra-vars'], process.cwd(), base);
  if (changed) throw new PlanRefused(`${planFile}: refused, the inputs are not those of the plan: ${changed}`);
  const lockWait = parseLockWait(values['lock-wait']);

  const planned = new Map(plan.hosts.map((h) => [h.name, h.steps]));
  // A limited or sliced plan covers its hosts only: those, by name (a --limit @FILE may be gone by now).
  const narrowed = plan.options.limit.length > 0 || plan.options.slice !== undefined;
  const options = { ...plan.options, limit: narrowed ? plan.hosts.map((h) => h.name) : [], slice: undefined };
  const session = await sessionOf(values, plan.options, !!io.out.isTTY);
  const playbook = planPath(plan.playbook, base);
  const { value: run, files: loadFiles } = await trackInputFiles(() =>
    loadForPlan({ playbook, inventory: plan.inventory.map((i) => planPath(i, base)), extraVars: values['extra-vars'], options, session, allowNoHosts: true }, io),
  );
  refuseNewInputs(plan, loadFiles, planFile, base);

  run.out(`APPLY ${planFile} (made ${plan.createdAt}): checking every host against the plan first.`);
  const refused = await checkPass(run, io, plan, planned, planFile, base);
  for (const h of plan.hosts) if (refused.has(h.name)) run.out(`  ${h.name}: ${refused.get(h.name)!}`);

  const holder = new PlanHolder(planned, refused, position(base));
  const started = performance.now();
  const runLock = { holder: runHolder(playbook), waitSeconds: lockWait };
  const summary = await runPass(run, io, { checkMode: false, gate: holder, display: session.display, runLock });
  const { buildJsonReport, renderRecap, writeJsonReport } = await import('./run-deps.ts');
  run.out('\n' + renderRecap(summary.counts));
  if (values.report) {
    const identity = { playbook: plan.playbook, inventory: plan.inventory.join(',') || undefined, interrupted: summary.interrupted };
    await writeJsonReport(values.report, buildJsonReport(false, performance.now() - started, summary.counts, summary.results, identity));
  }

  const why = new Map([...refused, ...[...holder.drifted].map(([h, d]): [string, string] => [h, `${DRIFTED}: ${d}`])]);
  const notApplied = new Map(plan.hosts.filter((h) => why.has(h.name)).map((h): [string, string] => [h.name, why.get(h.name)!]));
  if (notApplied.size > 0) {
    run.out('\nNOT APPLIED (changed nothing after the difference; plan them again):');
    for (const [host, why] of notApplied) run.out(`  ${host}: ${why}`);
    const file = await writeDriftFile(base, plan.playbook, [...notApplied.keys()]);
    const cd = resolve(base) === resolve(process.cwd()) ? '' : `cd ${base} && `;
    run.out(`\nTo plan them again: ${cd}tackle plan ${plan.playbook}${plan.inventory.map((i) => ` -i ${i}`).join('')} --limit @${file} --out PLAN.json`);
  }
  const failedHosts = summary.failedHosts.filter((h) => !notApplied.has(h));
  if (failedHosts.length > 0) run.out(`\n${retryHint(plan.playbook, plan.inventory, await writeRetryFile(plan.playbook, failedHosts))}`);
  const code = runExitCode({ interrupted: summary.interrupted, anyUnreachable: summary.anyUnreachable, anyFailed: failedHosts.length > 0 || planFailed(plan, notApplied) });
  return code === EXIT.ok && notApplied.size > 0 ? EXIT.drifted : code;
}

/**
 * The check pass: the whole playbook in check mode, each host's steps compared with the plan's.
 * A host that differs anywhere is refused before the real run, so it changes nothing at all.
 */
async function checkPass(run: PlannedRun, io: CliIo, plan: PlanFile, planned: Map<string, PlanStep[]>, planFile: string, base: string): Promise<Map<string, string>> {
  const recorder = new StepRecorder(position(base));
  const { value: summary, files } = await trackInputFiles(() => runPass(run, io, { checkMode: true, gate: recorder }));
  if (summary.interrupted) throw new PlanRefused('interrupted during the check pass: nothing was changed');
  refuseNewInputs(plan, files, planFile, base);
  const refused = new Map<string, string>();
  for (const host of plan.hosts) {
    if (host.ended) refused.set(host.name, `the plan shows this host ${host.ended}: fix it and plan again`);
  }
  for (const [host, steps] of recorder.steps) {
    if (refused.has(host)) continue;
    const drift = hostDrift(planned.get(host) ?? [], steps);
    if (drift) refused.set(host, `${DRIFTED}: ${drift}`);
  }
  return refused;
}

function refuseNewInputs(plan: PlanFile, files: InputFiles, planFile: string, base: string): void {
  const extra = newInputFile(plan, files, process.cwd(), base);
  if (extra) throw new PlanRefused(`${planFile}: refused, the inputs are not those of the plan: ${extra}`);
}

/** -i given to apply again must name the plan's inventories. */
function inventoryConflict(plan: PlanFile, given: string[], base: string): string | undefined {
  if (given.length === 0) return undefined;
  const same = given.length === plan.inventory.length && given.every((g, i) => planPath(g, process.cwd()) === planPath(plan.inventory[i]!, base));
  return same ? undefined : `-i ${given.join(' -i ')} is not the plan's inventory (${plan.inventory.join(', ')}): apply uses the plan's`;
}

function position(base: string): (at: string) => string {
  const cwd = process.cwd();
  return (at) => planPosition(at, cwd, base);
}

/** A host whose plan ended failed is refused as a failure (exit 2), not as drift. */
function planFailed(plan: PlanFile, notApplied: Map<string, string>): boolean {
  return plan.hosts.some((h) => h.ended && notApplied.has(h.name));
}

/** In the plan's directory, where tackle plan --limit @FILE is run again; the path returned is relative to it. */
async function writeDriftFile(base: string, playbook: string, hosts: string[]): Promise<string> {
  const dir = '.tackle-retry';
  await mkdir(join(base, dir), { recursive: true, mode: 0o755 });
  const file = join(dir, `${basename(playbook, extname(playbook))}.drifted`);
  await writeOwnFile(join(base, file), hosts.join('\n') + '\n', 0o644);
  return file;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "24h", "30m", "2d", "90s", "0" → milliseconds (0: no limit). */
export function parseAge(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd])?$/.exec(text.trim());
  if (!m || (m[2] === undefined && Number(m[1]) !== 0)) throw new PlanRefused(`--max-age: expected a duration such as 24h, 30m, 2d or 0, got '${text}'`);
  return Number(m[1]) * (m[2] ? UNITS[m[2]]! : 0);
}

function formatAge(ms: number): string {
  return ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.round(ms / 60_000)} min`;
}
