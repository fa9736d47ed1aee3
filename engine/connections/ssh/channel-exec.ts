import { BoundedOutput, MAX_COMMAND_OUTPUT_BYTES, OutputTooLargeError } from '../output-limit.ts';
import type { Client, ClientChannel } from 'ssh2';
import type { ExecOptions, ExecResult, HoldOutcome, HoldStart } from '../../connection.ts';
import { ReadyLineWatch, RELEASE_WAIT_MS, within } from '../held-command.ts';
import { ConnectionError, TimeoutError } from '../../errors.ts';
import { commandLine } from '../shell-quote.ts';
import { killGroupScript } from './kill-group.ts';

/**
 * One SSH exec channel per command: the fallback when no persistent remote shell can run, and
 * the way out when every pooled shell is busy and a timed-out command must be killed. Each
 * channel pays for the login shell (sshd runs `$SHELL -c`, which may source ~/.bashrc).
 */

/** Exit code for a command killed by a signal, as a shell reports it. */
const SIGNAL_NUMBERS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ABRT: 6, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15 };

type ChannelInternals = {
  outgoing?: { id?: number; state?: string };
  _client?: { _protocol?: { signal(id: number, name: string): void } };
};

/**
 * Sends an SSH "signal" request (OpenSSH kills the command's process group). ssh2's own
 * channel.signal() refuses once stdin was ended, which every exec does, so this goes one level down.
 */
function signalChannel(channel: ClientChannel, name: string): void {
  const ch = channel as unknown as ChannelInternals;
  const id = ch.outgoing?.id;
  const protocol = ch._client?._protocol;
  const state = ch.outgoing?.state;
  if (id === undefined || !protocol || (state !== 'open' && state !== 'eof')) return;
  try {
    protocol.signal(id, name);
  } catch {
    // Closing the channel below still ends the call.
  }
}

const PID_PREFIX = 'tackle-pid:';
const ANNOUNCE_PID = `printf '${PID_PREFIX}%s\\n' "$$" >&2;`;

function announcedPid(stderr: string): number | undefined {
  const m = new RegExp(`^${PID_PREFIX}(\\d+)\\n`).exec(stderr);
  return m ? Number(m[1]) : undefined;
}

function stripPidLine(stderr: string): string {
  return stderr.startsWith(PID_PREFIX) ? stderr.slice(stderr.indexOf('\n') + 1) : stderr;
}

/** Ends process group `pid` (see kill-group.ts). */
export function killGroupArgv(pid: number): string[] {
  return ['sh', '-c', killGroupScript('$1'), 'tackle-kill', String(pid)];
}

/** What a channel exec needs from its connection. */
export interface ChannelHost {
  readonly client: Client;
  readonly hostName: string;
  /** Calls fn if the connection drops; returns the function that stops watching. */
  watchDrop(fn: (reason: string) => void): () => void;
  isDropped(): boolean;
}

/** The one way a remote command call ends: first of result, timeout or dropped connection. */
export interface CallSettlement {
  readonly settled: boolean;
  /** Runs fn once, the first time any caller settles; clears the timer and stops watching the connection. */
  finish(fn: () => void): void;
  setTimer(timer: NodeJS.Timeout): void;
}

/** Settles a remote command call once; a dropped connection rejects it with a ConnectionError. */
export function settleOnce(host: ChannelHost, program: string, reject: (e: Error) => void): CallSettlement {
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (fn: () => void): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    unwatch();
    fn();
  };
  const unwatch = host.watchDrop((reason) => finish(() => reject(new ConnectionError(host.hostName, `${reason} while running ${program}`))));
  return {
    get settled() {
      return settled;
    },
    finish,
    setTimer: (t) => (timer = t),
  };
}

/**
 * The remote command line for a channel exec. With a timeout the shell first reports its pid
 * (= process group: sshd runs each command in its own session), so the whole group can be
 * killed: OpenSSH ignores signal requests on root logins.
 */
export function channelCommandLine(argv: readonly string[], opts: ExecOptions, timeoutMs: number | undefined): string {
  const line = commandLine(argv, opts);
  return timeoutMs ? `${ANNOUNCE_PID} ${line}` : line;
}

