/**
 * An emulated long, lossy link (the China–Japan path) as a TCP proxy, for the benches only: the
 * Linux `netem` queueing discipline is not available on these machines, so the link is emulated in
 * the process, between the client (Chromium, or a plain HTTP client) and the server.
 *
 * The model, each direction on its own (full duplex):
 *   - Latency: every byte arrives `rttMs / 2` after it leaves the link (one-way delay, both ways).
 *   - The link's rate `mbit`, shared by every connection: a byte occupies the link for 8/rate
 *     seconds, and bytes of different connections take the link in the order they arrive (FIFO).
 *   - Each connection is capped at what one TCP stream achieves at this loss and round trip
 *     (Mathis et al. 1997): rate ≤ MSS / RTT × C / √p, with C = √(3/2) ≈ 1.22. With MSS 1460 B,
 *     RTT 100 ms and p = 0.5 % that is ≈ 252 KB/s ≈ 2.0 Mbit/s. Loss itself is not emulated (no
 *     byte is dropped: TCP would send it again below the application); its only effect is this cap.
 *     Slow start is not modelled: a connection runs at its cap from its first byte.
 *   - A new connection's first bytes wait one round trip (the TCP handshake).
 *   - Flow control: at most `window` bytes wait in the link per connection and direction (a TCP
 *     window); the sending socket is paused beyond, so the sender does not run ahead of the link.
 *   - Forced disconnects: when the bytes delivered upstream (client → server, counted as they come
 *     out of the link, HTTP headers included) cross each of `disconnectAt`, every open connection is
 *     reset on both sides; bytes still in the link are lost, as a cut path loses them.
 *
 * Counters: bytes delivered each way, connections opened, the disconnects (when, at what count).
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LinkOptions {
  /** Where the proxy forwards to. */
  target: { host: string; port: number };
  rttMs: number;
  mbit: number;
  /** Packet loss rate (0.005 = 0.5 %): only through the per-connection Mathis cap. */
  loss: number;
  mss?: number;
  /** Upstream byte counts at which every connection is reset (each once, in order). */
  disconnectAt?: number[];
  /** Bytes that may wait in the link per connection and direction. */
  window?: number;
}

/** One TCP stream's rate in bytes a second at this loss and round trip (Mathis: MSS/RTT × 1.22/√p). */
export function mathisBytesPerSecond(mss: number, rttMs: number, loss: number): number {
  if (loss <= 0) return Infinity;
  return (mss / (rttMs / 1000)) * (Math.sqrt(1.5) / Math.sqrt(loss));
}

/** The emulation's clock: every TICK_MS the link's and the connections' allowances are shared out. */
const TICK_MS = 4;
/**
 * Allowances accrue up to this much time's worth: a late tick (a busy machine stalls the event loop
 * for tens of milliseconds) loses no capacity, and a connection accrues only while it has bytes
 * waiting, so an idle one cannot burst.
 */
const CREDIT_MS = 250;
/** The link is shared in quanta of one segment, round-robin among the connections with bytes to send. */
const QUANTUM = 1460;

type Dir = 'up' | 'down';

interface Pipe {
  dir: Dir;
  src: net.Socket;
  dst: net.Socket;
  /** Bytes the sender gave, not yet on the link (null: its end). */
  waiting: Array<Buffer | null>;
  waitingBytes: number;
  /** Bytes on the link: each arrives at `at` (ms, performance clock). */
  flight: Array<{ at: number; piece: Buffer | null }>;
  flightBytes: number;
  /** What this connection may still send now (bytes), at its capped rate. */
  credit: number;
  /** Nothing crosses before (the handshake). */
  readyAt: number;
}

interface Conn {
  client: net.Socket;
  server: net.Socket;
  pipes: Pipe[];
}

export class LinkProxy {
  readonly linkBytesPerSecond: number;
  readonly connBytesPerSecond: number;
  upstreamBytes = 0;
  downstreamBytes = 0;
  connections = 0;
  readonly disconnects: Array<{ atUpstreamBytes: number; atMs: number; connectionsReset: number }> = [];
  private readonly linkCredit: Record<Dir, number> = { up: 0, down: 0 };
  private readonly open = new Set<Conn>();
  private readonly thresholds: number[];
  private readonly window: number;
  private server: net.Server | null = null;
  private readonly t0 = performance.now();
  private last = performance.now();
  private readonly clock: ReturnType<typeof setInterval>;
  /** Round-robin start, so no connection is always served first. */
  private turn = 0;

  constructor(private readonly opts: LinkOptions) {
    this.linkBytesPerSecond = (opts.mbit * 1_000_000) / 8;
    this.connBytesPerSecond = Math.min(mathisBytesPerSecond(opts.mss ?? 1460, opts.rttMs, opts.loss), this.linkBytesPerSecond);
    this.thresholds = [...(opts.disconnectAt ?? [])].sort((a, b) => a - b);
    this.window = opts.window ?? 64 * 1024;
    this.clock = setInterval(() => this.tick(), TICK_MS);
  }

