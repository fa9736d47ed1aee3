import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from '../../engine/connection.ts';
import { executeTask, type TaskOutcome } from '../../engine/run/execute-task.ts';
import type { TaskDefinition } from '../../engine/task.ts';
import { LocalConnection } from '../../engine/connections/local.ts';

/** Runs one task on one connection the way the runner does (check, then change unless check mode). */
export function runTask<P, S>(
  def: TaskDefinition<P, S>,
  params: P,
  conn: Connection,
  opts: { check?: boolean; diff?: boolean; pending?: Set<string> } = {},
): Promise<TaskOutcome> {
  return executeTask(def, params, conn, {
    checkMode: opts.check ?? false,
    diffMode: opts.diff ?? false,
    pending: opts.pending ?? new Set(),
  });
}

export function localConnection(): Connection {
  return new LocalConnection('localhost');
}

export function tempDir(prefix = 'tackle-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
