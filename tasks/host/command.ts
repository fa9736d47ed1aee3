import type { Connection, ExecOptions } from '../../engine/connection.ts';
import { digest } from '../shared/fingerprint.ts';
import { TaskError } from '../../engine/errors.ts';
import { defineTask, type CheckResult } from '../../engine/task.ts';
import { programNotFound } from '../../engine/exec-helpers.ts';
import { argvSchema } from '../shared/words.ts';

export interface CommandParams {
  argv?: string[];
  shell?: string;
  creates?: string;
  removes?: string;
  unless?: string[];
  onlyIf?: string[];
  chdir?: string;
  env?: Record<string, string>;
  stdin?: string;
  okCodes: number[];
  changedWhen: 'always' | 'never';
  timeout?: number;
}

interface Ran {
  stdout: string;
  stderr: string;
  rc: number;
}

const STDERR_TAIL_LINES = 5;

export default defineTask<CommandParams>({
  name: 'command',
  summary: 'Runs a program (an argv, or a shell string only when asked) unless its guards say it is not needed.',
  schema: {
    type: 'object',
    additionalProperties: false,
    oneOf: [{ required: ['argv'] }, { required: ['shell'] }],
    properties: {
      argv: argvSchema('Program and arguments. No shell: each element reaches the program as one argument, whatever it contains.'),
      shell: { type: 'string', description: 'A script run with `sh -c`, for pipes and redirections. Use instead of `argv`.' },
      creates: { type: 'string', pattern: '^/', description: 'Skip when this absolute path exists on the target.' },
      removes: { type: 'string', pattern: '^/', description: 'Skip when this absolute path does not exist on the target.' },
      unless: argvSchema('Probe argv: skip when it exits 0. Runs in check mode too, so it must only read.'),
      onlyIf: argvSchema('Probe argv: run only when it exits 0. Runs in check mode too, so it must only read.'),
      chdir: { type: 'string', pattern: '^/', description: 'Working directory (absolute) for the command and its probes.' },
      env: { type: 'object', additionalProperties: { type: 'string' }, description: 'Extra environment variables.' },
      stdin: { type: 'string', description: 'Text fed to the command on stdin.' },
      okCodes: { type: 'array', items: { type: 'integer' }, default: [0], description: 'Exit codes that count as success.' },
      changedWhen: {
        enum: ['always', 'never'],
        default: 'always',
        description:
          '`always`: the task is changed whenever the command runs; in check mode it does not run (only the guards are evaluated). `never`: a read-only query (e.g. a probe whose result later tasks use): it runs in check mode too and is always reported ok.',
      },
      timeout: { type: 'number', exclusiveMinimum: 0, description: 'Seconds before the command is killed (no limit when omitted).' },
    },
  },
  outputs: (p) => (p.creates ? [p.creates] : []),

  async check(ctx): Promise<CheckResult> {
    const p = ctx.params;
    const argv = commandArgv(p);
    const skip = await skipReason(ctx.conn, p, ctx.pendingChange.bind(ctx));
    if (skip) return { changed: false, reasons: [skip], data: { skipped: true, reason: skip }, fingerprint: { guard: skip } };
    // A declared read-only query runs in check mode too, so later tasks can use its result.
    if (p.changedWhen === 'never') {
      const ran = await runCommand(ctx.conn, argv, p);
      return { changed: false, reasons: ['ran (changedWhen: never)'], data: { ...ran }, fingerprint: { output: digest(`${ran.rc}\n${ran.stdout}`) } };
    }
    return { changed: true, reasons: [`${ctx.checkMode ? 'would run' : 'runs'}: ${argv.join(' ')}`], fingerprint: { guard: 'none holds: runs' } };
  },

  async change(ctx) {
    const ran = await runCommand(ctx.conn, commandArgv(ctx.params), ctx.params);
    return { message: `rc=${ran.rc}`, data: { ...ran } };
  },
});

function commandArgv(p: CommandParams): string[] {
  if ((p.argv === undefined) === (p.shell === undefined)) throw new TaskError('command needs exactly one of `argv` and `shell`');
  if (p.argv && p.argv.length === 0) throw new TaskError('command: `argv` is empty');
  return p.shell !== undefined ? ['sh', '-c', p.shell] : p.argv!;
}

function execOptions(p: CommandParams): ExecOptions {
  return {
    ...(p.chdir !== undefined ? { cwd: p.chdir } : {}),
    ...(p.env ? { env: p.env } : {}),
    ...(p.timeout !== undefined ? { timeoutMs: Math.round(p.timeout * 1000) } : {}),
  };
}

/** Why the command is not needed, or undefined when it should run. */
async function skipReason(conn: Connection, p: CommandParams, pending: (path: string) => boolean): Promise<string | undefined> {
  if (p.creates !== undefined && (await conn.stat(p.creates))) return `${p.creates} exists`;
  // A path or working directory an earlier task would create (check mode) cannot be probed yet.
  if (p.removes !== undefined && pending(p.removes)) return undefined;
  if (p.chdir !== undefined && pending(p.chdir)) return undefined;
  if (p.removes !== undefined && !(await conn.stat(p.removes))) return `${p.removes} does not exist`;
  if (p.unless) {
    const r = await conn.exec(p.unless, execOptions(p));
    if (r.code === 0) return `unless: ${p.unless.join(' ')} exited 0`;
  }
  if (p.onlyIf) {
    const r = await conn.exec(p.onlyIf, execOptions(p));
    if (r.code !== 0) return `onlyIf: ${p.onlyIf.join(' ')} exited ${r.code}`;
  }
  return undefined;
}

async function runCommand(conn: Connection, argv: string[], p: CommandParams): Promise<Ran> {
  // The user's own command, even when a check runs it: never bounded as a probe.
  const r = await conn.exec(argv, { ...execOptions(p), probe: false, ...(p.stdin !== undefined ? { input: p.stdin } : {}) });
  const okCodes = p.okCodes;
  if (!okCodes.includes(r.code)) {
    const tail = r.stderr.trimEnd().split('\n').slice(-STDERR_TAIL_LINES).join('\n');
    const what = programNotFound(r) ? ' (program not found)' : '';
    throw new TaskError(`${argv[0]} exited ${r.code}${what}${tail ? `:\n${tail}` : ''}`);
  }
  return { stdout: stripFinalNewline(r.stdout), stderr: stripFinalNewline(r.stderr), rc: r.code };
}

/** Like a shell's $(...), so a registered value templates cleanly. */
function stripFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}