  /** Listens on a free local port; resolves with it. */
  listen(): Promise<number> {
    // Half-open allowed: a side's end travels the link like its data, after it.
    const server = net.createServer({ allowHalfOpen: true }, (client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
  }

  async close(): Promise<void> {
    clearInterval(this.clock);
    this.resetAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Sets the upstream byte counts (totals since the last resetCounters) of the next forced disconnects. */
  setDisconnects(at: number[]): void {
    this.thresholds.splice(0, this.thresholds.length, ...[...at].sort((a, b) => a - b));
  }

  /** Resets the counters (between runs over the same proxy). */
  resetCounters(): void {
    this.upstreamBytes = 0;
    this.downstreamBytes = 0;
    this.connections = 0;
    this.disconnects.splice(0);
  }

  /** Every open connection reset on both sides, what is in the link lost. Returns how many. */
  resetAll(): number {
    const n = this.open.size;
    for (const c of [...this.open]) this.drop(c, true);
    return n;
  }

  private drop(c: Conn, reset = false) {
    if (!this.open.delete(c)) return;
    for (const p of c.pipes) {
      p.waiting = [];
      p.flight = [];
    }
    if (reset) {
      c.client.resetAndDestroy();
      c.server.resetAndDestroy();
    } else {
      c.client.destroy();
      c.server.destroy();
    }
  }

  private accept(client: net.Socket) {
    this.connections += 1;
    const server = net.connect({ port: this.opts.target.port, host: this.opts.target.host, allowHalfOpen: true });
    client.setNoDelay(true);
    server.setNoDelay(true);
    const readyAt = performance.now() + this.opts.rttMs;
    const pipe = (dir: Dir, src: net.Socket, dst: net.Socket): Pipe => ({ dir, src, dst, waiting: [], waitingBytes: 0, flight: [], flightBytes: 0, credit: 0, readyAt });
    const c: Conn = { client, server, pipes: [pipe('up', client, server), pipe('down', server, client)] };
    this.open.add(c);
    // One side broken: the other goes too, at once (a cut path). Closed after both ends: done.
    const broken = () => this.drop(c, true);
    client.on('error', broken);
    server.on('error', broken);
    client.on('close', () => this.drop(c));
    server.on('close', () => this.drop(c));
    for (const p of c.pipes) {
      p.src.on('data', (chunk: Buffer) => {
        p.waiting.push(chunk);
        p.waitingBytes += chunk.length;
        if (p.waitingBytes + p.flightBytes > this.window) p.src.pause();
      });
      p.src.on('end', () => p.waiting.push(null));
    }
  }

  /** Takes up to `n` bytes (or the end) from what waits at the sender. */
  private take(p: Pipe, n: number): Buffer | null | undefined {
    const head = p.waiting[0];
    if (head === undefined) return undefined;
    if (head === null) {
      p.waiting.shift();
      return null;
    }
    const piece = head.length <= n ? head : head.subarray(0, n);
    if (piece === head) p.waiting.shift();
    else p.waiting[0] = head.subarray(n);
    p.waitingBytes -= piece.length;
    return piece;
  }

  private tick() {
    const now = performance.now();
    const dt = (now - this.last) / 1000;
    this.last = now;
    const pipes = [...this.open].flatMap((c) => c.pipes);
    // Allowances accrue up to CREDIT_MS worth (a connection's only while it has bytes waiting).
    for (const dir of ['up', 'down'] as const) this.linkCredit[dir] = Math.min(this.linkCredit[dir] + this.linkBytesPerSecond * dt, Math.max(QUANTUM, (this.linkBytesPerSecond * CREDIT_MS) / 1000));
    const cap = Math.max(QUANTUM, (this.connBytesPerSecond * CREDIT_MS) / 1000);
    const sending = pipes.filter((p) => p.waiting.length > 0 && now >= p.readyAt);
    for (const p of sending) p.credit = Math.min(p.credit + this.connBytesPerSecond * dt, cap);
    // The link shared round-robin, a segment at a time, each connection within its own allowance.
    let active = sending;
    this.turn = (this.turn + 1) % Math.max(1, active.length);
    active = [...active.slice(this.turn), ...active.slice(0, this.turn)];
    while (active.length > 0) {
      active = active.filter((p) => {
        if (p.waiting.length === 0) return false;
        if (p.waiting[0] === null) {
          this.take(p, 0);
          p.flight.push({ at: now + this.opts.rttMs / 2, piece: null });
          return false;
        }
        const n = Math.min(QUANTUM, Math.floor(p.credit), Math.floor(this.linkCredit[p.dir]));
        if (n <= 0) return false;
        const piece = this.take(p, n)!;
        p.credit -= piece.length;
        this.linkCredit[p.dir] -= piece.length;
        p.flight.push({ at: now + this.opts.rttMs / 2, piece });
        p.flightBytes += piece.length;
        return true;
      });
      if (this.linkCredit.up < 1 && this.linkCredit.down < 1) break;
    }
    // What has crossed arrives.
    for (const p of pipes) this.arrive(p, now);
  }

  private arrive(p: Pipe, now: number) {
    let n = 0;
    const parts: Buffer[] = [];
    let ended = false;
    while (p.flight.length > 0 && p.flight[0]!.at <= now) {
      const { piece } = p.flight.shift()!;
      if (piece === null) {
        ended = true;
        break;
      }
      parts.push(piece);
      n += piece.length;
    }
    if (n > 0 && !p.dst.destroyed) {
      p.flightBytes -= n;
      p.dst.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts, n));
      if (p.dir === 'up') {
        this.upstreamBytes += n;
        if (this.thresholds.length > 0 && this.upstreamBytes >= this.thresholds[0]!) {
          this.thresholds.shift();
          this.disconnects.push({ atUpstreamBytes: this.upstreamBytes, atMs: Math.round(now - this.t0), connectionsReset: this.resetAll() });
          return;
        }
      } else {
        this.downstreamBytes += n;
      }
    }
    if (ended && !p.dst.destroyed) p.dst.end();
    if (p.src.isPaused() && p.waitingBytes + p.flightBytes <= this.window) p.src.resume();
  }
}
