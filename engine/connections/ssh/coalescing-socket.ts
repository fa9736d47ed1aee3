import type { Socket } from 'node:net';

/**
 * Makes a connected socket send what is written in one turn of the event loop with one system
 * call: ssh2 writes every SSH packet on its own, so requests asked for together (a check's
 * reads, a channel's window adjustment beside a request) went out as one write(2) each. The
 * socket is corked at the first write of a turn and uncorked once the turn's callbacks and
 * promise reactions have run (process.nextTick runs after them), so nothing waits past its turn.
 * Call it after connect(), which puts the socket's own write back.
 */
export function coalesceWrites(sock: Socket): void {
  const write = sock.write;
  let corkedThisTurn = false;
  sock.write = function (this: Socket, ...args: unknown[]): boolean {
    if (!corkedThisTurn) {
      corkedThisTurn = true;
      sock.cork();
      process.nextTick(() => {
        corkedThisTurn = false;
        sock.uncork();
      });
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Socket['write'];
}
