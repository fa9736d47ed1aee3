import { trackInputFiles } from '../engine/input-files.ts';
import { buildPlan } from '../engine/plan/build.ts';
import { planInputs, planPosition } from '../engine/plan/inputs.ts';
import { wouldChangeCounts, writePlanFile } from '../engine/plan/plan-file.ts';
import { StepRecorder } from '../engine/plan/record.ts';
import { writePlanHtml } from '../engine/report/plan-html.ts';
import { maskByKey } from '../engine/secrets.ts';
import { EXIT, runExitCode } from './exit-codes.ts';
import { PLAN_HELP } from './plan-help.ts';
import { loadForPlan } from './plan-load.ts';
import { parseCommandArgs, PLAN_OPTIONS, plannedOptions, sessionOf } from './plan-options.ts';
import { runPass } from './plan-run.ts';
import { tackleVersion, type CliIo } from './main.ts';

/** `tackle plan PLAYBOOK -i INV --out PLAN.json`: a check run whose every step is saved for apply. */
export async function planCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('plan', args, PLAN_OPTIONS);
  if (values.help) {
    io.out.write(PLAN_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1 || !values.out) {
    io.err.write(`tackle plan: expected one PLAYBOOK and --out PLAN.json\n\n${PLAN_HELP}`);
    return EXIT.invalid;
  }
  const createdAt = new Date();
  const options = plannedOptions(values);
  const session = await sessionOf(values, options, !!io.out.isTTY);
  const given = { playbook: positionals[0]!, inventory: values.inventory, extraVars: values['extra-vars'] };
  const cwd = process.cwd();
  const recorder = new StepRecorder((at) => planPosition(at, cwd, cwd));
  const { value: { run, summary }, files } = await trackInputFiles(async () => {
    const run = await loadForPlan({ ...given, options, session, allowNoHosts: values['allow-no-hosts'] }, io);
    run.out('PLAN: checking only; nothing will be changed.');
    const summary = await runPass(run, io, { checkMode: true, gate: recorder, display: session.display });
    return { run, summary };
  });
  const { renderRecap } = await import('./run-deps.ts');
  run.out('\n' + renderRecap(summary.counts));
  if (summary.interrupted) {
    run.out('\nInterrupted: no plan written.');
    return EXIT.interrupted;
  }
  const plan = buildPlan({
    createdAt, tackleVersion: tackleVersion(), args: ['plan', ...args], ...given, options, baseDir: process.cwd(),
    inputs: planInputs(files, given, process.cwd()), counts: summary.counts, steps: recorder.steps,
  });
  await writePlanFile(values.out, plan);
  if (values.html) {
    // Secrets a task registered during the run are in the masker by now, as for every output line.
    await writePlanHtml(values.html, plan, { mask: (text) => run.masker.mask(maskByKey(text)) });
  }
  const counts = wouldChangeCounts(plan);
  const changing = [...counts].filter(([, n]) => n > 0);
  run.out(`\nPlan written to ${values.out}: ${changing.length} of ${counts.size} host(s) would change${changing.length ? ` (${changing.map(([h, n]) => `${h}: ${n}`).join(', ')})` : ''}.`);
  if (values.html) run.out(`Review page written to ${values.html}.`);
  const ended = plan.hosts.filter((h) => h.ended);
  if (ended.length) run.out(`Not applicable until planned again: ${ended.map((h) => `${h.name} (${h.ended})`).join(', ')}.`);
  return runExitCode(summary);
}
