// The one lookup of the Chromium binary, shared by the headless host, `npm test`'s preflight and the tests that
// launch Chromium: `$PUSH_AGENT_BROWSER` when set, otherwise `chromium` or `chromium-browser` on the PATH.
import fs from 'node:fs';
import path from 'node:path';

/** The Debian package that provides the browser, named in every "not found" message. */
export const BROWSER_PACKAGE = 'chromium';

export class BrowserNotFoundError extends Error {
  override name = 'BrowserNotFoundError';
  readonly kind = 'browser-not-found';
  readonly package = BROWSER_PACKAGE;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first of `names` found as an executable file on `$PATH`, or null. */
export function findExecutable(names: readonly string[], env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (isExecutableFile(file)) return file;
    }
  }
  return null;
}

/** Path of the Chromium binary to launch; throws BrowserNotFoundError saying what to install. */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.PUSH_AGENT_BROWSER;
  if (override) {
    if (isExecutableFile(override)) return path.resolve(override);
    throw new BrowserNotFoundError(
      `PUSH_AGENT_BROWSER is '${override}', which is not an executable file; point it at a Chromium binary or install one (sudo apt-get install ${BROWSER_PACKAGE})`,
    );
  }
  const found = findExecutable(['chromium', 'chromium-browser'], env);
  if (found) return found;
  throw new BrowserNotFoundError(
    `no Chromium found (neither chromium nor chromium-browser is on the PATH); install it (sudo apt-get install ${BROWSER_PACKAGE}) or set PUSH_AGENT_BROWSER`,
  );
}
