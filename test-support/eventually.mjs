// Polls `check` until it returns a truthy value (returned), within a bounded number of
// attempts: for what a real service does on its own time (a warm-up, a file re-read).
import assert from 'node:assert/strict';

const sleep = ms => new Promise(r => setTimeout(r, ms));

export async function eventually(what, check, { attempts = 150, intervalMs = 200 } = {}) {
  for (let i = 0; i < attempts; i++) {
    const value = await check();
    if (value) return value;
    await sleep(intervalMs);
  }
  assert.fail(`gave up waiting for ${what}`);
}
