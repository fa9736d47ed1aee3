import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from '../../engine/connection.ts';
import { executeTask, type TaskOutcome } from '../../engine/run/execute-task.ts';
import type { TaskDefinition } from '../../engine/task.ts';
import { LocalConnection } from '../../engine/connections/local.ts';
import { ParamValidator } from '../../engine/run/param-validator.ts';
import { prepareParams } from '../../engine/run/prepare-params.ts';

const validator = new ParamValidator();

/**
 * Runs one task on one connection the way the runner does: its parameters prepared by the
 * runner's step (omit stripped, schema defaults filled, validated; values taken as given, not
 * templated), then check, then change unless check mode.
 */
export async function runTask<P, S>(
  def: TaskDefinition<P, S>,
  params: Partial<P>,
  conn: Connection,
  opts: { check?: boolean; diff?: boolean; pending?: Set<string> } = {},
): Promise<TaskOutcome> {
  return executeTask(def, preparedParams(def, params), conn, {
    checkMode: opts.check ?? false,
    diffMode: opts.diff ?? false,
    pending: opts.pending ?? new Set(),
  });
}

/** The parameters as the runner's step hands them to the task (defaults filled, validated; not templated). */
export function preparedParams<P, S>(def: TaskDefinition<P, S>, params: Partial<P>): P {
  return prepareParams(def, params, validator, { render: (args) => args, where: `${def.name} (test call)` });
}

export function localConnection(): Connection {
  return new LocalConnection('localhost');
}

export function tempDir(prefix = 'tackle-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
