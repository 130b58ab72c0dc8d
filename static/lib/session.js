// A professional's session in the browser, for the clients (care, HQ, supporter, admin):
// the stored token pair, one refresh at a time across every tab, and requests retried once
// after a refresh. Refresh tokens rotate and presenting a spent one revokes the whole
// login, so two tabs of one login must never refresh together. Each page keeps only what
// signing out shows (lib/api.js `connect` puts this together with the requests).
const REFRESH_LOCK = "rainbownet-refresh";
const LEASE_MS = 5000;
export const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// work(waited): waited is true when another tab held the lock first. A Web Lock; where
// there are none (plain http is not a secure context), a lease in localStorage: an owner
// and an expiry, so that a tab that died holding it blocks no one for long.
function oneAtATime(lock, work) {
  if (!navigator.locks) return leased(lock, work);
  return navigator.locks.request(lock, { ifAvailable: true }, (free) =>
    free ? work(false) : navigator.locks.request(lock, () => work(true)));
}

async function leased(lock, work) {
  const me = String(Math.random()).slice(2);
  const holder = () => { try { return JSON.parse(localStorage.getItem(lock)) || {}; } catch (e) { return {}; } };
  const claim = () => { try { localStorage.setItem(lock, JSON.stringify({ owner: me, until: Date.now() + LEASE_MS })); return true; } catch (e) { return false; } };
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
    if (holder().owner === me) localStorage.removeItem(lock);
  }
}

// options:
//   storage   where the pair lives: sessionStorage (one tab) or localStorage (all tabs)
//   key       its key there
//   refresh   (refreshToken) => Promise<Response>: the page's POST /api/v1/auth/refresh
//   signedOut () => void: what the page shows when the session is over
//   signedOutError  the error thrown once signed out (the page compares against it)
//   signOutWhenMissing  whether a request with no stored pair signs out (default true)
//   busy      the message of the error thrown when the server is busy (5xx, 429)
export function create(options) {
  const { storage, key } = options;
  // One lock per session: a family member's tab does not wait behind a professional's refresh.
  const lock = `${REFRESH_LOCK}:${key}`;
  const SIGNED_OUT = options.signedOutError;
  const busy = options.busy || "サーバーが混雑しています";
  // A duplicated tab starts with a copy of sessionStorage: the tab that rotates hands the
  // new pair to tabs still holding the old one. localStorage is shared already.
  const handovers = storage === window.sessionStorage && typeof BroadcastChannel === "function"
    ? new BroadcastChannel(REFRESH_LOCK) : null;
  let refreshing = null;

  function tokens() {
    try {
      const auth = JSON.parse(storage.getItem(key));
      return auth && auth.access_token ? auth : null;
    } catch (e) {
      return null;
    }
  }

  function store(json) {
    try {
      storage.setItem(key, JSON.stringify({ access_token: json.access_token, refresh_token: json.refresh_token }));
    } catch (e) {
      // Storage full or refused: the pair lives until the page is left.
    }
  }

  function clear() {
    try { storage.removeItem(key); } catch (e) { /* nothing stored */ }
  }

  if (handovers) {
    handovers.onmessage = (event) => {
      const auth = tokens();
      if (auth && event.data && event.data.spent === auth.refresh_token) store(event.data);
    };
  }

  // true: new tokens stored, here or by another tab; false: the session is over; throws:
  // try again later. spent: the refresh token the caller held when its request got 401.
  // Storage reaches other tabs a little after the lock does: after another tab's turn,
  // give its new pair a moment (2 s at most) to show here before spending the old token.
  async function doRefresh(spent, waited) {
    for (let i = 0; waited && spent && i < 40 && (tokens() || {}).refresh_token === spent; i++) await pause(50);
    const auth = tokens();
    if (!auth || !auth.refresh_token) return false;
    if (spent && auth.refresh_token !== spent) return true;
    const resp = await options.refresh(auth.refresh_token);
    if (resp.status >= 500 || resp.status === 429) throw new Error(busy);
    if (!resp.ok) return false;
    const json = await resp.json();
    store(json);
    if (handovers) handovers.postMessage({ spent: auth.refresh_token, access_token: json.access_token, refresh_token: json.refresh_token });
    return true;
  }

  function refresh(spent) {
    if (!refreshing) refreshing = oneAtATime(lock, (waited) => doRefresh(spent, waited)).finally(() => { refreshing = null; });
    return refreshing;
  }

  // send(accessToken) → Promise<Response>; on 401 one refresh and one retry, then the
  // session is over.
  async function withRetry(send) {
    const auth = tokens();
    if (!auth) {
      if (options.signOutWhenMissing !== false) options.signedOut();
      throw SIGNED_OUT;
    }
    let resp = await send(auth.access_token);
    if (resp.status !== 401) return resp;
    const now = tokens();
    // Someone else may have refreshed while this request was out: just use the new token.
    const renewed = now && now.access_token !== auth.access_token ? true : await refresh(auth.refresh_token);
    if (!renewed) { options.signedOut(); throw SIGNED_OUT; }
    resp = await send(tokens().access_token);
    if (resp.status === 401) { options.signedOut(); throw SIGNED_OUT; }
    return resp;
  }

  return { tokens, store, clear, refresh, withRetry };
}

// Every item of a paged list: follows next_cursor (the API's pagination), so a long list
// is never cut short. getJson(path) → the page's JSON.
export async function allPages(getJson, path) {
  let items = [];
  let cursor = null;
  for (let page = 0; page < 200; page++) {
    const sep = path.indexOf("?") < 0 ? "?" : "&";
    const json = await getJson(cursor ? path + sep + "cursor=" + encodeURIComponent(cursor) : path);
    items = items.concat(json.items || []);
    cursor = json.next_cursor;
    if (!cursor) break;
  }
  return items;
}
