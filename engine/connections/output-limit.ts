import { TackleError } from '../errors.ts';

/**
 * The most of a command's stdout, or of its stderr, that tackle keeps (and the largest file a
 * connection reads into memory for one): past it the command fails with OutputTooLargeError
 * instead of the controller running out of memory. Output this large belongs in a file on the host.
 */
export const MAX_COMMAND_OUTPUT_BYTES = 16 * 1024 * 1024;

/** The largest file a task reads into memory through a connection (to compare or parse it). */
export const MAX_FILE_READ_BYTES = 64 * 1024 * 1024;

/**
 * The largest file read as another user (become): it travels base64-encoded (4/3 of its size,
 * plus a newline every 76 characters) as a command's output, which is capped above.
 */
export const MAX_BECOME_READ_BYTES = 12_000_000;

export class FileTooLargeError extends TackleError {
  override name = 'FileTooLargeError';
  constructor(path: string, size: number, limit = `${MAX_FILE_READ_BYTES / (1024 * 1024)} MiB tackle reads into memory`) {
    super(`${path} is ${size} bytes, larger than the ${limit}`);
  }
}

export class OutputTooLargeError extends TackleError {
  override name = 'OutputTooLargeError';
  constructor(what: string) {
    super(`${what} is larger than ${MAX_COMMAND_OUTPUT_BYTES / (1024 * 1024)} MiB, the most tackle keeps of a command's output: send it to a file on the host instead`);
  }
}

/** A stream's chunks, up to the limit. */
export class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;

  /** false once the output passed the limit (the chunk that passed it is not kept). */
  add(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.bytes > MAX_COMMAND_OUTPUT_BYTES) return false;
    this.chunks.push(chunk);
    return true;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
