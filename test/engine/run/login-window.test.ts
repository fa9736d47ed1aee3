import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginWindow, type LoginWindowLimits } from '../../../engine/run/login-window.ts';

const LIMITS: LoginWindowLimits = { start: 16, min: 4, max: 64, fastMs: 1000, slowMs: 5000, sample: 8 };

/** A window on a clock the test moves, and a way to run logins that take a given time one after another. */
function windowOnClock(limits = LIMITS): { w: LoginWindow; clock: { t: number }; login: (ms: number) => Promise<void> } {
  const clock = { t: 0 };
  const w = new LoginWindow(limits, () => clock.t);
  const login = (ms: number): Promise<void> =>
    w.run(async () => {
      clock.t += ms;
    });
  return { w, clock, login };
}

describe('the login window', () => {
  test('never lets more logins run at once than its size, and lets the waiting ones in as others end', async () => {
    const { w } = windowOnClock();
    let inFlight = 0;
    let most = 0;
    const ends: (() => void)[] = [];
    const runs = Array.from({ length: 40 }, () =>
      w.run(async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise<void>((r) => ends.push(r));
        inFlight--;
      }),
    );
    await new Promise((r) => setImmediate(r));
    assert.equal(inFlight, 16);
    while (ends.length > 0) {
      ends.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(runs);
    assert.ok(most <= w.size, `${most} at once`);
    assert.equal(inFlight, 0);
  });

  test('quick logins widen it one by one, up to its maximum', async () => {
    const { w, login } = windowOnClock();
    for (let i = 0; i < 10; i++) await login(50);
    assert.equal(w.size, 26);
    for (let i = 0; i < 100; i++) await login(50);
    assert.equal(w.size, 64);
  });

  test('a slow median halves it once for the logins in flight, and again only for slow logins begun after', async () => {
    const { w, clock } = windowOnClock();
    const ends: (() => void)[] = [];
    const runs = Array.from({ length: 16 }, () => w.run(() => new Promise<void>((r) => ends.push(r))));
    await new Promise((r) => setImmediate(r));
    clock.t = 6000;
    for (const end of ends.splice(0)) end();
    await Promise.all(runs);
    assert.equal(w.size, 8, 'sixteen slow logins of one window halve it once');
    const login = (ms: number): Promise<void> => w.run(async () => void (clock.t += ms));
    for (let i = 0; i < 8; i++) await login(6000);
    assert.equal(w.size, 4);
    for (let i = 0; i < 16; i++) await login(6000);
    assert.equal(w.size, 4, 'never below its minimum');
  });

  test('a few slow hosts among quick ones do not narrow it', async () => {
    const { w, login } = windowOnClock();
    for (const ms of [6000, 20, 6000, 20, 20, 6000, 20, 20, 6000, 20, 20, 6000, 20, 20, 20]) await login(ms);
    assert.equal(w.size, 16 + 10);
  });

  test('a login that fails counts and frees its place', async () => {
    const { w } = windowOnClock({ ...LIMITS, start: 1 });
    await assert.rejects(w.run(() => Promise.reject(new Error('refused'))), /refused/);
    assert.equal(await w.run(() => Promise.resolve('next')), 'next');
  });
});
