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
