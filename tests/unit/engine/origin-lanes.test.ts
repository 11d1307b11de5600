import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OriginLanes } from '../../../src/engine/origin-lanes.ts';

test('events of one origin run in order, one at a time; another origin does not wait; a failure does not block the lane', async () => {
  const lanes = new OriginLanes((origin) => ({ origin, running: 0, log: [] as string[] }));
  let releaseA!: () => void;
  const gate = new Promise<void>((r) => (releaseA = r));
  const order: string[] = [];
  const a1 = lanes.run('https://a.example', async (s) => {
    s.running++;
    await gate;
    order.push('a1');
    s.running--;
  });
  const a2 = lanes.run('https://a.example', async (s) => {
    assert.equal(s.running, 0, 'a2 starts only after a1 settled');
    order.push('a2');
    throw new Error('a2 fails');
  });
  const a3 = lanes.run('https://a.example', async () => order.push('a3'));
  await lanes.run('https://b.example', async () => order.push('b1'));
  assert.deepEqual(order, ['b1'], 'b ran while a1 was still waiting');
  releaseA();
  await a1;
  await assert.rejects(a2, /a2 fails/);
  await a3;
  assert.deepEqual(order, ['b1', 'a1', 'a2', 'a3']);
  assert.deepEqual(
    lanes
      .states()
      .map((s) => s.origin)
      .sort(),
    ['https://a.example', 'https://b.example'],
  );
});
