// The logic of the worker host's preload, without Electron: `globalThis.pushAgentBridge`
// (src/shared/worker-bridge.ts) over three transport functions. src/preload/worker.ts wires them to ipcRenderer;
// tests wire them to a fake main in Chromium, under the real host page (tests/browser/preload-worker.test.ts).

import type { IpcResult, WorkerMethod } from '../shared/ipc.ts';
import type { BridgeDispatch, BridgeOutcome, WorkerBridge } from '../shared/worker-bridge.ts';

export interface WorkerTransport {
  call(method: WorkerMethod, args: unknown[]): Promise<IpcResult>;
  /** main -> page: one event to run, answered by `reply` with the same id. */
  onDispatch(listener: (dispatchId: number, request: BridgeDispatch) => void): void;
  reply(dispatchId: number, outcome: BridgeOutcome): void;
}

const bridgeError = (message: string): BridgeOutcome => ({ status: 'error', code: 303, kind: 'bridge-error', message });

export function createWorkerBridge(transport: WorkerTransport): WorkerBridge {
  let handler: ((request: BridgeDispatch) => Promise<BridgeOutcome>) | null = null;

  transport.onDispatch((id, request) => {
    const current = handler;
    if (!current) {
      transport.reply(id, bridgeError('host page not ready'));
      return;
    }
    let pending: Promise<BridgeOutcome>;
    try {
      pending = Promise.resolve(current(request));
    } catch (err) {
      pending = Promise.resolve(bridgeError(String((err as Error)?.message ?? err)));
    }
    pending.then(
      (outcome) => transport.reply(id, outcome),
      (err: unknown) => transport.reply(id, bridgeError(String((err as Error)?.message ?? err).slice(0, 512))),
    );
  });

  const call = async (method: WorkerMethod, args: unknown[]): Promise<unknown> => {
    const result = await transport.call(method, args);
    // Rejections carry only a message: the host page turns it into the TypeError the worker sees.
    if (!result || typeof result !== 'object') throw new Error('The app sent an unexpected answer.');
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  };

  return Object.freeze({
    showNotification: (title, options) => call('showNotification', [title, options]).then(() => undefined),
    getNotifications: (tag) => call('getNotifications', tag === undefined ? [] : [tag]) as ReturnType<WorkerBridge['getNotifications']>,
    openWindow: (url) => call('openWindow', [url]).then((v) => v === true),
    getSubscription: () => call('getSubscription', []) as ReturnType<WorkerBridge['getSubscription']>,
    onDispatch: (h) => {
      // The host page registers once, at load; later registrations are ignored so site code cannot take over.
      if (handler === null && typeof h === 'function') handler = h;
    },
  } satisfies WorkerBridge);
}
