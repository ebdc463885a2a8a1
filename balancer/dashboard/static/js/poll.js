// Polling: the pages follow a change while it deploys (BUILD, PENDING_* ->
// ACTIVE or ERROR) without a reload.  Fast while something is pending,
// slower otherwise; one request at a time; stopped when the page changes.
// ``stop.now()`` looks again at once (after an action of the user's).

export const FAST_MS = 1000;
export const SLOW_MS = 5000;

export function poll(load) {
  let timer = null;
  let stopped = false;
  let running = false;
  let again = false;
  async function tick() {
    clearTimeout(timer);
    if (running) {
      again = true;
      return;
    }
    running = true;
    let fast = false;
    try {
      fast = await load();
    } catch {
      fast = false;      // the view showed the error; try again later
    }
    running = false;
    if (stopped) return;
    if (again) {
      again = false;
      tick();
      return;
    }
    timer = setTimeout(tick, fast ? FAST_MS : SLOW_MS);
  }
  tick();
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
  };
  stop.now = () => { if (!stopped) tick(); };
  return stop;
}
