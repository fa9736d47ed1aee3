import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { hostname, userInfo } from 'node:os';
import { MAIN_HELP, RUN_HELP, VALIDATE_HELP } from './help.ts';
import { InputError, TackleError, ValidationFailed } from '../engine/errors.ts';
import type { Loaded } from '../engine/load/loader.ts';
import { parseSlice } from '../engine/load/slice.ts';
import { EXIT, runExitCode } from './exit-codes.ts';
import { limitFileTerms, retryHint, writeRetryFile } from './retry-file.ts';
import type { LimitTerm } from '../engine/load/host-pattern.ts';
import { askHidden } from './prompt.ts';
import { quickAnswer } from './quick-answers.ts';
import { connectionOptionVars, parseForks, parseLockWait, RUN_OPTIONS, sliceLimit, splitList } from './run-options.ts';

export { EXIT } from './exit-codes.ts';
export { tackleVersion } from './quick-answers.ts';


/** Who holds a host's run lock, for a second run to name: pid, user and controller, start time, playbook. */
export function runHolder(playbookFile: string): string {
  return `pid ${process.pid} of ${userInfo().username}@${hostname()}, started ${new Date().toISOString()}, playbook ${playbookFile}`;
}

/** Where the CLI writes; injectable so tests can run it in-process. */
export interface CliIo {
  out: { write(text: string): unknown; isTTY?: boolean; on?(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown };
  err: { write(text: string): unknown };
}

export async function main(argv: string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  const quick = quickAnswer(argv);
  if (quick) {
    io.out.write(quick.out);
    return quick.code;
  }
  const [command, ...rest] = argv;
  try {
    if (command !== 'report' && command !== 'vault') (await import('../engine/load/schema-validators.ts')).usePrecompiledValidators();
    switch (command) {
      case 'run':
        return await runCommand(rest, false, io);
      case 'validate':
        return await runCommand(rest, true, io);
      case 'inventory':
        return await (await import('./inventory.ts')).inventoryCommand(rest, io);
      case 'tags':
        return await (await import('./tags.ts')).tagsCommand(rest);
      case 'plan':
        return await (await import('./plan-command.ts')).planCommand(rest, io);
      case 'apply':
        return await (await import('./apply-command.ts')).applyCommand(rest, io);
      case 'report':
        return await (await import('./report-command.ts')).reportCommand(rest, io);
      case 'vault':
        return await (await import('./vault.ts')).vaultCommand(rest);
      default:
        io.err.write(`tackle: unknown command '${command}'\n\n${MAIN_HELP}`);
        return EXIT.invalid;
    }
  } catch (error) {
    return reportFatal(error, io);
  }
}

async function runCommand(args: string[], validateOnly: boolean, io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: RUN_OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    io.out.write(validateOnly ? VALIDATE_HELP : RUN_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    io.err.write(`tackle ${validateOnly ? 'validate' : 'run'}: expected exactly one PLAYBOOK, got ${positionals.length}\n`);
    return EXIT.invalid;
  }
  const forks = parseForks(values.forks);
  const lockWait = parseLockWait(values['lock-wait']);
  const playbookFile = positionals[0]!;
  const slice = values.slice === undefined ? undefined : parseSlice(values.slice);
  const listing = values['list-hosts'] || values['list-tasks'] || values['list-tags'];
  const checkOnly = validateOnly || listing || values['syntax-check'];
  const becomePassword = values['ask-become-pass'] && !checkOnly
    ? await askHidden('BECOME password: ', '-K (--ask-become-pass)', 'set ansible_become_password in a vault-encrypted vars file instead')
    : undefined;
  const connectionDefaults = connectionOptionVars(values, becomePassword);
  const {
    buildJsonReport, installInterruptHandler, loadAll, openConnection, ParamValidator, PlainReporter, ProgressReporter,
    maskByKey, playsMatchingNoHost, readVaultSecrets, renderRecap, runPlaybook, SecretMasker, selectHosts, taskRegistry, writeJsonReport,
  } = await import('./run-deps.ts');
  const registry = taskRegistry();
  const loaded = await loadAll({
    playbookFile,
    inventoryFile: values.inventory,
    extraVars: values['extra-vars'],
    registry,
    vaultSecrets: await readVaultSecrets({ files: values['vault-password-file'], ids: values['vault-id'], ask: values['ask-vault-pass'] }),
  });
  if (values['syntax-check']) {
    io.out.write(`\nplaybook: ${playbookFile}\n`);
    return EXIT.ok;
  }
  if (values.inventory.length > 0 && !values['allow-no-hosts'] && !listing) {
    const empty = playsMatchingNoHost(loaded);
    if (empty.length > 0) throw new ValidationFailed(empty);
  }
  const startAtTask = values['start-at-task'];
  if (startAtTask !== undefined && (await import('../engine/run/start-at-task.ts')).playStartingAt(loaded.playbook.plays, startAtTask) < 0) {
    throw new ValidationFailed([new InputError({ file: '--start-at-task', line: 1, col: 1 }, `no task of ${playbookFile} is named '${startAtTask}'`)]);
  }
  const limit = sliceLimit(loaded, slice, await resolveLimit(loaded, values.limit));
  const tags = splitList(values.tags);
  const skipTags = splitList(values['skip-tags']);

  if (listing) {
    const { listPlaybook } = await import('./list-playbook.ts');
    io.out.write(listPlaybook(loaded, { hosts: values['list-hosts'], tasks: values['list-tasks'], tags: values['list-tags'], limit, onlyTags: tags, skipTags }));
    return EXIT.ok;
  }
  if (validateOnly) {
    const hosts = new Set(loaded.playbook.plays.flatMap((p) => selectHosts(loaded.inventory, p.hosts)));
    const tasks = loaded.playbook.plays.reduce((n, p) => n + p.tasks.length + p.handlers.length, 0);
    io.out.write(`${playbookFile}: valid (${loaded.playbook.plays.length} plays, ${tasks} tasks, ${hosts.size} hosts)\n`);
    return EXIT.ok;
  }

  const masker = new SecretMasker([...loaded.secretValues, ...(becomePassword ? [becomePassword] : [])]);
  try {
    const interrupt = installInterruptHandler(io.err, EXIT.interrupted);
    // `tackle run ... | head`: once the reader is gone, print nothing more and stop as a Ctrl-C would.
    let outputOpen = true;
    io.out.on?.('error', (error) => {
      if (error.code !== 'EPIPE') return;
      outputOpen = false;
      interrupt.stopStarting('tackle: standard output was closed; finishing the tasks in flight, starting no new one\n');
    });
    const out = (line: string): void => void (outputOpen && io.out.write(masker.mask(line) + '\n'));
    const reporterOpts = { diff: values.diff, verbose: values.verbose.length > 0, checkMode: values.check };
    const reporter = io.out.isTTY && !values['no-progress'] ? new ProgressReporter(out, reporterOpts) : new PlainReporter(out, reporterOpts);

    const started = performance.now();
    if (values.check) out('CHECK MODE: nothing will be changed.');
    const summary = await runPlaybook(
      { loaded, registry, validator: new ParamValidator(), masker, reporter, openConnection, checkMode: values.check, runLock: values.check ? undefined : { holder: runHolder(playbookFile), waitSeconds: lockWait }, diffMode: values.diff, interrupted: interrupt.interrupted, connectionDefaults },
      { limit, tags, skipTags, forks, onHardStop: interrupt.onHardStop, forceHandlers: values['force-handlers'], startAtTask },
    );
    interrupt.remove();
    await reporter.end();
    out('\n' + renderRecap(summary.counts));
    if (values.report) {
      const identity = { playbook: playbookFile, inventory: values.inventory.length ? values.inventory.join(',') : undefined, slice, interrupted: summary.interrupted };
      await writeJsonReport(values.report, buildJsonReport(values.check, performance.now() - started, summary.counts, summary.results, identity));
    }
    if (summary.failedHosts.length > 0) {
      const retry = await writeRetryFile(playbookFile, summary.failedHosts, slice);
      out(`\n${retryHint(playbookFile, values.inventory, retry)}`);
    }
    return runExitCode(summary);
  } catch (error) {
    throw maskedError(error, (text) => masker.mask(maskByKey(text)));
  }
}

/** An error escaping the run shows (and with TACKLE_DEBUG prints its stack) only with its secrets masked. */
function maskedError(error: unknown, mask: (text: string) => string): unknown {
  if (error instanceof Error) {
    error.message = mask(error.message);
    if (error.stack) error.stack = mask(error.stack);
  }
  return error;
}

/**
 * --limit values to a host set; undefined when not limited. Every value (a pattern, or @FILE with
 * a host or pattern per line, as the retry file has) joins one pattern, so "--limit @FILE --limit '!db1'" narrows.
 */
export async function resolveLimit(loaded: Loaded, limits: string[]): Promise<Set<string> | undefined> {
  if (limits.length === 0) return undefined;
  const terms: LimitTerm[] = [];
  const isHost = (name: string): boolean => loaded.inventory.hosts.has(name);
  for (const limit of limits) {
    if (!limit.startsWith('@')) terms.push(limit);
    else {
      const text = await readFile(limit.slice(1), 'utf8');
      try {
        terms.push(...limitFileTerms(text, limit.slice(1), isHost));
      } catch (error) {
        throw error instanceof InputError ? new ValidationFailed([error]) : error;
      }
    }
  }
  const { selectHosts } = await import('./run-deps.ts');
  const hosts = new Set(selectHosts(loaded.inventory, terms));
  if (hosts.size === 0) {
    throw new ValidationFailed([new InputError({ file: '--limit', line: 1, col: 1 }, `'${limits.join(' ')}' matches no host of the inventory`)]);
  }
  return hosts;
}

function reportFatal(error: unknown, io: CliIo): number {
  if (error instanceof ValidationFailed) {
    for (const p of error.problems) io.err.write(p.message + '\n');
    io.err.write(`${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} found; nothing was run.\n`);
    return EXIT.invalid;
  }
  if (error instanceof TackleError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
    io.err.write(`tackle: ${error.message}\n`);
    return EXIT.invalid;
  }
  if (error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'EACCES')) {
    io.err.write(`tackle: ${error.message}\n`);
    return EXIT.invalid;
  }
  io.err.write(`tackle: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env['TACKLE_DEBUG'] && error instanceof Error) io.err.write(`${error.stack}\n`);
  return 1;
}
