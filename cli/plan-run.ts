import type { Loaded } from '../engine/load/loader.ts';
import type { Reporter } from '../engine/report/events.ts';
import type { RunSummary } from '../engine/run/runner.ts';
import type { StepGate } from '../engine/run/step-gate.ts';
import type { RunLockOptions } from '../engine/run/run-lock.ts';
import type { PlanOptions } from '../engine/plan/plan-file.ts';
import type { SecretMasker } from '../engine/secrets.ts';
import type { CliIo } from './main.ts';
import { EXIT } from './exit-codes.ts';

/** What plan and apply share with run: the same loading, limits, masking, display and runner. */
export interface PlannedRun {
  loaded: Loaded;
  limit: Set<string> | undefined;
  /** tags, skip-tags, forks, start-at-task, force-handlers as the plan records them. */
  options: PlanOptions;
  /** -u, --private-key, -T, -c, -b, --become-user (and -K's password) as connection variables. */
  connectionDefaults: Readonly<Record<string, unknown>>;
  masker: SecretMasker;
  /** Print masked, one line. */
  out: (line: string) => void;
}

export interface PassOptions {
  checkMode: boolean;
  gate: StepGate;
  /** The per-host run lock of a pass that changes hosts (as tackle run takes it). */
  runLock?: RunLockOptions;
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
        connectionDefaults: run.connectionDefaults, ...(pass.runLock ? { runLock: pass.runLock } : {}),
      },
      {
        limit: run.limit, tags: run.options.tags, skipTags: run.options.skipTags, forks: run.options.forks, onHardStop: interrupt.onHardStop,
        forceHandlers: run.options.forceHandlers ?? false, startAtTask: run.options.startAtTask,
      },
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
