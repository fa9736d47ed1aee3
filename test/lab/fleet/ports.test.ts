import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { freeLoopbackPort } from '../../../lab/fleet/ports.ts';

// A port picked for a container is bound by podman seconds later; an outgoing connection made
// meanwhile takes its local port from ip_local_port_range, so a pick from that range could be
// taken before podman binds it ("bind: address already in use" in a CI run).

const [ephemeralStart] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) as [number];

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => resolve(server));
  });
}

test('picked ports lie below the range outgoing connections take their local ports from, and can be listened on', async () => {
  assert.ok(ephemeralStart > 12_000, `ip_local_port_range starts at ${ephemeralStart}: this test expects the Linux default (32768)`);
  const picks = new Set<number>();
  for (let i = 0; i < 40; i++) picks.add(await freeLoopbackPort());
  assert.equal(picks.size, 40, 'each pick is another port');
  for (const port of picks) assert.ok(port >= 10_000 && port < ephemeralStart, `port ${port} is outside 10000-${ephemeralStart - 1}`);
  const servers = await Promise.all([...picks].map(listen));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

test('a port something listens on is not picked', async () => {
  const held: Server[] = [];
  try {
    // Hold the next few ports the walk would reach: the pick skips them.
    const first = await freeLoopbackPort();
    for (let port = first + 1; port < first + 6 && port < ephemeralStart; port++) held.push(await listen(port).catch(() => createServer()));
    const next = await freeLoopbackPort();
    const heldPorts = held.map((s) => (s.address() as { port: number } | null)?.port).filter((p) => p !== undefined);
    assert.ok(!heldPorts.includes(next), `picked ${next}, which is listened on`);
    await listen(next).then((s) => new Promise((r) => s.close(r)));
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))));
  }
});
