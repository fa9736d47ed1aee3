import type { ExecResult } from '../../engine/connection.ts';
import { digest } from '../shared/fingerprint.ts';
import { CommandError, TaskError } from '../../engine/errors.ts';
import { defineTask, type CheckResult, type PlannedChange, type TaskContext } from '../../engine/task.ts';
import { inspectContainer, pendingContainerKey, podman, podmanOf, podmanPathSchema, type ContainerInfo, type Podman } from './cli.ts';
import { envFileBody, envValues } from './container-spec.ts';
import { ENV_NAME } from './podmanRun.ts';
import { withTargetTempDir } from '../../engine/exec-helpers.ts';
import { argvSchema } from '../shared/words.ts';

export interface PodmanExecParams {
  container: string;
  argv?: string[];
  shell?: string;
  unless?: string[];
  unlessOutputContains?: string;
  changedWhen: 'always' | { outputContains: string };
  user?: string;
  env?: Record<string, string | number | boolean>;
  stdin?: string;
  podmanPath: string;
}

const EXEC_TIMEOUT_MS = 30 * 60_000;

function commandOf(p: PodmanExecParams): string[] {
  if (p.argv && p.shell !== undefined) throw new TaskError('podmanExec: give argv or shell, not both');
  if (p.argv) return p.argv;
  if (p.shell !== undefined) return ['sh', '-c', p.shell];
  throw new TaskError('podmanExec: argv or shell is required');
}

/** `podman exec` with the task's user and env; env values travel in a 0600 env file, never on podman's command line. */
async function execInContainer(pm: Podman, p: PodmanExecParams, argv: readonly string[], stdin?: string): Promise<ExecResult> {
  const run = (envFile: string | null) => {
    const args = ['exec'];
    if (stdin !== undefined) args.push('-i');
    if (p.user !== undefined) args.push('--user', p.user);
    if (envFile !== null) args.push('--env-file', envFile);
    args.push(p.container, ...argv);
    return podman(pm, args, { input: stdin, timeoutMs: EXEC_TIMEOUT_MS, okCodes: [...Array(256).keys()] });
  };
  const body = envFileBody(envValues(p.env));
  if (body === null) return run(null);
  return withTargetTempDir(pm.conn, async (dir) => {
    await pm.conn.writeFile(`${dir}/env`, body, { mode: 0o600 });
    return run(`${dir}/env`);
  });
}

function outputOf(r: ExecResult): Record<string, unknown> {
  return { rc: r.code, stdout: r.stdout, stderr: r.stderr };
}

async function runCommand(pm: Podman, p: PodmanExecParams): Promise<ExecResult> {
  const argv = commandOf(p);
  const r = await execInContainer(pm, p, argv, p.stdin);
  if (r.code !== 0) throw new CommandError([pm.path, 'exec', p.container, ...argv], r.code, r.stderr || r.stdout);
  return r;
}

/** The command's result when check() had to run it to learn whether it changed anything. */
type AlreadyRan = ExecResult | undefined;

async function check(ctx: TaskContext<PodmanExecParams>): Promise<CheckResult<AlreadyRan>> {
  const pm = podmanOf(ctx.conn, ctx.params.podmanPath);
  const info = await inspectContainer(pm, ctx.params.container);
  const { result, probe } = await probeExec(ctx, pm, info);
  // The image, not the container ID: a unit with --new (and every reboot) re-creates the container, which is no drift.
  const container = info ? `image ${info.Image} ${info.State.Running ? 'running' : 'stopped'}` : 'absent';
  const fingerprint = { [`container ${ctx.params.container}`]: container, ...(probe ? { unless: digest(`${probe.code}\n${probe.stdout}`) } : {}) };
  return { ...result, fingerprint };
}

async function probeExec(ctx: TaskContext<PodmanExecParams>, pm: Podman, info: ContainerInfo | null): Promise<{ result: CheckResult<AlreadyRan>; probe?: ExecResult }> {
  const result = (r: CheckResult<AlreadyRan>, probe?: ExecResult) => ({ result: r, ...(probe ? { probe } : {}) });
  const p = ctx.params;
  commandOf(p);
  if (!info?.State.Running) {
    if (ctx.checkMode && ctx.pendingChange(pendingContainerKey(p.container))) {
      return result({ changed: true, reasons: [`would run: container ${p.container} would be (re)started by an earlier task`] });
    }
    throw new TaskError(`container ${p.container} ${info ? `is not running (${info.State.Status})` : 'does not exist'} on ${ctx.host}`);
  }
  const probe = p.unless ? await execInContainer(pm, p, p.unless) : undefined;
  if (probe) {
    const done = probe.code === 0 && (p.unlessOutputContains === undefined || probe.stdout.includes(p.unlessOutputContains));
    if (done) return result({ changed: false, reasons: ['unless: probe says done'], data: { probe: outputOf(probe) } }, probe);
  }
  if (ctx.checkMode) return result({ changed: true, reasons: ['would run'] }, probe);
  const when = p.changedWhen;
  if (when === 'always') return result({ changed: true, reasons: ['runs'] }, probe);
  // Only the output tells whether it changed anything, so the command runs here.
  const r = await runCommand(pm, p);
  const changed = `${r.stdout}${r.stderr}`.includes(when.outputContains);
  return result({ changed, reasons: [changed ? 'output shows a change' : 'output shows no change'], data: outputOf(r), state: r }, probe);
}

async function change(ctx: TaskContext<PodmanExecParams>, plan: PlannedChange<AlreadyRan>) {
  if (plan.state) return { message: 'ran' };
  const r = await runCommand(podmanOf(ctx.conn, ctx.params.podmanPath), ctx.params);
  return { message: 'ran', data: outputOf(r) };
}

export default defineTask<PodmanExecParams, AlreadyRan>({
  name: 'podmanExec',
  summary: 'Runs a command inside a running container, unless a probe in the container says it is already done.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['container'],
    properties: {
      container: { type: 'string', pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]*$', description: 'Name (or ID) of a running container; never read as a podman option.' },
      argv: argvSchema('The command as an argument list (no shell). Give argv or shell.'),
      shell: { type: 'string', minLength: 1, description: 'A command line run with `sh -c` inside the container. Give argv or shell.' },
      unless: argvSchema('A probe (argument list) run in the container first; when it exits 0 the command is skipped. Runs in --check too.'),
      unlessOutputContains: {
        type: 'string',
        description: "With unless: skip only when the probe exits 0 AND its stdout contains this text (for probes like psql -tAc \"select 1 ...\" that always exit 0).",
      },
      changedWhen: {
        default: 'always',
        description: 'always: changed whenever the command ran. {outputContains: TEXT}: changed only when its output contains TEXT.',
        anyOf: [
          { const: 'always' },
          {
            type: 'object',
            additionalProperties: false,
            required: ['outputContains'],
            properties: { outputContains: { type: 'string', minLength: 1, description: 'Text in stdout or stderr that means a change.' } },
          },
        ],
      },
      user: { type: 'string', minLength: 1, description: 'podman exec --user.' },
      env: {
        type: 'object',
        propertyNames: ENV_NAME,
        additionalProperties: { type: ['string', 'number', 'boolean'] },
        description:
          'Extra environment variables for the command (and the unless probe), passed through a 0600 env file (podman exec --env-file), never on a command line; a value with a line break is refused.',
      },
      stdin: { type: 'string', description: "Text fed to the command's standard input." },
      podmanPath: podmanPathSchema,
    },
  },
  secretParams: ['env', 'stdin'],
  inputs: (p) => [pendingContainerKey(p.container)],
  check,
  change,
});
