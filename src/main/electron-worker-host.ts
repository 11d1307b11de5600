// Host windows for the WorkerHost (worker-host-core.ts) on Electron (docs/architecture.md "Processes", architecture.md "Service workers"): one hidden, sandboxed
// BrowserWindow per origin at https://<origin>/__push-agent__/host.html in the site's session, with the worker
// preload's bridge, registered with the IPC hub for that origin only.

import { BrowserWindow } from 'electron';
import type { Logger } from '../engine/ports.ts';
import { IpcChannel } from '../shared/ipc.ts';
import { WORKER_HOST_PAGE } from '../shared/worker-bridge.ts';
import type { IpcHub } from './ipc-hub.ts';
import type { SiteSessions } from './site-sessions.ts';
import type { HostWindow, HostWindowFactory } from './worker-host-core.ts';

export function electronHostWindows(opts: { hub: IpcHub; sessions: SiteSessions; preload: string; logger: Logger }): HostWindowFactory {
  return {
    async open(origin, bridge) {
      const win = new BrowserWindow({
        show: false,
        webPreferences: {
          session: opts.sessions.get(origin),
          preload: opts.preload,
          sandbox: true,
          contextIsolation: true,
          nodeIntegration: false,
          webviewTag: false,
          spellcheck: false,
          // Timers in a hidden window must run at full speed or deadlines mean nothing.
          backgroundThrottling: false,
        },
      });
      const contents = win.webContents;
      contents.setWindowOpenHandler(() => ({ action: 'deny' }));
      contents.on('will-navigate', (event) => event.preventDefault());
      const listeners = new Set<(why: 'crashed' | 'destroyed') => void>();
      const end = (why: 'crashed' | 'destroyed') => {
        for (const l of [...listeners]) l(why);
      };
      contents.on('render-process-gone', (_event, details) => {
        opts.logger.warn('worker host renderer gone', { reason: details.reason });
        end('crashed');
      });
      win.on('closed', () => end('destroyed'));
      opts.hub.registerWorker(contents, origin, bridge);
      try {
        await win.loadURL(`${origin}${WORKER_HOST_PAGE}`);
      } catch (err) {
        if (!win.isDestroyed()) win.destroy();
        throw new Error(`the worker host page did not load: ${(err as Error).message.split('\n')[0]}`);
      }
      const host: HostWindow = {
        dispatch: (id, request) => {
          if (!contents.isDestroyed()) contents.send(IpcChannel.workerDispatch, id, request);
        },
        onEnd: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        destroy: () => {
          if (!win.isDestroyed()) win.destroy();
        },
      };
      return host;
    },
  };
}
