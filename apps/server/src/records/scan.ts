import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';

/**
 * The scanning hook every document that is not an image passes before it is stored. With ClamAV's
 * clamd configured (KAKEHASHI_CLAMD: `host:port`, or the path of its local socket), the bytes are
 * streamed to it with its INSTREAM command: `zINSTREAM\0`, then chunks each led by its length (4
 * bytes, big-endian), then a zero length; it answers `stream: OK`, `stream: <signature> FOUND` or
 * `<why> ERROR` (a stream over its StreamMaxLength, for one). Without clamd every file passes.
 */
export type ScanResult = { verdict: 'clean' } | { verdict: 'infected'; signature: string } | { verdict: 'unscannable'; detail: string };

export interface Scanner {
  scan(bytes: Readable): Promise<ScanResult>;
}

export const noScanner: Scanner = {
  async scan(bytes) {
    bytes.destroy();
    return { verdict: 'clean' };
  },
};

/** Thrown when clamd cannot be reached or stops answering: the job tries again later. */
export class ScannerUnavailableError extends Error {}

export function clamdScanner(address: string, timeoutMs = 120_000): Scanner {
  const port = /^(.+):(\d+)$/.exec(address);
  const open = (): Socket => (port ? connect({ host: port[1], port: Number(port[2]) }) : connect({ path: address }));

  /** Whether clamd answers PING. */
  const ping = () =>
    new Promise<boolean>((resolve) => {
      const socket = open();
      let reply = '';
      socket.setTimeout(timeoutMs, () => socket.destroy());
      socket.on('connect', () => socket.write('zPING\0'));
      socket.on('data', (d) => (reply += d.toString('utf8')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(reply.startsWith('PONG')));
    });

  return {
    scan(bytes) {
      return new Promise((resolve, reject) => {
        const socket = open();
        const reply: Buffer[] = [];
        let settled = false;
        const settle = (fn: () => void) => {
          if (settled) return;
          settled = true;
          bytes.destroy();
          socket.destroy();
          fn();
        };
        socket.setTimeout(timeoutMs, () => settle(() => reject(new ScannerUnavailableError('clamd did not answer in time'))));
        socket.on('error', (err: NodeJS.ErrnoException) => {
          const unavailable = () => reject(new ScannerUnavailableError(`clamd: ${err.message}`));
          // Closed while it was being sent the stream: either clamd refused it (a limit) before its
          // answer could be read, or it went away. Asked again, a clamd that answers refused it.
          if (err.code === 'EPIPE' || err.code === 'ECONNRESET') {
            settle(() => void ping().then((alive) => (alive ? resolve({ verdict: 'unscannable', detail: 'clamd closed the stream' }) : unavailable())));
          } else settle(unavailable);
        });
        const answer = () => settle(() => resolve(verdictOf(Buffer.concat(reply).toString('utf8'))));
        // A z-command's answer ends with a NUL: it may come before the stream ends (a limit passed).
        socket.on('data', (d) => {
          reply.push(d);
          if (d.includes(0)) answer();
        });
        socket.on('end', answer);
        bytes.on('error', (err) => settle(() => reject(err)));
        socket.on('connect', async () => {
          try {
            socket.write('zINSTREAM\0');
            for await (const chunk of bytes) {
              const length = Buffer.alloc(4);
              length.writeUInt32BE((chunk as Buffer).length);
              // Waits for the socket to drain, so a large file is never queued in memory.
              if (!socket.write(Buffer.concat([length, chunk as Buffer]))) await new Promise((r) => socket.once('drain', r));
              if (settled) return; // clamd answered early (a limit passed): its answer stands
            }
            socket.write(Buffer.alloc(4));
          } catch (err) {
            settle(() => reject(err));
          }
        });
      });
    },
  };
}

function verdictOf(reply: string): ScanResult {
  const text = reply.replace(/\0/g, '').trim();
  const found = /^stream: (.+) FOUND$/.exec(text);
  if (found) return { verdict: 'infected', signature: found[1] };
  if (text === 'stream: OK') return { verdict: 'clean' };
  return { verdict: 'unscannable', detail: text || 'no answer' };
}
