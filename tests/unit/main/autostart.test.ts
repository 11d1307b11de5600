import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  autostartDir,
  autostartFile,
  desktopEntry,
  isAutostartEnabled,
  quoteExecArg,
  setAutostart,
} from '../../../src/main/autostart.ts';

const entry = {
  appId: 'org.pushagent.PushAgent',
  name: 'Push Agent',
  exec: '/opt/Push Agent/push-agent',
  args: ['--hidden'],
  comment: 'Web Push\nnotifications',
};

test('the XDG autostart directory follows XDG_CONFIG_HOME when it is absolute', () => {
  assert.equal(autostartDir({ XDG_CONFIG_HOME: '/cfg' }, '/home/u'), '/cfg/autostart');
  assert.equal(autostartDir({ XDG_CONFIG_HOME: 'relative' }, '/home/u'), '/home/u/.config/autostart');
  assert.equal(autostartDir({}, '/home/u'), '/home/u/.config/autostart');
});

test('Exec arguments are quoted per the Desktop Entry spec', () => {
  assert.equal(quoteExecArg('/usr/bin/app'), '/usr/bin/app');
  assert.equal(quoteExecArg('/opt/Push Agent/app'), '"/opt/Push Agent/app"');
  assert.equal(quoteExecArg('a"b$c`d\\e'), '"a\\"b\\$c\\`d\\\\e"');
  assert.equal(quoteExecArg('100%'), '100%%');
  assert.equal(quoteExecArg(''), '""');
});

test('the entry starts the app hidden and cannot be broken by newlines in its fields', () => {
  const text = desktopEntry(entry);
  assert.match(text, /^\[Desktop Entry\]\nType=Application\n/);
  assert.match(text, /\nExec="\/opt\/Push Agent\/push-agent" --hidden\n/);
  assert.match(text, /\nComment=Web Push notifications\n/);
  assert.equal(text.split('\n').filter((l) => l.startsWith('[')).length, 1);
});

test('enabling writes the entry, disabling removes it, both idempotent', () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'autostart-')), 'autostart');
  assert.equal(isAutostartEnabled(dir, entry.appId), false);
  setAutostart(dir, entry, true);
  setAutostart(dir, entry, true);
  assert.equal(isAutostartEnabled(dir, entry.appId), true);
  assert.equal(fs.readFileSync(autostartFile(dir, entry.appId), 'utf8'), desktopEntry(entry));
  assert.deepEqual(fs.readdirSync(dir), ['org.pushagent.PushAgent.desktop']);
  setAutostart(dir, entry, false);
  setAutostart(dir, entry, false);
  assert.equal(isAutostartEnabled(dir, entry.appId), false);
  assert.throws(() => autostartFile(dir, '../evil'));
});
