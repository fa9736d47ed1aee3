/** Typed errors. Anything that comes from user input carries FILE:LINE:COL. */

export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

export class TackleError extends Error {
  override name = 'TackleError';
}

/** One problem in a playbook, inventory or vars file. */
export class InputError extends TackleError {
  override name = 'InputError';
  constructor(
    readonly pos: SourcePos,
    readonly detail: string,
  ) {
    super(`${formatPos(pos)}: ${detail}`);
  }
}

/** Every problem found before any host is contacted; the CLI exits 5. */
export class ValidationFailed extends TackleError {
  override name = 'ValidationFailed';
  constructor(readonly problems: InputError[]) {
    super(problems.map((p) => p.message).join('\n'));
  }
}

/** Transport failure: the host is unreachable (connect refused, auth, host key, dropped). */
export class ConnectionError extends TackleError {
  override name = 'ConnectionError';
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(`${host}: ${message}`);
  }
}

export class HostKeyError extends ConnectionError {
  override name = 'HostKeyError';
}

export class TimeoutError extends TackleError {
  override name = 'TimeoutError';
}

/** A command that exited non-zero where success was required. */
export class CommandError extends TackleError {
  override name = 'CommandError';
  constructor(
    readonly argv: readonly string[],
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`${argv[0]} exited ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
  }
}

/** A task's own, expected failure (bad state on the host, bad parameter after templating). */
export class TaskError extends TackleError {
  override name = 'TaskError';
}
