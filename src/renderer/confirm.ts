// One modal confirmation dialog (the native <dialog>: focus trapped, Escape cancels, focus returns to the opener).

import { byId } from './dom.ts';

export function confirmAction(title: string, text: string, action: string): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>('confirm');
  byId('confirm-title').textContent = title;
  byId('confirm-text').textContent = text;
  byId('confirm-ok').textContent = action;
  const opener = document.activeElement as HTMLElement | null;
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        resolve(dialog.returnValue === 'ok');
        if (opener?.isConnected) opener.focus();
      },
      { once: true },
    );
    dialog.returnValue = 'cancel';
    dialog.showModal();
  });
}
