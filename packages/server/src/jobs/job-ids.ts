// Job ids that sort in creation order within one queue, even for jobs created in the same millisecond
// (the time, then a counter, then randomness so that several processes never collide).
import crypto from 'node:crypto';

export function createJobIdGenerator(): (now: number) => string {
  let lastMs = -1;
  let counter = 0;
  return (now) => {
    if (now > lastMs) {
      lastMs = now;
      counter = 0;
    } else {
      counter += 1;
    }
    const time = Math.max(lastMs, 0).toString(36).padStart(9, '0');
    return `job_${time}${counter.toString(36).padStart(4, '0')}${crypto.randomBytes(6).toString('hex')}`;
  };
}
