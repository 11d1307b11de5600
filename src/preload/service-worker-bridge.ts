// The logic of the service-worker preload, without Electron (src/preload/service-worker.ts wires it): runs the
// service-worker script in the worker's main world with a send function as its channel, and connects that
// script's agent to main's messages. Main trusts nothing said here: it takes the origin from the session and the
// scope from ServiceWorkerMain.
import { SW_CHANNEL } from '../shared/service-worker-channel.ts';

/** The object src/worker/service-worker-script.ts's `install` returns (copied across worlds by contextBridge). */
export interface MainWorldAgent {
  dispatch(event: unknown): Promise<unknown>;
  reply(id: number, ok: boolean, value: unknown): void;
}

export interface PreloadTransport {
  /** contextBridge.executeInMainWorld */
  runInMainWorld(script: { func: (send: (json: string) => void) => unknown; args: unknown[] }): unknown;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (...args: unknown[]) => void): void;
}

export function connectServiceWorker(
  mainWorldScript: (send: (json: string) => void) => unknown,
  t: PreloadTransport,
): void {
  const agent = t.runInMainWorld({
    func: mainWorldScript,
    args: [(json: string) => t.send(SW_CHANNEL.call, String(json))],
  }) as MainWorldAgent | undefined;
  if (!agent || typeof agent.dispatch !== 'function') return;
  t.on(SW_CHANNEL.event, (id, event) => {
    if (typeof id !== 'number') return;
    Promise.resolve()
      .then(() => agent.dispatch(event))
      .then(
        (result) => t.send(SW_CHANNEL.outcome, id, result),
        (err: unknown) =>
          t.send(SW_CHANNEL.outcome, id, {
            status: 'error',
            code: 303,
            kind: 'bridge-error',
            message: String((err as Error)?.message ?? err).slice(0, 512),
          }),
      );
  });
  t.on(SW_CHANNEL.reply, (id, ok, value) => {
    if (typeof id === 'number') agent.reply(id, ok === true, value);
  });
}
