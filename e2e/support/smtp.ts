import fs from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

/** The run's SMTP server refuses every recipient at this domain for now (451). */
export const GREYLIST_DOMAIN = 'greylist.example.org';
/** …and refuses every recipient at this one for good (550 unknown mailbox). */
export const REFUSED_DOMAIN = 'refused.example.org';

export interface TestSmtp {
  port: number;
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback for the run: every message is written raw to `dir` as
 * `<n>.eml`, beside `<n>.json` with the envelope. Each file appears whole (written under a
 * temporary name, then renamed), so a reader never sees half a message.
 */
export async function startTestSmtp(dir: string, port = 0): Promise<TestSmtp> {
  fs.mkdirSync(dir, { recursive: true });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // A mail server that says "not now" (a temporary 451, as greylisting does) to one domain, so the
    // outbox's waiting and retrying can be seen: every address at greylist.example.org.
    onRcptTo(address, _session, callback) {
      if (address.address.toLowerCase().endsWith(`@${GREYLIST_DOMAIN}`)) {
        return callback(Object.assign(new Error('Greylisted, please try again later (test server)'), { responseCode: 451 }));
      }
      if (address.address.toLowerCase().endsWith(`@${REFUSED_DOMAIN}`)) {
        return callback(Object.assign(new Error('5.1.1 Mailbox unknown (test server)'), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        try {
          const name = String(++count).padStart(6, '0');
          const envelope = {
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            receivedAt: new Date().toISOString(),
          };
          fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(envelope));
          fs.writeFileSync(path.join(dir, `${name}.eml.part`), Buffer.concat(chunks));
          fs.renameSync(path.join(dir, `${name}.eml.part`), path.join(dir, `${name}.eml`));
          callback();
        } catch (err) {
          callback(err as Error);
        }
      });
    },
  });
  server.listen(port, '127.0.0.1');
  await Promise.race([
    once(server.server, 'listening'),
    once(server, 'error').then(([err]) => {
      throw err;
    }),
  ]);
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
