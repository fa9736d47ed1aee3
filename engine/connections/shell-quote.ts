import { TackleError } from '../errors.ts';

/** An argv element that no command line can carry (a NUL byte ends a C string). */
export class UnsafeArgumentError extends TackleError {
  override name = 'UnsafeArgumentError';
}

/** Throws unless argv is non-empty and free of NUL bytes. Every connection checks this before running. */
export function assertValidArgv(argv: readonly string[]): void {
  if (argv.length === 0) throw new UnsafeArgumentError('empty argv: nothing to run');
  argv.forEach((arg, i) => {
    if (typeof arg !== 'string') throw new UnsafeArgumentError(`argv[${i}] is not a string`);
    if (arg.includes('\0')) throw new UnsafeArgumentError(`argv[${i}] contains a NUL byte, which cannot be passed to a program`);
  });
}

/**
 * One word for a POSIX shell: single quotes make every byte literal, and a single quote
 * itself is written as '\'' (close, escaped quote, reopen).
 */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new UnsafeArgumentError('argument contains a NUL byte, which cannot be passed to a program');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line that a POSIX shell splits back into exactly argv. */
export function quoteArgv(argv: readonly string[]): string {
  assertValidArgv(argv);
  return argv.map(quoteArg).join(' ');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** argv prefix `env -- K=V ...` that sets variables for the command (names are checked, values quoted later). */
export function envPrefix(env: Readonly<Record<string, string>> | undefined): string[] {
  const entries = Object.entries(env ?? {});
  if (entries.length === 0) return [];
  for (const [name] of entries) {
    if (!ENV_NAME.test(name)) throw new UnsafeArgumentError(`invalid environment variable name: ${JSON.stringify(name)}`);
  }
  return ['env', '--', ...entries.map(([k, v]) => `${k}=${v}`)];
}

/**
 * The full remote command line for argv with optional env and cwd, every part quoted. The
 * program is exec'd so it keeps the shell's pid (and its process group, which a timeout kills).
 * `launcher` is trusted shell text placed before the program (e.g. a setsid call), never user input.
 */
export function commandLine(
  argv: readonly string[],
  opts: { env?: Readonly<Record<string, string>>; cwd?: string } = {},
  launcher?: string,
): string {
  const quoted = quoteArgv([...envPrefix(opts.env), ...argv]);
  const line = launcher ? `exec ${launcher} ${quoted}` : `exec ${quoted}`;
  return opts.cwd === undefined ? line : `cd -- ${quoteArg(opts.cwd)} && ${line}`;
}
