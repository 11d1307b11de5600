// Start at login on Linux: an XDG autostart entry (~/.config/autostart/<appId>.desktop), written or removed here.
// macOS and Windows use app.setLoginItemSettings instead (src/main/login-item.ts). Pure apart from the file
// system calls on the directory it is given, so it is unit-tested on a temporary directory.

import fs from 'node:fs';
import path from 'node:path';

export interface AutostartEntry {
  appId: string;
  name: string;
  /** The executable (process.execPath, or $APPIMAGE when running from an AppImage). */
  exec: string;
  args: string[];
  comment?: string;
}

/** The autostart directory: $XDG_CONFIG_HOME/autostart, else ~/.config/autostart. */
export function autostartDir(env: Record<string, string | undefined>, home: string): string {
  const config =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(config, 'autostart');
}

/** Quotes one Exec argument per the Desktop Entry spec (double quotes; `"`, `` ` ``, `$`, `\` escaped; `%` doubled). */
export function quoteExecArg(arg: string): string {
  const escaped = arg.replace(/%/g, '%%');
  if (!/[\s"'\\`$<>~|&;*?#()]/.test(escaped) && escaped.length > 0) return escaped;
  return `"${escaped.replace(/(["`$\\])/g, '\\$1')}"`;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

export function desktopEntry(e: AutostartEntry): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    `Name=${oneLine(e.name)}`,
    ...(e.comment ? [`Comment=${oneLine(e.comment)}`] : []),
    `Exec=${[e.exec, ...e.args].map(quoteExecArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export function autostartFile(dir: string, appId: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(appId)) throw new Error('appId is not a valid file name');
  return path.join(dir, `${appId}.desktop`);
}

/** Writes (enabled) or removes (disabled) the entry. Atomic: a half-written entry is never left behind. */
export function setAutostart(dir: string, entry: AutostartEntry, enabled: boolean): void {
  const file = autostartFile(dir, entry.appId);
  if (!enabled) {
    fs.rmSync(file, { force: true });
    return;
  }
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, desktopEntry(entry), { mode: 0o644 });
  fs.renameSync(tmp, file);
}

export function isAutostartEnabled(dir: string, appId: string): boolean {
  return fs.existsSync(autostartFile(dir, appId));
}
