import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckSummary } from '../../../engine/report/check-summary.ts';
import type { HostTaskResult } from '../../../engine/report/events.ts';

const result = (host: string, task: string, status: HostTaskResult['status'], ignored = false): HostTaskResult => ({
  host, play: 'p', task, type: 'command', status, durationMs: 1, reasons: [], diff: [], ignored,
});

test('the --check summary lists, per play and batch, the tasks that would change on each host', () => {
  const s = new CheckSummary();
  s.playStart('prepare');
  s.batchStart(0, 1, ['web1', 'db1', 'db2']);
  s.hostResult(result('web1', 'config', 'changed'));
  s.hostResult(result('web1', 'config', 'changed')); // a handler-like repeat is listed once
  s.hostResult(result('db1', 'config', 'ok'));
  s.hostResult(result('db1', 'probe', 'failed', true));
  s.hostResult(result('db2', 'config', 'unreachable'));
  s.playStart('upgrade');
  s.batchStart(0, 2, ['web1', 'db1']);
  s.hostResult(result('web1', 'image', 'changed'));
  s.hostResult(result('db1', 'image', 'failed'));
  s.batchStart(1, 2, ['db2']);
  assert.deepEqual(s.lines(), [
    '',
    'WOULD CHANGE (check mode: nothing was changed)',
    'PLAY [prepare]',
    '  web1 : config',
    '  db1  : nothing to change',
    '  db2  : unreachable; nothing to change',
    'PLAY [upgrade]',
    '  batch 1/2: web1, db1',
    '    web1 : image',
    "    db1  : failed at 'image'; nothing to change",
    '  batch 2/2: db2',
    '    db2 : not run (failed earlier); nothing to change',
  ]);
  assert.deepEqual(new CheckSummary().lines(), []);
});

test('above 50 hosts a batch is named by count, first and last, and identical plans are one row each', () => {
  const s = new CheckSummary();
  s.playStart('fleet');
  const hosts = Array.from({ length: 60 }, (_, i) => `h${i}`);
  s.batchStart(0, 2, hosts);
  for (const h of hosts) s.hostResult(result(h, 'config', Number(h.slice(1)) < 25 ? 'changed' : 'ok'));
  s.hostResult(result('h59', 'probe', 'failed'));
  s.batchStart(1, 2, ['h60']);
  assert.deepEqual(s.lines(), [
    '',
    'WOULD CHANGE (check mode: nothing was changed)',
    'PLAY [fleet]',
    '  batch 1/2: 60 hosts (h0 ... h59)',
    '    34 hosts : nothing to change',
    '    25 hosts : config',
    `               ${hosts.slice(0, 20).join(', ')} and 5 more`,
    "      1 host : failed at 'probe'; nothing to change",
    '               h59',
    '  batch 2/2: h60',
    '    h60 : nothing to change',
  ]);
});
