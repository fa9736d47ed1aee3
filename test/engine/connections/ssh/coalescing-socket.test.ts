import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, Socket, type AddressInfo } from 'node:net';
import { coalesceWrites } from '../../../../engine/connections/ssh/coalescing-socket.ts';

/** Counts the socket's hand-offs to the OS (each _write or _writev is one write(2)/writev(2)). */
function countSends(sock: Socket): () => number {
  let sends = 0;
  const inner = sock as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const write = inner._write.bind(sock);
  const writev = inner._writev.bind(sock);
  inner._write = (...a) => (sends++, write(...a));
  inner._writev = (...a) => (sends++, writev(...a));
  return () => sends;
}

test('what is written in one turn goes out in one send, and all of it arrives in order', async () => {
  const received: Buffer[] = [];
  let gotAll: () => void;
  const all = new Promise<void>((r) => (gotAll = r));
  const server = createServer((peer) => {
    peer.on('data', (d: Buffer) => {
      received.push(d);
      if (Buffer.concat(received).length === 'onetwothreefour'.length) gotAll();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sock = new Socket();
  const connected = new Promise<void>((r) => sock.connect((server.address() as AddressInfo).port, '127.0.0.1', r));
  coalesceWrites(sock);
  await connected;
  const sends = countSends(sock);
  try {
    sock.write('one');
    sock.write(Buffer.from('two'));
    await Promise.resolve(); // a promise reaction of the same turn
    sock.write('three', 'latin1');
    await new Promise((r) => setImmediate(r));
    assert.equal(sends(), 1, 'three writes of one turn took more than one send');
    sock.write('four');
    await all;
    assert.equal(Buffer.concat(received).toString(), 'onetwothreefour');
    assert.equal(sends(), 2);
  } finally {
    sock.destroy();
    await new Promise((r) => server.close(r));
  }
});
