// Ubuntu 23.10 and later (AppArmor's `apparmor_restrict_unprivileged_userns`) deny the unprivileged user namespaces
// Chromium's sandbox uses, unless an AppArmor profile allows them for that binary. Chromium then falls back to the
// setuid `chrome-sandbox` helper, which in node_modules is not owned by root, and aborts with "The SUID sandbox
// helper binary was found, but is not configured correctly" (electron/electron#41066, #42510). This decides,
// before starting Electron, whether that will happen and what to do. Turning the sandbox off is never offered as a
// silent fallback: it exposes every site window to a renderer exploit.
import fs from 'node:fs';
import path from 'node:path';

export interface SandboxProbe {
  /** Contents of /proc/sys/kernel/apparmor_restrict_unprivileged_userns, or null when absent. */
  restrictUserns: string | null;
  /** Contents of /proc/sys/kernel/unprivileged_userns_clone (older Debian kernels), or null when absent. */
  usernsClone: string | null;
  /** Owner and mode of the chrome-sandbox helper next to the binary, or null when absent. */
  helper: { uid: number; mode: number } | null;
  /** True when some file under /etc/apparmor.d names the binary (a profile that may allow `userns`). */
  profileNamesBinary: boolean;
}

export function probeSandbox(binary: string, root = '/'): SandboxProbe {
  const read = (file: string) => {
    try {
      return fs.readFileSync(path.join(root, file), 'utf8').trim();
    } catch {
      return null;
    }
  };
  let helper: SandboxProbe['helper'] = null;
  try {
    const st = fs.statSync(path.join(path.dirname(binary), 'chrome-sandbox'));
    helper = { uid: st.uid, mode: st.mode & 0o7777 };
  } catch {
    helper = null;
  }
  let profileNamesBinary = false;
  try {
    const dir = path.join(root, 'etc/apparmor.d');
    for (const name of fs.readdirSync(dir)) {
      const text = read(path.join('etc/apparmor.d', name));
      if (text?.includes(binary)) {
        profileNamesBinary = true;
        break;
      }
    }
  } catch {
    profileNamesBinary = false;
  }
  return {
    restrictUserns: read('proc/sys/kernel/apparmor_restrict_unprivileged_userns'),
    usernsClone: read('proc/sys/kernel/unprivileged_userns_clone'),
    helper,
    profileNamesBinary,
  };
}

/** Null when Chromium's sandbox can start; otherwise the lines to print instead of starting Electron. */
export function sandboxProblem(binary: string, probe: SandboxProbe): string[] | null {
  const usernsDenied = probe.restrictUserns === '1' || probe.usernsClone === '0';
  if (!usernsDenied) return null;
  const helperReady = probe.helper !== null && probe.helper.uid === 0 && (probe.helper.mode & 0o4000) !== 0;
  if (helperReady || probe.profileNamesBinary) return null;
  const helperPath = path.join(path.dirname(binary), 'chrome-sandbox');
  return [
    "Electron would abort here: this system denies unprivileged user namespaces (AppArmor's",
    'apparmor_restrict_unprivileged_userns, Ubuntu 23.10 and later) and its setuid sandbox helper is not set up.',
    'Either make the helper setuid root (once per Electron install):',
    `  sudo chown root:root '${helperPath}' && sudo chmod 4755 '${helperPath}'`,
    'or give this Electron binary an AppArmor profile that allows user namespaces (docs/packaging.md shows one).',
    'The sandbox is not turned off for you: running without it exposes the app to any site it opens.',
  ];
}
