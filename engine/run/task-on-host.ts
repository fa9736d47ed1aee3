import type { Connection } from '../connection.ts';
import { ConnectionError, formatPos, TackleError, TaskError, TimeoutError } from '../errors.ts';
import { executeTask, type TaskOutcome } from './execute-task.ts';
import { environmentFor } from './task-environment.ts';
import type { HostSession } from './host-session.ts';
import type { Play, TaskCall } from '../model.ts';
import type { HostTaskResult } from '../report/events.ts';
import { scopeFor, type RunContext } from './run-context.ts';
import { evaluateCondition, renderTemplateFile, renderValue } from '../template/template.ts';
import { UnsafeArgumentError } from '../connections/shell-quote.ts';
import { withOutputLines, type Scope } from '../template/vars.ts';
import { prepareParams } from './prepare-params.ts';
import { controllerSide } from './controller-side.ts';
import { maskByKey } from '../secrets.ts';
import { escapeControls } from '../report/terminal-text.ts';
import type { FileDiff, Fingerprint } from '../task.ts';
import { SCRATCH_DIR_ARGV } from '../connections/temp-file.ts';
import { StepRefused, type CheckedStep, type FinishedStep } from './step-gate.ts';
import { changeDigest } from './fingerprint.ts';

export interface TaskRunOptions {
  /** Variables over the host's: a loop item, ansible_failed_task in a rescue. */
  vars?: Record<string, unknown>;
  /** Leave `register` alone (a loop registers all its items at the end). */
  noRegister?: boolean;
  /** The session of a delegate_to host, by inventory name. */
  delegate?: (name: string) => HostSession;
  /** The host could not be reached for facts: connecting to it fails with this, without a second attempt. */
  unreachable?: string;
  /** The loop item's label (masked), for one item of a looped task. */
  item?: string;
}

/** Runs one task call on one host, and lets the run's step gate (if any) see it and refuse it. */
export async function runTaskOnHost(call: TaskCall, play: Play, session: HostSession, rc: RunContext, opts: TaskRunOptions = {}): Promise<HostTaskResult> {
  const r = await runStep(call, play, session, rc, opts);
  const refusal = rc.stepGate?.finished(session.name, finishedStep(call, r, opts.item));
  if (!refusal) return r;
  return { ...r, status: 'failed', ignored: false, message: masked(rc, refusal) };
}

type GateSeen = Omit<CheckedStep, 'task' | 'at' | 'item' | 'change'> & { ownChange: string | undefined; diff: FileDiff[] };

function checkedStep(rc: RunContext, call: TaskCall, item: string | undefined, seen: GateSeen): CheckedStep {
  const { ownChange, diff, ...step } = seen;
  const fingerprint = step.fingerprint ? { fingerprint: maskedFingerprint(rc, step.fingerprint) } : {};
  const change = step.changed ? { change: changeDigest(ownChange, diff.map((d) => shownDiff(rc, call, d))) } : {};
  return { ...step, ...fingerprint, ...change, task: call.name, at: formatPos(call.pos), ...(item === undefined ? {} : { item }) };
}

function finishedStep(call: TaskCall, r: HostTaskResult, item: string | undefined): FinishedStep {
  return {
    play: r.play,
    task: r.task,
    type: r.type,
    at: formatPos(call.pos),
    ...(item === undefined ? {} : { item }),
    handler: call.listen !== undefined,
    status: r.status,
    ignored: r.ignored ?? false,
    reasons: r.reasons,
    ...(r.message === undefined ? {} : { message: r.message }),
    diff: r.diff,
    ...(r.fingerprint ? { fingerprint: r.fingerprint } : {}),
    ...(r.status === 'changed' ? { change: changeDigest(r.change, r.diff) } : {}),
    dependsOnPending: r.dependsOnPending ?? [],
  };
}

