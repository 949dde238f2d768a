/**
 * Preloaded into a child patrol (`NODE_OPTIONS=--import …/clock-ahead.mjs`, `PATROL_TEST_CLOCK_AHEAD_MS=360000`):
 * moves `Date.now()` ahead, so that a process restarted after a `kill -9` sees the dead process's jobs as older than
 * the runner's stale-lock limit (5 minutes) at once, as a real restart would after waiting that long.
 * Timers and timeouts are untouched; only the wall clock patrol reads is shifted.
 *
 * @example
 * startChildService({ ...env, NODE_OPTIONS: `--import ${clockAheadModule}`, PATROL_TEST_CLOCK_AHEAD_MS: '360000' })
 */
const ahead = Number(process.env.PATROL_TEST_CLOCK_AHEAD_MS ?? 0)
if (ahead) {
  const realNow = Date.now
  Date.now = () => realNow() + ahead
}
