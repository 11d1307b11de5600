// The site window's preload (sandboxed, one CJS bundle with only 'electron' external): exposes the site bridge as
// `globalThis.pushAgentSite`, then runs the in-page Push API in the main world before the site's own scripts.
// The origin is bound by main to the window; nothing here says which origin is speaking.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import pageScript from 'push-agent:page-script';
import { IpcChannel } from '../shared/ipc.ts';
import { SITE_BRIDGE_GLOBAL } from '../shared/site-bridge.ts';
import { createSiteBridge } from './site-bridge.ts';

const bridge = createSiteBridge({
  call: (method, args) => ipcRenderer.invoke(IpcChannel.siteCall, method, args),
  onMessage: (listener) => {
    ipcRenderer.on(IpcChannel.siteMessage, (_event: IpcRendererEvent, message: unknown) => listener(message));
  },
});

contextBridge.exposeInMainWorld(SITE_BRIDGE_GLOBAL, bridge);
contextBridge.executeInMainWorld({ func: pageScript });
