import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPlanFile, wouldChangeCounts, writePlanFile, PlanFileError } from '../../../engine/plan/plan-file.ts';
import { examplePlan } from '../../helpers/plan-fixture.ts';

test('a plan file reads back as written, readable by its owner alone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tackle-plan-'));
  try {
    const file = join(dir, 'plan.json');
    await writePlanFile(file, examplePlan());
    assert.deepEqual(await readPlanFile(file), JSON.parse(JSON.stringify(examplePlan())));
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual([...wouldChangeCounts(examplePlan())], [['quay1', 0], ['quay2', 4], ['quay3', 0]]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a file that is not a plan of this version is refused with what is wrong', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tackle-plan-'));
  try {
    const file = join(dir, 'plan.json');
    await writeFile(file, JSON.stringify({ ...examplePlan(), version: 7 }));
    await assert.rejects(readPlanFile(file), (e: Error) => e instanceof PlanFileError && /version 7, expected 2/.test(e.message));
    await writeFile(file, '{"check": true}');
    await assert.rejects(readPlanFile(file), /format is not "tackle-plan"/);
    await writeFile(file, 'not json');
    await assert.rejects(readPlanFile(file), /not a plan file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
