// `list`, `status`, `subscribe`, `unsubscribe` done by the running `listen` (control-handlers.ts): the same output
// and exit codes as when the command works on the data dir itself.
import type { SubscriptionInfo } from '../engine/subscription-record.ts';
import type { Command } from './args.ts';
import { printList, printStatus, subscriptionOutput, type StatusReport } from './command-output.ts';
import type { ControlClient } from './control-client.ts';
import { ControlError } from './control-protocol.ts';

type RemoteCommand = Extract<Command, { name: 'list' | 'status' | 'subscribe' | 'unsubscribe' }>;

export async function runOnListener(
  cmd: RemoteCommand,
  client: ControlClient,
  io: { out: (line: string) => void; fail: (code: number, message: string) => never; step: (waitingFor: string) => void },
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
        return io.out(subscriptionOutput((await client.request('subscribe', args)) as Parameters<typeof subscriptionOutput>[0]));
      }
      case 'unsubscribe':
        io.step('the push service to unregister the endpoint');
        await client.request('unsubscribe', { id: cmd.id });
        return io.out(`unsubscribed ${cmd.id}`);
    }
  } catch (err) {
    // Every failure of these commands is exit 1, whichever process did the work.
    if (err instanceof ControlError) return io.fail(1, err.message);
    throw err;
  } finally {
    client.close();
  }
}
