import fs from 'node:fs';
import path from 'node:path';
import { generate } from 'otplib';
import { stateDir } from './env.ts';

/**
 * TOTP secrets captured at enrolment, and the last time step used per user, shared by spec files
 * through a file. The server refuses a code whose time step was already used (replay protection)
 * and accepts one step ahead (epochTolerance 30 s), so a second sign-in within the same 30 s uses
 * the next step's code instead of waiting.
 */
interface Entry {
  secret: string;
  lastStep: number;
}

const PERIOD = 30;
const file = () => path.join(stateDir(), 'totp.json');

function load(): Record<string, Entry> {
  try {
    return JSON.parse(fs.readFileSync(file(), 'utf8')) as Record<string, Entry>;
  } catch {
    return {};
  }
}

function save(all: Record<string, Entry>) {
  fs.mkdirSync(stateDir(), { recursive: true });
  fs.writeFileSync(file(), JSON.stringify(all, null, 2));
}

export function rememberSecret(email: string, secret: string) {
  const all = load();
  all[email.toLowerCase()] = { secret, lastStep: 0 };
  save(all);
}

export function hasSecret(email: string): boolean {
  return !!load()[email.toLowerCase()];
}

/** A code the server will accept now and has not seen before for this user. */
export async function nextCode(email: string): Promise<string> {
  const all = load();
  const entry = all[email.toLowerCase()];
  if (!entry) throw new Error(`No TOTP secret known for ${email}`);
  const now = Math.floor(Date.now() / 1000 / PERIOD);
  let step = Math.max(now, entry.lastStep + 1);
  if (step > now + 1) {
    // Two steps ahead would be refused: wait for the clock.
    await new Promise((r) => setTimeout(r, (step - 1) * PERIOD * 1000 - Date.now() + 200));
    step = Math.max(Math.floor(Date.now() / 1000 / PERIOD), entry.lastStep + 1);
  }
  entry.lastStep = step;
  save(all);
  return generate({ secret: entry.secret, epoch: step * PERIOD });
}
