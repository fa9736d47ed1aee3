import { TaskError } from '../errors.ts';
import type { TaskDefinition } from '../task.ts';
import { stripOmitted } from '../template/vars.ts';
import type { ParamValidator } from './param-validator.ts';

export interface ParamPreparation {
  /** Templates the call's arguments: the runner renders them in the host's scope; a direct call takes them as they are. */
  render(args: unknown): unknown;
  /** Sees the templated values before the schema's defaults are added (no_log masks these; defaults are no secret). */
  templated?(params: Record<string, unknown>): void;
  /** Where the call stands (FILE:LINE:COL in a playbook), the prefix of every error. */
  where: string;
}

/**
 * The one way a task's parameters are made ready: template, strip `omit`, fill the schema's
 * `default:`s and validate. The runner and the task test harness both call it, so a task may
 * rely on every schema default being present.
 */
export function prepareParams<P, S>(def: TaskDefinition<P, S>, args: unknown, validator: ParamValidator, how: ParamPreparation): P {
  const params = stripOmitted(how.render(args));
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new TaskError(`${how.where}: parameters of '${def.name}' must template to a map, got ${Array.isArray(params) ? 'a list' : typeof params}`);
  }
  const record = params as Record<string, unknown>;
  how.templated?.(record);
  const problems = validator.validate(def, record);
  if (problems.length > 0) throw new TaskError(`${how.where}: after templating: ${problems.join('; ')}`);
  // The schema is what P describes: a value that passed it is the task's parameters.
  return record as P;
}
