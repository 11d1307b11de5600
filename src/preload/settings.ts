// The settings window's preload (sandboxed, bundled to one CJS file with only 'electron' external): exposes
// `window.pushAgent` and nothing else. ipcRenderer itself never reaches the page.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IpcChannel, type IpcResult } from '../shared/ipc.ts';
import { createSettingsBridge, plainApiError } from './settings-bridge.ts';

const bridge = createSettingsBridge(
  {
    invoke: (method, args) => ipcRenderer.invoke(IpcChannel.settingsCall, method, args) as Promise<IpcResult>,
    subscribe: (listener) => {
      const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
      ipcRenderer.on(IpcChannel.settingsEvent, handler);
      return () => {
        ipcRenderer.off(IpcChannel.settingsEvent, handler);
      };
    },
  },
  plainApiError,
);

contextBridge.exposeInMainWorld('pushAgent', bridge);
