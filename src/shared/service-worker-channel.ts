// The IPC channels between main (src/main/service-worker-host.ts, over ServiceWorkerMain.send / .ipc) and the
// service-worker preload (src/preload/service-worker.ts, over ipcRenderer).
export const SW_CHANNEL = {
  /** main -> worker: (dispatchId, event) */
  event: 'push-agent:sw:event',
  /** worker -> main: (dispatchId, result) */
  outcome: 'push-agent:sw:outcome',
  /**
   * worker -> main: (json) a call of the service-worker script, `{id, method, args}`; method `unregistered` has id 0
   */
  call: 'push-agent:sw:call',
  /** main -> worker: (id, ok, value) */
  reply: 'push-agent:sw:reply',
} as const;
