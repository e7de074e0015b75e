/** A training's heartbeat between progress reports: repeated through a long step, stopped when the training stalls. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHeartbeatPulse } from '../workers/activities/heartbeat-pulse.ts';

describe('startHeartbeatPulse', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const start = (options = { gapMs: 2000, stallLimitMs: 60_000 }) => {
    const sent: string[] = [];
    const pulse = startHeartbeatPulse<string>((d) => sent.push(d), 'setup', { ...options, now: () => Date.now() });
    return { sent, pulse };
  };

  it('beats at once, then repeats the last progress every gap while a step runs without reporting', () => {
    const { sent, pulse } = start();
    expect(sent).toEqual(['setup']);
    pulse.progressed('batch 1');
    expect(sent).toEqual(['setup']);
    vi.advanceTimersByTime(45_000);
    expect(sent.length).toBeGreaterThanOrEqual(20);
    expect(new Set(sent.slice(1))).toEqual(new Set(['batch 1']));
    pulse.stop();
  });

  it('throttles progress to one beat per gap, but a checkpoint beats at once', () => {
    const { sent, pulse } = start();
    for (let batch = 0; batch < 10; batch++) pulse.progressed(`batch ${batch}`);
    expect(sent).toEqual(['setup']);
    pulse.beatNow('epoch 0 checkpointed');
    expect(sent).toEqual(['setup', 'epoch 0 checkpointed']);
    pulse.stop();
  });

  it('stops beating once the training has reported nothing for the stall limit, and resumes when it reports again', () => {
    const { sent, pulse } = start({ gapMs: 2000, stallLimitMs: 10_000 });
    vi.advanceTimersByTime(60_000);
    const whileStalled = sent.length;
    expect(whileStalled).toBeLessThanOrEqual(6);
    vi.advanceTimersByTime(60_000);
    expect(sent.length).toBe(whileStalled);
    pulse.progressed('batch 2');
    expect(sent.at(-1)).toBe('batch 2');
    pulse.stop();
  });

  it('sends nothing after stop', () => {
    const { sent, pulse } = start();
    pulse.stop();
    vi.advanceTimersByTime(60_000);
    expect(sent).toEqual(['setup']);
  });
});
