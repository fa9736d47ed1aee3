import type { Loaded } from '../engine/load/loader.ts';
import type { Reporter } from '../engine/report/events.ts';
import type { RunSummary } from '../engine/run/runner.ts';
import type { StepGate } from '../engine/run/step-gate.ts';
import type { SecretMasker } from '../engine/secrets.ts';
import type { CliIo } from './main.ts';
import { EXIT } from './exit-codes.ts';

/** What plan and apply share with run: the same loading, limits, masking, display and runner. */
export interface PlannedRun {
  loaded: Loaded;
  limit: Set<string> | undefined;
  tags: string[];
  skipTags: string[];
  forks: number;
  masker: SecretMasker;
  /** Print masked, one line. */
  out: (line: string) => void;
}

export interface PassOptions {
  checkMode: boolean;
  gate: StepGate;
  /** Show the pass as run does (else nothing of it is printed). */
  display?: { diff: boolean; verbose: boolean; tty: boolean };
}

/** One run of the playbook with a step gate: diffs always computed (they are part of a plan), shown only if asked. */
export async function runPass(run: PlannedRun, io: CliIo, pass: PassOptions): Promise<RunSummary> {
  const deps = await import('./run-deps.ts');
  const registry = deps.taskRegistry();
  const reporter = pass.display ? displayReporter(deps, run, pass.display, pass.checkMode) : SILENT;
  const interrupt = deps.installInterruptHandler(io.err, EXIT.interrupted);
  try {
    const summary = await deps.runPlaybook(
      {
        loaded: run.loaded, registry, validator: new deps.ParamValidator(), masker: run.masker, reporter, openConnection: deps.openConnection,
        checkMode: pass.checkMode, diffMode: true, interrupted: interrupt.interrupted, stepGate: pass.gate,
      },
      { limit: run.limit, tags: run.tags, skipTags: run.skipTags, forks: run.forks, onHardStop: interrupt.onHardStop },
    );
    await reporter.end();
    return summary;
  } finally {
    interrupt.remove();
  }
}

function displayReporter(deps: typeof import('./run-deps.ts'), run: PlannedRun, display: NonNullable<PassOptions['display']>, checkMode: boolean): Reporter {
  const opts = { diff: display.diff, verbose: display.verbose, checkMode };
  return display.tty ? new deps.ProgressReporter(run.out, opts) : new deps.PlainReporter(run.out, opts);
}

const SILENT: Reporter = {
  playStart: () => {},
  taskStart: () => {},
  hostResult: () => {},
  taskEnd: async () => {},
  notice: () => {},
  verbose: () => {},
  end: async () => {},
};
