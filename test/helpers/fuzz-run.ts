import { createServer, type Server } from 'node:net';
import { main } from '../../cli/main.ts';

/** A TCP listener that counts connections and drops them: inventory hosts point here. */
export interface ConnectionCounter {
  port: number;
  count(): number;
  close(): Promise<void>;
}

export async function startConnectionCounter(): Promise<ConnectionCounter> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('listener has no port');
  return {
    port: address.port,
    count: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the CLI's main() in this process with its output captured; fails after `timeoutMs`. */
export async function tackleInProcess(argv: string[], timeoutMs: number): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const io = { out: { write: (t: string) => (stdout += t), isTTY: false }, err: { write: (t: string) => (stderr += t) } };
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`tackle ${argv.join(' ').slice(0, 200)} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const code = await Promise.race([main(argv, io), timeout]);
    return { code, stdout, stderr, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}
