import type { Connection } from './connection.ts';

/** A JSON Schema object as ajv takes it; `description`s feed the README's task reference. */
export type JsonSchema = Record<string, unknown>;

/** One file's before and after, for --diff. */
export interface FileDiff {
  path: string;
  before: string;
  after: string;
  /** Set when the content must not be shown (no_log, a file that holds secrets): the reason, printed instead. */
  hidden?: string;
}

export interface CheckResult {
  /** A change is needed (in --check: would change). */
  changed: boolean;
  /** Short reasons, e.g. "image differs", "SANs differ"; shown with -v and in the report. */
  reasons?: string[];
  diff?: FileDiff[];
  /** Whatever change() needs from the probe, so it does not probe twice. */
  state?: unknown;
  /** Values for `register:` (e.g. a command's output). */
  data?: Record<string, unknown>;
}

export interface ChangeResult {
  message?: string;
  data?: Record<string, unknown>;
  /** Parts of the change deliberately not done, with the reason (e.g. "start skipped: no systemd running"). */
  skipped?: string[];
}

export interface TaskContext<P> {
  /** Templated and validated against the task's schema. */
  readonly params: P;
  readonly conn: Connection;
  readonly host: string;
  readonly checkMode: boolean;
  readonly diffMode: boolean;
  /**
   * In --check: true when an earlier task of this run would have changed this path
   * (it reported "would change" and lists the path in outputs()). Lets a task predict
   * "would change" instead of failing on state that only the simulated run created.
   */
  pendingChange(path: string): boolean;
  /** Verbose (-v) log line for this host and task. */
  log(message: string): void;
  /**
   * Renders a template file on the controller with this host's variables: NAME is looked up in
   * templates/ of the role, then of the playbook (or is an absolute path).
   */
  renderTemplate(name: string): string;
}

/**
 * The task contract. The runner calls check(); when it reports changed and this is not
 * --check, it calls change() with that result. change() must leave the host so that the
 * next check() reports changed: false.
 */
export interface TaskDefinition<P = Record<string, unknown>> {
  /** The YAML key, e.g. "genCA". Equals the file name in tasks/. */
  readonly name: string;
  /** One line for the README's task reference. */
  readonly summary: string;
  /** JSON Schema of the task's parameters (type: object, additionalProperties: false). */
  readonly schema: JsonSchema;
  /** Parameter names whose values are secret: masked in output, diffs and reports. */
  readonly secretParams?: readonly string[];
  /** Keys of check/change `data` (what `register:` sees) whose values are secret. */
  readonly secretData?: readonly string[];
  /** Paths this task writes, for check-mode dependency tracking. */
  outputs?(params: P): string[];
  /** Paths this task reads that an earlier task may produce. */
  inputs?(params: P): string[];
  check(ctx: TaskContext<P>): Promise<CheckResult>;
  change(ctx: TaskContext<P>, plan: CheckResult): Promise<ChangeResult | void>;
}

/** Helps a task file declare itself with its parameter type checked. */
export function defineTask<P>(def: TaskDefinition<P>): TaskDefinition<P> {
  return def;
}
