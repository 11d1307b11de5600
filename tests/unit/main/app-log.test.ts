import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openAppLog } from '../../../src/main/app-log.ts';

test('the app log rotates by size and keeps only a few old files', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-log-'));
  const log = openAppLog(dir, { size: '10K', keep: 2 });
  const line = `${'x'.repeat(99)}\n`;
  // 60 KiB in 1 KiB bursts: six rotations' worth, with time for each rotation to happen.
  for (let i = 0; i < 60; i++) {
    for (let j = 0; j < 10; j++) log.write(line);
    await new Promise((r) => setImmediate(r));
  }
  await log.close();
  const files = fs.readdirSync(dir).sort();
  assert.deepEqual(files, ['main.log', 'main.log.1', 'main.log.2']);
  const total = files.reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
  assert.ok(total <= 3 * 11 * 1024, `bounded: ${total} bytes on disk for 60 KiB written`);
  for (const f of files) assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
});
