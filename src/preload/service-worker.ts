// The service-worker preload (registered per site session with `ses.registerPreloadScript({type:
// 'service-worker'})`; one CJS bundle whose only require is 'electron'). Electron 45 APIs: contextBridge.
// executeInMainWorld (experimental, 35+) runs the service-worker script before the site's first statement;
// ipcRenderer talks to ServiceWorkerMain.ipc / .send in main (docs/api/context-bridge.md, service-worker-main.md).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import serviceWorkerScript from 'push-agent:service-worker-script';
import { connectServiceWorker } from './service-worker-bridge.ts';

connectServiceWorker(serviceWorkerScript, {
  runInMainWorld: (script) => contextBridge.executeInMainWorld(script),
  send: (channel, ...args) => ipcRenderer.send(channel, ...args),
  on: (channel, listener) =>
    void ipcRenderer.on(channel, (_event: IpcRendererEvent, ...args: unknown[]) => listener(...args)),
});
