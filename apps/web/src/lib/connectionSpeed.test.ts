import { describe, expect, it } from 'vitest';
import { verdictOf } from './connectionSpeed.ts';

describe('the connection verdict', () => {
  it('is good only with enough speed both ways and a quick answer', () => {
    expect(verdictOf({ downMbps: 20, upMbps: 5, rttMs: 40 })).toBe('good');
    expect(verdictOf({ downMbps: 1.5, upMbps: 1, rttMs: 800 })).toBe('good');
    expect(verdictOf({ downMbps: 20, upMbps: 5, rttMs: 900 })).toBe('reduced');
  });

  it('reduces the video on a 1.5 Mbit/s link measured with its latency, and falls back to sound below 0.6', () => {
    expect(verdictOf({ downMbps: 1.2, upMbps: 1.1, rttMs: 320 })).toBe('reduced');
    expect(verdictOf({ downMbps: 3, upMbps: 0.7, rttMs: 100 })).toBe('reduced');
    expect(verdictOf({ downMbps: 0.4, upMbps: 0.4, rttMs: 420 })).toBe('audio');
    expect(verdictOf({ downMbps: 5, upMbps: 0.5, rttMs: 50 })).toBe('audio');
  });
});