/** One task call on one host: when, templating, validation, retries, timeout, register, changed_when / failed_when. */
async function runStep(call: TaskCall, play: Play, session: HostSession, rc: RunContext, opts: TaskRunOptions = {}): Promise<HostTaskResult> {
  const started = performance.now();
  let registered: Record<string, unknown> | undefined;
  const store = (value: Record<string, unknown>): void => {
    registered = value;
    if (!opts.noRegister) register(call, session, value);
  };
  const result = (outcome: Pick<TaskOutcome, 'status' | 'message' | 'reasons' | 'diff'> & Partial<Pick<TaskOutcome, 'fingerprint' | 'dependsOnPending' | 'change'>>, ignored = false): HostTaskResult => ({
    host: session.name,
    play: play.name,
    task: call.name,
    type: call.type,
    status: outcome.status,
    durationMs: performance.now() - started,
    message: outcome.message === undefined ? undefined : masked(rc, outcome.message),
    reasons: outcome.reasons.map((r) => masked(rc, r)),
    diff: outcome.diff.map((d) => shownDiff(rc, call, d)),
    ignored,
    ...(registered ? { result: registered } : {}),
    ...(outcome.fingerprint ? { fingerprint: maskedFingerprint(rc, outcome.fingerprint) } : {}),
    ...(outcome.dependsOnPending?.length ? { dependsOnPending: outcome.dependsOnPending } : {}),
    ...(outcome.change === undefined ? {} : { change: outcome.change }),
  });
  const scopeNow = (): Scope => scopeFor(rc, session, play, call, opts.vars);

  let scope: Scope;
  try {
    scope = scopeNow();
    if (call.when && !call.when.every((cond) => evaluateCondition(cond, scope))) {
      store({ changed: false, skipped: true, failed: false });
      return result({ status: 'skipped', message: 'condition false', reasons: [], diff: [] });
    }
  } catch (error) {
    return failed(call, store, rc, result, error);
  }

  const attempts = 1 + (call.retries ?? 0);
  let last: HostTaskResult | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      rc.reporter.verbose(session.name, `retrying ${call.name} (${attempt - 1}/${call.retries})`);
      await sleep((call.delaySeconds ?? 5) * 1000);
      scope = scopeNow();
    }
    try {
      const outcome = await withTimeout(call, session, (deadline) => attemptOnce(call, play, session, rc, scope, deadline, opts));
      store({ ...outcome.data, changed: outcome.status === 'changed', failed: false, skipped: false, status: outcome.status });
      const judged = { ...judgeOutcome(call, outcome, scopeNow), fingerprint: outcome.fingerprint, dependsOnPending: outcome.dependsOnPending, change: outcome.change };
      if (judged.status !== outcome.status) store({ ...registered, changed: judged.status === 'changed', failed: judged.status === 'failed' });
      if (call.until && !evaluateCondition(call.until, scopeNow())) {
        last = result({ status: 'failed', message: `until condition still false after ${attempt} attempt(s): ${call.until}`, reasons: [], diff: [] }, call.ignoreErrors);
        continue;
      }
      if (judged.status === 'failed') return result(judged, call.ignoreErrors);
      return result(judged);
    } catch (error) {
      // A refusal is no failure of the task: no retry, no ignore_errors, no failed_when makes it pass.
      if (error instanceof StepRefused) return result({ status: 'failed', message: error.message, reasons: [], diff: [] });
      last = failed(call, store, rc, result, error);
      if (last.status === 'unreachable') return last;
      if (call.failedWhen && !anyCondition(call.failedWhen, scopeNow())) {
        // failed_when that does not hold: the failure is not one (a command's exit code the play expects).
        store({ ...registered, failed: false });
        return result({ status: call.changedWhen ? (anyCondition(call.changedWhen, scopeNow()) ? 'changed' : 'ok') : 'ok', message: last.message, reasons: [], diff: [] });
      }
    }
  }
  return last!;
}

/** changed_when and failed_when on a task that ran: conditions over its registered result. */
function judgeOutcome(call: TaskCall, outcome: TaskOutcome, scope: () => Scope): Pick<TaskOutcome, 'status' | 'message' | 'reasons' | 'diff'> {
  if (!call.changedWhen && !call.failedWhen) return outcome;
  const vars = scope();
  if (call.failedWhen && anyCondition(call.failedWhen, vars)) {
    return { ...outcome, status: 'failed', message: `failed_when holds: ${call.failedWhen.join(' or ')}` };
  }
  if (call.changedWhen) return { ...outcome, status: call.changedWhen.every((c) => evaluateCondition(c, vars)) ? 'changed' : 'ok' };
  return outcome;
}

