// How this launch is configured, from argv and the environment (pure, unit-tested):
//   --service=<ws(s) URL | local> or PUSH_AGENT_SERVICE_URL   push service (else the stored preference, else
//                                                     Mozilla's); 'local' = the push service embedded in the app
//   --hidden                                          start in the tray only (login items pass it)
//   --open-site=<url> or PUSH_AGENT_OPEN_SITE         open a site window at start (`npm run dev`'s demo site)
//   PUSH_AGENT_DATA_DIR                               data directory instead of userData (tests, dev)
//   PUSH_AGENT_DEV=1                                  development: icons over http on loopback are accepted
// Anything invalid is ignored with a warning rather than trusted.

import { checkServiceUrl as validServiceUrl } from '../shared/preferences.ts';
import { siteOrigin } from './url-policy.ts';

export const DEFAULT_SERVICE_URL = 'wss://push.services.mozilla.com/';

export interface LaunchConfig {
  /** Explicit service URL for this launch; null = use the stored preference or the default. */
  serviceUrl: string | null;
  hidden: boolean;
  openSite: string | null;
  dataDir: string | null;
  dev: boolean;
  warnings: string[];
}

function flag(argv: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  const hit = argv.find((a) => a.startsWith(prefix));
  return hit?.slice(prefix.length);
}

function validService(value: string | undefined): string | null {
  if (value === undefined) return null;
  try {
    return validServiceUrl(value);
  } catch {
    return null;
  }
}

export function parseLaunch(argv: readonly string[], env: Record<string, string | undefined>): LaunchConfig {
  const warnings: string[] = [];
  const rawService = flag(argv, 'service') ?? env.PUSH_AGENT_SERVICE_URL;
  const serviceUrl = validService(rawService);
  if (rawService !== undefined && !serviceUrl)
    warnings.push("ignored an invalid push service URL (must be ws:// or wss://, or 'local')");
  const rawSite = flag(argv, 'open-site') ?? env.PUSH_AGENT_OPEN_SITE;
  const openSite = rawSite !== undefined && siteOrigin(rawSite) ? new URL(rawSite).href : null;
  if (rawSite !== undefined && !openSite)
    warnings.push('ignored an invalid site URL (must be https, or http on loopback)');
  const dataDir = env.PUSH_AGENT_DATA_DIR && env.PUSH_AGENT_DATA_DIR.length > 0 ? env.PUSH_AGENT_DATA_DIR : null;
  return {
    serviceUrl,
    hidden: argv.includes('--hidden'),
    openSite,
    dataDir,
    dev: env.PUSH_AGENT_DEV === '1',
    warnings,
  };
}

/**
 * The service for this launch: explicit, else the stored preference (validated), else the default. A URL, or
 * 'local' (EMBEDDED_SERVICE): main starts the embedded push service and gives the engine its URL.
 */
export function chooseServiceUrl(explicit: string | null, storedPreferences: unknown): string {
  if (explicit) return explicit;
  const stored =
    typeof storedPreferences === 'object' && storedPreferences !== null
      ? (storedPreferences as { serviceUrl?: unknown }).serviceUrl
      : undefined;
  return (typeof stored === 'string' ? validService(stored) : null) ?? DEFAULT_SERVICE_URL;
}
