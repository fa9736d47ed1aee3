import type { Connection, ExecOptions, ExecResult } from './connection.ts';
import { CommandError } from './errors.ts';

/** exec() that requires exit code 0 (or one of okCodes). */
export async function run(
  conn: Connection,
  argv: readonly string[],
  opts: ExecOptions & { okCodes?: readonly number[] } = {},
): Promise<ExecResult> {
  const result = await conn.exec(argv, opts);
  const ok = opts.okCodes ?? [0];
  if (!ok.includes(result.code)) throw new CommandError(argv, result.code, result.stderr);
  return result;
}

/** Reads a file as UTF-8 text, or null when missing. */
export async function readText(conn: Connection, path: string): Promise<string | null> {
  const buf = await conn.readFile(path);
  return buf === null ? null : buf.toString('utf8');
}
