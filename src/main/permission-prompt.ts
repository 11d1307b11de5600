// The app's own notification prompt for a site (docs/architecture.md "Security model"): a native dialog, "Block" by
// default.
import { BrowserWindow, dialog } from 'electron';
import type { PermissionPrompt } from '../engine/site-permissions.ts';

export const dialogPermissionPrompt: PermissionPrompt = async (origin) => {
  const options = {
    type: 'question' as const,
    buttons: ['Allow', 'Block'],
    defaultId: 1,
    cancelId: 1,
    title: 'Notifications',
    message: `${new URL(origin).host} wants to send you notifications`,
    detail: 'Push Agent will show its notifications even when no window is open. You can change this in Settings.',
    noLink: true,
  };
  const parent = BrowserWindow.getFocusedWindow();
  const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
  return response === 0;
};