function anyCondition(conditions: string[], scope: Scope): boolean {
  return conditions.some((c) => evaluateCondition(c, scope));
}

async function attemptOnce(call: TaskCall, play: Play, session: HostSession, rc: RunContext, scope: Scope, deadline: number | undefined, opts: TaskRunOptions): Promise<TaskOutcome> {
  const def = rc.registry.get(call.type);
  if (!def) throw new TaskError(`${formatPos(call.pos)}: unknown task type '${call.type}'`);
  const params = prepareParams(def, call.args, rc.validator, {
    render: (args) => renderValue(args, scope),
    templated: (templated) => {
      if (call.noLog) rc.masker.add(templated);
    },
    where: formatPos(call.pos),
  });
  const record = params as Record<string, unknown>;
  for (const key of def.secretParams ?? []) rc.masker.add(record[key]);

  const env = environmentFor(call, play, scope);
  const run = (conn: Connection): Promise<TaskOutcome> =>
    executeTask(def, params, guarded(conn, session, deadline, env), {
      checkMode: call.checkMode ?? rc.checkMode,
      diffMode: call.diff ?? rc.diffMode,
      pending: session.pending,
      log: (m) => rc.reporter.verbose(session.name, masked(rc, m)),
      renderTemplate: (name) => renderTemplateFile(name, scope),
      ...(rc.stepGate ? { gate: (seen: GateSeen) => rc.stepGate!.checked(session.name, checkedStep(rc, call, opts.item, seen)) } : {}),
    });
  const outcome =
    def.runsOn?.(params) === 'controller'
      ? await run(controllerSide(session.name, def.name))
      : await session.withConnection({ call, play, scope, delegate: opts.delegate, unreachable: opts.unreachable }, rc, run);
  for (const key of def.secretData ?? []) rc.masker.add(outcome.data[key]);
  return outcome;
}

/** How long a timed-out task waits for its command to be killed on the host before the connection is dropped. */
const KILL_GRACE_MS = 3000;

/**
 * Runs fn under the task's `timeout`. Commands get the remaining time as their own timeout, so the
 * connection kills them on the host (a dropped SSH connection would leave them running). Whatever is
 * still in flight after a short grace is cut off by closing the connection; the next task reconnects.
 */
async function withTimeout<T>(call: TaskCall, session: HostSession, fn: (deadline: number | undefined) => Promise<T>): Promise<T> {
  if (!call.timeoutSeconds) return fn(undefined);
  const ms = call.timeoutSeconds * 1000;
  const deadline = Date.now() + ms;
  const timedOut = async (): Promise<never> => {
    await session.close();
    throw new TimeoutError(`timed out after ${call.timeoutSeconds} s`);
  };
  const work = fn(deadline);
  const settled = work.then(
    () => true,
    () => true,
  );
  if (!(await Promise.race([settled, sleep(ms).then(() => false)]))) {
    await Promise.race([settled, sleep(KILL_GRACE_MS)]);
    return timedOut();
  }
  try {
    return await work;
  } catch (error) {
    // A command cut short by the deadline (not by its own, shorter limit) is this task's timeout.
    if (error instanceof TimeoutError && Date.now() >= deadline - 20) return timedOut();
    throw error;
  }
}

/**
 * The connection as a task sees it: writes in flight are tracked on the session (a hard stop
 * removes their temp files), and with a deadline every command gets only the time left.
 */
