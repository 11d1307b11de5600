// The worker host's preload (sandboxed, one CJS bundle with only 'electron' external): provides
// `globalThis.pushAgentBridge` to the host page at https://<origin>/__push-agent__/host.html. The main process
// only answers this frame for the origin its window was created for (src/main/sender-policy.ts).

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IpcChannel, type IpcResult } from '../shared/ipc.ts';
import type { BridgeDispatch } from '../shared/worker-bridge.ts';
import { createWorkerBridge } from './worker-bridge.ts';

const bridge = createWorkerBridge({
  call: (method, args) => ipcRenderer.invoke(IpcChannel.workerCall, method, args) as Promise<IpcResult>,
  onDispatch: (listener) => {
    ipcRenderer.on(IpcChannel.workerDispatch, (_event: IpcRendererEvent, id: unknown, request: unknown) => {
      if (typeof id === 'number' && typeof request === 'object' && request !== null) listener(id, request as BridgeDispatch);
    });
  },
  reply: (id, outcome) => ipcRenderer.send(IpcChannel.workerOutcome, id, outcome),
});

contextBridge.exposeInMainWorld('pushAgentBridge', bridge);
