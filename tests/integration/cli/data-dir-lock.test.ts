// One process per data dir, decided by the kernel: real processes race for it, the owner is killed with SIGKILL.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DataDirLockedError, lockDataDir, lockOwner } from '../../../src/cli/data-dir-lock.ts';
import { tempDir } from '../../support/engine-harness.ts';

const RACER = new URL('../../support/lock-racer.ts', import.meta.url).pathname;

interface Racer {
  pid: number;
  ready: Promise<void>;
  go(): void;
  /** `owner <pid>` or `busy` (or whatever it printed before dying). */
  result: Promise<string>;
  exited: Promise<number | null>;
  kill9(): Promise<void>;
}

function racer(dir: string): Racer {
  const p = spawn(process.execPath, [RACER, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const lines = (): string[] => out.split('\n').filter(Boolean);
  let markReady = (): void => {};
  let settle = (_: string): void => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const result = new Promise<string>((resolve) => (settle = resolve));
  p.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    if (lines()[0] === 'ready') markReady();
    if (lines().length > 1) settle(lines()[1]!);
  });
  p.on('exit', () => {
    markReady();
    settle(lines()[1] ?? out.trim());
  });
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  return {
    pid: p.pid!,
    ready,
    go: () => p.stdin.write('go\n'),
    result,
    exited,
    async kill9() {
      p.kill('SIGKILL');
      await exited;
    },
  };
}

test('a held data dir refuses a second owner and names the holder; released, it is free', async () => {
  const dir = tempDir();
  assert.equal(await lockOwner(dir), null);
  const lock = await lockDataDir(dir);
  assert.equal(await lockOwner(dir), process.pid);
  await assert.rejects(
    lockDataDir(dir),
    (err: unknown) =>
      err instanceof DataDirLockedError && err.pid === process.pid && err.message.includes(`pid ${process.pid}`),
  );
  await lock.release();
  assert.equal(await lockOwner(dir), null);
  const again = await lockDataDir(dir);
  await again.release();
});

test('an old pid lock file naming a live, unrelated program does not block start-up', async () => {
  const dir = tempDir();
  // The format the previous lock wrote; pid 1 is always alive and never a push-agent.
  fs.writeFileSync(path.join(dir, 'lock'), '1');
  const lock = await lockDataDir(dir);
  assert.equal(await lockOwner(dir), process.pid);
  await lock.release();
});

const STARTS = Number(process.env.LOCK_RACE_STARTS ?? 500);
const PER_ROUND = 25;

test(`${STARTS} racing starts after kill -9 of the owner: never two owners`, { timeout: 600_000 }, async () => {
  const dir = tempDir();
  let owner = racer(dir);
  await owner.ready;
  owner.go();
  assert.match(await owner.result, /^owner /);
  let doubles = 0;
  let takeovers = 0;
  for (let started = 0; started < STARTS; started += PER_ROUND) {
    await owner.kill9();
    const round = Array.from({ length: Math.min(PER_ROUND, STARTS - started) }, () => racer(dir));
    // All loaded and waiting, then all at once: the contention a login session's autostart plus a terminal makes.
    await Promise.all(round.map((r) => r.ready));
    for (const r of round) r.go();
    const lines = await Promise.all(round.map((r) => r.result));
    const owners = round.filter((_, i) => lines[i]!.startsWith('owner '));
    for (const [i, r] of round.entries()) if (lines[i] === 'busy') assert.equal(await r.exited, 3);
    // Owners stay alive until killed, so two in one round would both be here.
    if (owners.length > 1) doubles++;
    assert.equal(owners.length, 1, `exactly one owner per round (${lines.join(', ')})`);
    assert.equal(await lockOwner(dir), owners[0]!.pid, 'status names the owner');
    takeovers++;
    owner = owners[0]!;
  }
  await owner.kill9();
  assert.equal(doubles, 0);
  assert.equal(takeovers, Math.ceil(STARTS / PER_ROUND));
  console.log(`data-dir lock: ${STARTS} racing starts in ${takeovers} rounds after kill -9, 0 double owners`);
});
