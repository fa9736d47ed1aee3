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

/**
 * What a check read, as labelled values (e.g. `"content of /etc/x.conf": "sha256:..."`): opaque to
 * readers, equal when nothing changed, and the labels that differ say what drifted. A saved plan
 * holds it; apply compares it with a fresh check's.
 */
export type Fingerprint = Record<string, string>;

interface CheckFindings {
  /** A change is needed (in --check: would change). */
  changed: boolean;
  /** Short reasons, e.g. "image differs", "SANs differ"; shown with -v and in the report. */
  reasons?: string[];
  diff?: FileDiff[];
  /** Values for `register:` (e.g. a command's output). */
  data?: Record<string, unknown>;
  /** The state this check read; give every label whose change would change the verdict or the change. */
  fingerprint?: Fingerprint;
  /**
   * A digest of the change this check plans (the desired state, without volatile parts such as
   * "valid until now + 365 days" and without secret values). Default: the masked diffs' after.
   */
  change?: string;
}

/**
 * What check() found, with the task's plan `state` (type S): whatever change() needs from the
 * probe, so it does not probe twice. Only a result that calls for a change must carry the plan;
 * a task whose plan can be absent even then (e.g. a --check answer) declares S with undefined.
 */
export type CheckResult<S = undefined> = (CheckFindings & { changed: false; state?: S }) | PlannedChange<S>;

/** A check result that calls for a change: what change() receives. */
export type PlannedChange<S = undefined> = CheckFindings & { changed: true } & PlanField<S>;

/** A plan that can be absent (S includes undefined) is optional; any other is required. */
type PlanField<S> = S extends undefined ? { state?: S } : { state: S };

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
export interface TaskDefinition<P = Record<string, unknown>, S = undefined> {
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
  /**
   * Where the task does its work: on the host (the default), or on the controller (e.g. calls to
   * an HTTP API), in which case the runner opens no connection to the host and `conn` refuses use.
   */
  runsOn?(params: P): TaskPlace;
  /** Paths this task writes, for check-mode dependency tracking. */
  outputs?(params: P): string[];
  /** Paths this task reads that an earlier task may produce. */
  inputs?(params: P): string[];
  /** Template files on the controller this task renders (names as written): validate reads them before any host. */
  templateFiles?(params: P): string[];
  check(ctx: TaskContext<P>): Promise<CheckResult<S>>;
  /** Receives check()'s result, its plan typed as check() made it. */
  change(ctx: TaskContext<P>, plan: PlannedChange<S>): Promise<ChangeResult | void>;
}

export type TaskPlace = 'host' | 'controller';

/** A task as the engine holds it: parameters and plan are the task's own business. */
export type AnyTaskDefinition = TaskDefinition<unknown, unknown>;

/** Helps a task file declare itself with its parameter and plan types checked. */
export function defineTask<P, S = undefined>(def: TaskDefinition<P, S>): TaskDefinition<P, S> {
  return def;
}
