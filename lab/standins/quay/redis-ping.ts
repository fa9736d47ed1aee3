/** Enough of the Redis protocol to prove a connection works: AUTH with the password, then PING. */
import { connect } from 'node:net';

function command(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Resolves when the server answers PONG; rejects with the server's own error otherwise. */
export function redisPing(host: string, port: number, password: string | undefined, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)));
    socket.on('error', fail);
    let buffered = '';
    const expected = password ? 2 : 1;
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const replies = buffered.split('\r\n').filter(Boolean);
      const error = replies.find((r) => r.startsWith('-'));
      if (error) return fail(new Error(error.slice(1)));
      if (replies.length >= expected) {
        socket.end();
        if (replies[expected - 1] === '+PONG') resolve();
        else reject(new Error(`unexpected reply ${replies[expected - 1]}`));
      }
    });
    socket.on('connect', () => socket.write((password ? command('AUTH', password) : '') + command('PING')));
  });
}
