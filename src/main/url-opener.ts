// The UrlOpener port: the user's default browser, for http(s) URLs only (docs/architecture.md "Notifications").
import { shell } from 'electron';
import type { UrlOpener } from '../engine/ports.ts';
import { externalUrl } from './url-policy.ts';

export class RefusedUrlError extends Error {
  readonly kind = 'refused-url';
}

export const electronUrlOpener: UrlOpener = {
  async open(url) {
    const safe = externalUrl(url);
    if (!safe) throw new RefusedUrlError('only http(s) URLs are opened');
    await shell.openExternal(safe, { activate: true });
  },
};
