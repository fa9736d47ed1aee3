import type { Connection } from '../connection.ts';
import type { CheckResult, FileDiff, Fingerprint, TaskDefinition } from '../task.ts';
import { defaultFingerprint } from './fingerprint.ts';
import { StepRefused, type CheckedStep } from './step-gate.ts';

export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface TaskOutcome {
  status: TaskStatus;
  message?: string;
  reasons: string[];
  diff: FileDiff[];
  data: Record<string, unknown>;
  /** What the check read (absent when the check could not run). */
  fingerprint?: Fingerprint;
  /** Inputs an earlier task would change (check mode) when this check ran. */
  dependsOnPending: string[];
  /** The task's own digest of the change it planned (when it changes). */
  change?: string;
}

export interface ExecuteOptions {
  checkMode: boolean;
  diffMode: boolean;
  /** Per-host record of paths that earlier tasks would change (check mode). */
  pending: Set<string>;
  log?: (message: string) => void;
  renderTemplate?: (name: string) => string;
  /** Sees the check before any change; a reason returned stops the task (StepRefused). */
  gate?: (step: Pick<CheckedStep, 'changed' | 'fingerprint' | 'dependsOnPending'> & { ownChange: string | undefined; diff: FileDiff[] }) => string | undefined;
}

/**
 * check, then change when needed: the one place the task contract is driven.
 * In check mode a task whose check fails only because an input is still pending
 * (an earlier task would create it) is reported as "would change", not failed.
 */
export async function executeTask<P, S>(
  def: TaskDefinition<P, S>,
  params: P,
  conn: Connection,
  opts: ExecuteOptions,
): Promise<TaskOutcome> {
  const ctx = {
    params,
    conn,
    host: conn.hostName,
    checkMode: opts.checkMode,
    diffMode: opts.diffMode,
    pendingChange: (path: string) => opts.pending.has(path),
    log: opts.log ?? (() => {}),
    renderTemplate: opts.renderTemplate ?? ((name: string): string => {
      throw new Error(`no template renderer for ${name}`);
    }),
  };
  const pendingInputs = (def.inputs?.(params) ?? []).filter((p) => opts.pending.has(p));

  let plan: CheckResult<S>;
  try {
    plan = await def.check({ ...ctx, conn: probing(conn) });
  } catch (error) {
    if (opts.checkMode && pendingInputs.length > 0) {
      markPending(def, params, opts.pending);
      return {
        status: 'changed',
        message: `would change: depends on ${pendingInputs.join(', ')}, which an earlier task would change`,
        reasons: [`input pending: ${pendingInputs.join(', ')}`],
        diff: [],
        data: { changed: true },
        dependsOnPending: pendingInputs,
      };
    }
    throw error;
  }

  const reasons = plan.reasons ?? [];
  const diff = plan.diff ?? [];
  const fingerprint = plan.fingerprint ?? defaultFingerprint(plan);
  const seen = { fingerprint, dependsOnPending: pendingInputs };
  const ownChange = plan.changed && plan.change !== undefined ? { change: plan.change } : {};
  const refusal = opts.gate?.({ changed: plan.changed, ...seen, diff, ownChange: ownChange.change });
  if (refusal) throw new StepRefused(refusal);
  if (!plan.changed) {
    return { status: 'ok', reasons, diff: [], data: { changed: false, ...plan.data }, ...seen };
  }
  const changing = { ...seen, ...ownChange };
  if (opts.checkMode) {
    markPending(def, params, opts.pending);
    return { status: 'changed', reasons, diff, message: reasons.join('; ') || undefined, data: { changed: true, ...plan.data }, ...changing };
  }
  const result = (await def.change(ctx, plan)) ?? {};
  const message = [result.message, ...(result.skipped ?? []).map((s) => `skipped: ${s}`)].filter(Boolean).join('; ');
  return {
    status: 'changed',
    reasons,
    diff,
    message: message || reasons.join('; ') || undefined,
    data: { changed: true, ...plan.data, ...result.data, ...(result.skipped ? { skipped: result.skipped } : {}) },
    ...changing,
  };
}

function markPending<P, S>(def: TaskDefinition<P, S>, params: P, pending: Set<string>): void {
  for (const path of def.outputs?.(params) ?? []) pending.add(path);
}

/**
 * The connection as a check sees it: what a check runs reads the host's state, so each command is
 * a probe (bounded by the connection's probe timeout) unless the task says it is not.
 */
function probing(conn: Connection): Connection {
  return {
    hostName: conn.hostName,
    exec: (argv, opts = {}) => conn.exec(argv, { probe: true, ...opts }),
    readFile: (path) => conn.readFile(path),
    writeFile: (path, data, opts) => conn.writeFile(path, data, opts),
    stat: (path) => conn.stat(path),
    mkdir: (path, opts) => conn.mkdir(path, opts),
    remove: (path, opts) => conn.remove(path, opts),
    hold: (argv, readyLine) => conn.hold(argv, readyLine),
    close: () => conn.close(),
  };
}
