import { readSync } from 'node:fs';

/**
 * One line typed on the terminal (stdin must be a TTY). `hidden` turns echo off (raw mode), as
 * for a password: nothing typed reaches the screen. `what` names the question for Ctrl-C.
 */
export function readTerminalLine(hidden: boolean, what: string): string {
  const stdin = process.stdin;
  if (hidden) stdin.setRawMode(true);
  const buf = Buffer.alloc(1);
  const bytes: number[] = [];
  try {
    for (;;) {
      const n = readByte(buf);
      if (n === 0) break;
      const byte = buf[0]!;
      if (byte === 0x0a || byte === 0x0d) break;
      if (byte === 0x03) throw new Error(`interrupted at ${what}`);
      if (byte === 0x7f || byte === 0x08) dropLastCharacter(bytes);
      else bytes.push(byte);
    }
  } finally {
    if (hidden) {
      stdin.setRawMode(false);
      process.stderr.write('\n');
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Node makes a terminal's stdin non-blocking: wait for the next key instead of failing with EAGAIN. */
function readByte(buf: Buffer): number {
  for (;;) {
    try {
      return readSync(0, buf, 0, 1, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** Backspace removes a whole UTF-8 character, not its last byte. */
function dropLastCharacter(bytes: number[]): void {
  while (bytes.length > 0 && (bytes[bytes.length - 1]! & 0xc0) === 0x80) bytes.pop();
  bytes.pop();
}
