import { test } from 'node:test';
import assert from 'node:assert/strict';
import { devShortcut } from '../../../src/main/windows-shortcut.ts';
import { APP_ID } from '../../../src/main/app-id.ts';

test('a development run gets a Start-menu shortcut carrying the AppUserModelID, pointing at this Electron and checkout', () => {
  const s = devShortcut({
    appData: 'C:\\Users\\ann\\AppData\\Roaming',
    execPath: 'C:\\src\\push-agent\\node_modules\\electron\\dist\\electron.exe',
    appPath: 'C:\\src\\push-agent',
    appId: APP_ID,
  });
  assert.equal(
    s.file,
    'C:\\Users\\ann\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Push Agent (development).lnk',
  );
  assert.deepEqual(s.details, {
    target: 'C:\\src\\push-agent\\node_modules\\electron\\dist\\electron.exe',
    args: '"C:\\src\\push-agent"',
    appUserModelId: 'org.pushagent.PushAgent',
    description: 'Push Agent, run from a development checkout',
  });
});
