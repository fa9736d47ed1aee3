import { parseArgs, type ParseArgsConfig } from 'node:util';
import { trackInputFiles } from '../engine/input-files.ts';
import { buildPlan } from '../engine/plan/build.ts';
import { planInputs } from '../engine/plan/inputs.ts';
import { wouldChangeCounts, writePlanFile } from '../engine/plan/plan-file.ts';
import { StepRecorder } from '../engine/plan/record.ts';
import { writePlanHtml } from '../engine/report/plan-html.ts';
import { maskByKey } from '../engine/secrets.ts';
import { EXIT, runExitCode } from './exit-codes.ts';
import { PLAN_HELP } from './plan-help.ts';
import { loadForPlan } from './plan-load.ts';
import { runPass } from './plan-run.ts';
import { tackleVersion, type CliIo } from './main.ts';

const PLAN_OPTIONS = {
  inventory: { type: 'string', short: 'i', multiple: true, default: [] },
  diff: { type: 'boolean', short: 'D', default: false },
  'extra-vars': { type: 'string', short: 'e', multiple: true, default: [] },
  limit: { type: 'string', short: 'l', multiple: true, default: [] },
  tags: { type: 'string', short: 't', multiple: true, default: [] },
  'skip-tags': { type: 'string', multiple: true, default: [] },
  forks: { type: 'string', short: 'f', default: '20' },
  out: { type: 'string', short: 'o' },
  html: { type: 'string' },
  'vault-password-file': { type: 'string', multiple: true, default: [] },
  'vault-id': { type: 'string', multiple: true, default: [] },
  'no-progress': { type: 'boolean', default: false },
  'allow-no-hosts': { type: 'boolean', default: false },
  verbose: { type: 'boolean', short: 'v', multiple: true, default: [] },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

/** `tackle plan PLAYBOOK -i INV --out PLAN.json`: a check run whose every step is saved for apply. */
export async function planCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: PLAN_OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    io.out.write(PLAN_HELP);
    return EXIT.ok;
  }
  const forks = Number(values.forks);
  if (positionals.length !== 1 || !values.out || !Number.isInteger(forks) || forks < 1) {
    io.err.write(`tackle plan: expected one PLAYBOOK, --out PLAN.json and --forks >= 1\n\n${PLAN_HELP}`);
    return EXIT.invalid;
  }
  const createdAt = new Date();
  const options = { limit: values.limit, tags: splitList(values.tags), skipTags: splitList(values['skip-tags']), forks };
  const given = { playbook: positionals[0]!, inventory: values.inventory, extraVars: values['extra-vars'] };
  const recorder = new StepRecorder();
  const { value: { run, summary }, files } = await trackInputFiles(async () => {
    const run = await loadForPlan({ ...given, ...options, vault: { files: values['vault-password-file'], ids: values['vault-id'] }, allowNoHosts: values['allow-no-hosts'] }, io);
    run.out('PLAN: checking only; nothing will be changed.');
    const display = { diff: values.diff, verbose: values.verbose.length > 0, tty: !!io.out.isTTY && !values['no-progress'] };
    const summary = await runPass(run, io, { checkMode: true, gate: recorder, display });
    return { run, summary };
  });
  const { renderRecap } = await import('./run-deps.ts');
  run.out('\n' + renderRecap(summary.counts));
  if (summary.interrupted) {
    run.out('\nInterrupted: no plan written.');
    return EXIT.interrupted;
  }
  const plan = buildPlan({
    createdAt, tackleVersion: tackleVersion(), args: ['plan', ...args], ...given, options,
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

function splitList(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean);
}
