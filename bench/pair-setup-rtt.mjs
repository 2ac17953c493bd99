// pair-setup-rtt.mjs — the accessory's share of Pair Setup as an independent controller
// sees it: hap-controller (npm) pairs COUNT times and times each of its three
// POST /pair-setup round trips (M1→M2, M3→M4, M5→M6), from the request's write to the
// parsed answer. The controller's own SRP and Ed25519 work between the round trips is
// not in the sum (hap-controller does it in JavaScript: tens of milliseconds that would
// hide the accessory's few), nor is the TCP connect. After each pairing the controller
// removes itself again, so the next one is a first pairing too.
//
// Usage: node bench/pair-setup-rtt.mjs HOST PORT SETUP-CODE COUNT
// hap-controller comes from NODE_PATH (tests/interop/run-interop.sh --install-only).
// Prints one JSON object: count, median_ms and p99_ms of the sums, and the median of
// each round trip.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { HttpClient, PairMethods } = require('hap-controller');
const HttpConnection = require('hap-controller/lib/transport/ip/http-connection').default;

const [host, portText, code, countText] = process.argv.slice(2);
const count = Number(countText);
if (!host || !Number(portText) || !code || !(count > 0)) {
  console.error('usage: pair-setup-rtt.mjs HOST PORT SETUP-CODE COUNT');
  process.exit(2);
}

// The round trips of the pairing in progress; hap-controller posts through this method.
let trips = null;
const post = HttpConnection.prototype.post;
HttpConnection.prototype.post = async function (path, body, type) {
  if (path !== '/pair-setup' || trips === null)
    return post.call(this, path, body, type);
  await this._open();  // the TCP connect is not the accessory's work
  const start = process.hrtime.bigint();
  const answer = await post.call(this, path, body, type);
  trips.push(Number(process.hrtime.bigint() - start) / 1e6);
  return answer;
};

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); }),
  ]);
}

const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const p99 = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)]; };

const sums = [];
const steps = [[], [], []];
for (let i = 0; i < count; i++) {
  const client = new HttpClient('bench', host, Number(portText));
  trips = [];
  await withTimeout(client.pairSetup(code, PairMethods.PairSetup, 0), 20_000, `pair-setup ${i + 1}`);
  if (trips.length !== 3)
    throw new Error(`pair-setup ${i + 1}: ${trips.length} round trips, expected 3`);
  sums.push(trips[0] + trips[1] + trips[2]);
  trips.forEach((t, k) => steps[k].push(t));
  trips = null;
  const ltd = client.getLongTermData();
  await withTimeout(client.removePairing(ltd.iOSDevicePairingID), 20_000, `remove-pairing ${i + 1}`);
  await client.close();
}
const round = (x) => Math.round(x * 1000) / 1000;
console.log(JSON.stringify({
  scenario: 'pair-setup-rtt', count,
  median_ms: round(median(sums)), p99_ms: round(p99(sums)),
  m1_m2_ms: round(median(steps[0])), m3_m4_ms: round(median(steps[1])), m5_m6_ms: round(median(steps[2])),
}));