export function execOverChannel(
  host: ChannelHost,
  line: string,
  program: string,
  input: string | Buffer | undefined,
  timeoutMs: number | undefined,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    let channel: ClientChannel | undefined;
    const errOut: Buffer[] = [];
    const call = settleOnce(host, program, reject);
    const finish = call.finish;
    if (timeoutMs) {
      call.setTimer(setTimeout(() => {
        timedOut = true;
        const pid = announcedPid(Buffer.concat(errOut).toString('utf8'));
        const ch = channel;
        const error = new TimeoutError(`${host.hostName}: ${program} timed out after ${timeoutMs} ms`);
        if (ch) signalChannel(ch, 'KILL');
        void killGroupOverChannel(host, pid).finally(() => {
          ch?.close();
          finish(() => reject(error));
        });
      }, timeoutMs));
    }
    host.client.exec(line, (err, ch) => {
      if (err) {
        finish(() => reject(new ConnectionError(host.hostName, `cannot start ${program}: ${err.message}`)));
        return;
      }
      if (call.settled) {
        ch.close();
        return;
      }
      channel = ch;
      const out = new BoundedOutput();
      let errBytes = 0;
      let code: number | undefined;
      const tooLarge = (stream: string): void => {
        signalChannel(ch, 'KILL');
        ch.close();
        finish(() => reject(new OutputTooLargeError(`the ${stream} of ${program}`)));
      };
      ch.on('data', (d: Buffer) => out.add(d) || tooLarge('stdout'));
      ch.stderr.on('data', (d: Buffer) => {
        errBytes += d.length;
        if (errBytes > MAX_COMMAND_OUTPUT_BYTES) tooLarge('stderr');
        else errOut.push(d);
      });
      ch.on('exit', (exitCode: number | null, signal?: string) => {
        code = exitCode ?? 128 + (SIGNAL_NUMBERS[signal ?? ''] ?? 0);
      });
      ch.on('close', () => {
        if (timedOut) return; // the timeout path rejects once the group is killed
        const exit = code;
        if (exit === undefined) {
          finish(() => reject(new ConnectionError(host.hostName, `${program} ended without an exit status (connection lost?)`)));
          return;
        }
        let stderr = Buffer.concat(errOut).toString('utf8');
        if (timeoutMs) stderr = stripPidLine(stderr);
        finish(() => resolve({ code: exit, stdout: out.text(), stderr }));
      });
      ch.on('error', () => {}); // 'close' follows and decides
      ch.end(input ?? '');
    });
  });
}

/** Kills process group `pid` through a fresh channel; never throws. */
export async function killGroupOverChannel(host: ChannelHost, pid: number | undefined): Promise<void> {
  if (pid === undefined || host.isDropped()) return;
  await execOverChannel(host, commandLine(killGroupArgv(pid)), 'kill', undefined, 5000).catch(() => {});
}

/**
 * A command on its own channel that keeps running (Connection.hold): `held` once it prints
 * `readyLine`; release() sends EOF on its stdin and waits for the channel to close.
 */
/**
 * Starts a held command on a channel of its own. An `abandon` signal closes that channel: a
 * command that has not printed yet dies at its first line (its output has nowhere to go).
 */
export function holdOverChannel(host: ChannelHost, line: string, program: string, readyLine: string, start?: HoldStart, abandon?: AbortSignal): Promise<HoldOutcome> {
  return new Promise((resolve, reject) => {
    const call = settleOnce(host, program, reject);
    const abandoned = (): void => call.finish(() => reject(new ConnectionError(host.hostName, `${program} was abandoned before it started`)));
    abandon?.addEventListener('abort', abandoned, { once: true });
    host.client.exec(line, (err, ch) => {
      if (err) {
        call.finish(() => reject(new ConnectionError(host.hostName, `cannot start ${program}: ${err.message}`)));
        return;
      }
      if (abandon?.aborted) {
        ch.close();
        return;
      }
      abandon?.addEventListener('abort', () => ch.close(), { once: true });
      const closed = new Promise<void>((r) => ch.on('close', () => r()));
      let code: number | undefined;
      const watch = new ReadyLineWatch(readyLine, (outcome) => call.finish(() => resolve(outcome)), async () => {
        try {
          ch.end();
        } catch {
          // the connection is gone, and the command with it
        }
        await within(closed, RELEASE_WAIT_MS);
        ch.close();
      }, start);
      ch.on('data', (d: Buffer) => {
        if (!abandon?.aborted) watch.onStdout(d);
      });
      ch.stderr.on('data', (d: Buffer) => watch.onStderr(d));
      ch.on('exit', (exitCode: number | null, signal?: string) => {
        code = exitCode ?? 128 + (SIGNAL_NUMBERS[signal ?? ''] ?? 0);
      });
      ch.on('error', () => {}); // 'close' follows and decides
      ch.on('close', () => {
        if (code === undefined) call.finish(() => reject(new ConnectionError(host.hostName, `${program} ended without an exit status (connection lost?)`)));
        else watch.onEnd(code);
      });
    });
  });
}
