import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DataDirLockedError, lockDataDir, lockOwner } from '../../../src/cli/data-dir-lock.ts';
import { tempDir } from '../../support/engine-harness.ts';

test('a live lock refuses; a stale one (its process is gone) is taken over', () => {
  const dir = tempDir();
  const lock = lockDataDir(dir);
  assert.equal(lockOwner(dir), process.pid);
  assert.throws(() => lockDataDir(dir), DataDirLockedError);
  lock.release();
  assert.equal(lockOwner(dir), null);
  fs.writeFileSync(path.join(dir, 'lock'), '999999999');
  const again = lockDataDir(dir);
  assert.equal(lockOwner(dir), process.pid);
  again.release();
});
