// `list`, `status`, `subscribe`, `unsubscribe`, `site add|list|remove` done by the running `listen`
// (control-handlers.ts): the same output
// and exit codes as when the command works on the data dir itself.
import type { SubscriptionInfo } from '../engine/subscription-record.ts';
import type { Command } from './args.ts';
import { printList, printStatus, subscriptionOutput, type StatusReport } from './command-output.ts';
import type { ControlClient } from './control-client.ts';
import { ControlError } from './control-protocol.ts';
import { printSiteAdd, printSiteList, removedLine, type SiteLine } from './site-commands.ts';
import { notificationPrompt, withdrawQuestions } from './terminal-prompt.ts';

type RemoteCommand = Exclude<Command, { name: 'help' | 'version' | 'send' | 'listen' }>;

export async function runOnListener(
  cmd: RemoteCommand,
  client: ControlClient,
  io: {
    out: (line: string) => void;
    err: (line: string) => void;
    fail: (code: number, message: string) => never;
    step: (waitingFor: string) => void;
  },
): Promise<void> {
  try {
    switch (cmd.name) {
      case 'list':
        return printList((await client.request('list')) as SubscriptionInfo[], cmd.json, io.out);
      case 'status':
        return printStatus((await client.request('status')) as StatusReport, cmd.json, io.out);
      case 'subscribe': {
        io.step('the push service to register the endpoint');
        const args = { label: cmd.label, applicationServerKey: cmd.applicationServerKey, origin: cmd.origin };
        return io.out(
          subscriptionOutput((await client.request('subscribe', args)) as Parameters<typeof subscriptionOutput>[0]),
        );
      }
      case 'unsubscribe':
        io.step('the push service to unregister the endpoint');
        await client.request('unsubscribe', { id: cmd.id });
        return io.out(`unsubscribed ${cmd.id}`);
      case 'site-list':
        return printSiteList((await client.request('site-list')) as SiteLine[], cmd.json, io.out);
      case 'site-add': {
        ignoredBrowser(cmd.browser, io.err);
        // The site's notification request is asked here, on this command's terminal, as without listen.
        const args = {
          url: cmd.url,
          headless: cmd.headless,
          allowNotifications: cmd.allowNotifications,
          prompt: !cmd.allowNotifications,
          closeAfterMs: cmd.closeAfterSeconds === null ? null : cmd.closeAfterSeconds * 1000,
        };
        const result = await client
          .request('site-add', args, { onAsk: (q) => notificationPrompt(q.origin) })
          .finally(withdrawQuestions);
        return printSiteAdd(result as { origin: string; subscriptions: SiteLine[] }, io.out, io.err);
      }
      case 'site-remove': {
        ignoredBrowser(cmd.browser, io.err);
        io.step('the push service to unregister the endpoints');
        const r = (await client.request('site-remove', { origin: cmd.origin })) as { origin: string; removed: number };
        return io.out(removedLine(r));
      }
    }
  } catch (err) {
    // Every failure of these commands is exit 1, whichever process did the work.
    if (err instanceof ControlError) return io.fail(1, err.message);
    throw err;
  } finally {
    client.close();
  }
}

/** --browser names the browser of a one-shot run; a running listen has its own, already running or configured. */
function ignoredBrowser(browser: string | null, err: (line: string) => void): void {
  if (browser !== null) err('push-agent: --browser is ignored: the running listen uses its own browser');
}