function guarded(conn: Connection, session: HostSession, deadline: number | undefined, env: Record<string, string> | undefined): Connection {
  const left = (): number | undefined => {
    if (deadline === undefined) return undefined;
    const ms = deadline - Date.now();
    if (ms <= 0) throw new TimeoutError('timed out');
    return ms;
  };
  return {
    hostName: conn.hostName,
    exec: async (argv, given = {}) => {
      const ms = left();
      const opts = env ? { ...given, env: { ...env, ...given.env } } : given;
      const r = await conn.exec(argv, ms === undefined ? opts : { ...opts, timeoutMs: Math.min(opts.timeoutMs ?? Infinity, ms) });
      if (r.code === 0 && isScratchDirCall(argv)) session.scratchDirs.add(r.stdout.trim());
      return r;
    },
    readFile: (path) => conn.readFile(pathWithoutNul(path)),
    writeFile: async (path, data, opts) => {
      if (session.hardStopped) throw new TackleError(`not writing ${path}: the run is stopping`);
      session.writesInFlight.add(path);
      try {
        await conn.writeFile(pathWithoutNul(path), data, opts);
      } finally {
        session.writesInFlight.delete(path);
      }
      // After the write, not beside it: a hard stop's removal of temp files never queues behind it.
      if (!session.hardStopped) await session.sweepStaleTempFiles(conn, path);
    },
    stat: (path) => conn.stat(pathWithoutNul(path)),
    mkdir: (path, opts) => conn.mkdir(pathWithoutNul(path), opts),
    remove: async (path, opts) => {
      await conn.remove(pathWithoutNul(path), opts);
      session.scratchDirs.delete(path);
    },
    hold: (argv, readyLine) => conn.hold(argv, readyLine),
    close: () => conn.close(),
  };
}

/** The call that makes a scratch dir (withTargetTempDir): a hard stop removes the ones still there. */
function isScratchDirCall(argv: readonly string[]): boolean {
  return argv.length === SCRATCH_DIR_ARGV.length && argv.every((a, i) => a === SCRATCH_DIR_ARGV[i]);
}

/** A path with a NUL byte would be cut short by the host's C library: refuse it on every connection alike. */
function pathWithoutNul(path: string): string {
  if (path.includes('\0')) throw new UnsafeArgumentError(`path contains a NUL byte, which no file name can hold: ${JSON.stringify(path)}`);
  return path;
}

function failed(
  call: TaskCall,
  store: (value: Record<string, unknown>) => void,
  rc: RunContext,
  result: (o: Pick<TaskOutcome, 'status' | 'message' | 'reasons' | 'diff'>, ignored?: boolean) => HostTaskResult,
  error: unknown,
): HostTaskResult {
  if (error instanceof ConnectionError) {
    return result({ status: 'unreachable', message: error.message, reasons: [], diff: [] });
  }
  const text = error instanceof Error ? error.message : String(error);
  const where = text.includes(call.pos.file) ? '' : ` (task '${call.name}' at ${formatPos(call.pos)})`;
  const message = call.noLog ? `failed; details hidden by no_log${where}` : `${text}${where}`;
  // TACKLE_DEBUG: the stack of an unexpected error, masked like every other output.
  if (!(error instanceof Error && error.name !== 'Error') && process.env['TACKLE_DEBUG']) {
    console.error(masked(rc, error instanceof Error ? (error.stack ?? error.message) : String(error)));
  }
  store({ changed: false, failed: true, skipped: false, msg: masked(rc, message) });
  return result({ status: 'failed', message, reasons: [], diff: [] }, call.ignoreErrors);
}

/** Known secrets by value, and host-side ones by the key they sit under. */
function masked(rc: RunContext, text: string): string {
  return escapeControls(rc.masker.mask(maskByKey(text)));
}

/** A fingerprint holds hashes, but a task may name a value: masked like any output, the same way in plan and apply. */
function maskedFingerprint(rc: RunContext, fp: Fingerprint): Fingerprint {
  return Object.fromEntries(Object.entries(fp).map(([k, v]) => [masked(rc, k), masked(rc, v)]));
}

/** A no_log task shows that a file changed, never its content. */
function shownDiff(rc: RunContext, call: TaskCall, d: FileDiff): FileDiff {
  if (call.noLog) return { path: d.path, before: '', after: '', hidden: 'no_log' };
  if (d.hidden !== undefined) return { path: d.path, before: '', after: '', hidden: d.hidden };
  return { path: d.path, before: masked(rc, d.before), after: masked(rc, d.after) };
}

function register(call: TaskCall, session: HostSession, value: Record<string, unknown>): void {
  if (call.register) session.registered = { ...session.registered, [call.register]: withOutputLines(value) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
