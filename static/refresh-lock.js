// One token refresh at a time across every tab of this browser, for the three clients
// (care, HQ, supporter). Refresh tokens rotate, and presenting a spent one revokes the
// whole login, so two tabs of one login must never refresh together. Loaded before each
// page's own script.
"use strict";

window.RainbowNetRefreshLock = (() => {
  const REFRESH_LOCK = "rainbownet-refresh";
  const LEASE_MS = 5000;
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // work(waited): waited is true when another tab held the lock first. A Web Lock; where
  // there are none (plain http is not a secure context), a lease in localStorage: an owner
  // and an expiry, so that a tab that died holding it blocks no one for long.
  function oneAtATime(work) {
    if (!navigator.locks) return leased(work);
    return navigator.locks.request(REFRESH_LOCK, { ifAvailable: true }, (free) =>
      free ? work(false) : navigator.locks.request(REFRESH_LOCK, () => work(true)));
  }

  async function leased(work) {
    const me = String(Math.random()).slice(2);
    const holder = () => { try { return JSON.parse(localStorage.getItem(REFRESH_LOCK)) || {}; } catch (e) { return {}; } };
    const claim = () => { try { localStorage.setItem(REFRESH_LOCK, JSON.stringify({ owner: me, until: Date.now() + LEASE_MS })); return true; } catch (e) { return false; } };
    const deadline = Date.now() + LEASE_MS + 1000;
    let waited = false;
    while (Date.now() < deadline) {
      if (!(holder().until > Date.now())) {
        if (!claim()) break; // no localStorage: no other tab to agree with
        await pause(50); // two tabs that claimed at once: the later write wins
        if (holder().owner === me) break;
      }
      waited = true;
      await pause(100);
    }
    try {
      return await work(waited);
    } finally {
      if (holder().owner === me) localStorage.removeItem(REFRESH_LOCK);
    }
  }

  return { NAME: REFRESH_LOCK, pause, oneAtATime };
})();
