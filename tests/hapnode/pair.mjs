#!/usr/bin/env node
// Pairs with a HAP-NodeJS accessory (accessory.mjs) using the independent
// controller library hap-controller (found through NODE_PATH, e.g.
// <builddir>/tests/interop/npm/node_modules) and exercises it a little.
//   node pair.mjs HOST PORT DEVICE_ID SETUP_CODE
// Prints one line per step on stdout: "PASS <what>" or "FAIL <what>: <why>";
// exits 0 only if every step passed.  Every step is bounded in time.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [host, portStr, deviceId, code] = process.argv.slice(2);
if (!code) {
  console.error('usage: pair.mjs HOST PORT DEVICE_ID SETUP_CODE');
  process.exit(2);
}

function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

let failed = false;
async function step(what, fn) {
  try {
    const detail = await withTimeout(Promise.resolve().then(fn), 15_000, what);
    console.log(`PASS ${what}${detail ? ` (${detail})` : ''}`);
    return true;
  } catch (err) {
    failed = true;
    console.log(`FAIL ${what}: ${(err && err.message) || err}`.replace(/\n/g, ' '));
    return false;
  }
}

// HAP short or full UUID → short upper-case hex ("8", "43").
const shortType = (t) => String(t).toUpperCase().replace(/^0*([0-9A-F]+)-0000-1000-8000-0026BB765291$/, '$1').replace(/^0+(?=.)/, '');

const hc = require('hap-controller');
const client = new hc.HttpClient(deviceId, host, Number(portStr));
let brightness; // "aid.iid"
let ok = await step('hap-controller pair-setup with HAP-NodeJS', async () => {
  await client.pairSetup(code, hc.PairMethods.PairSetup, 0);
  if (!client.getLongTermData()) throw new Error('no long-term data after pair-setup');
});
if (ok) {
  ok = await step('GET /accessories (verified session) lists Lightbulb with Brightness', async () => {
    const { accessories } = await client.getAccessories();
    for (const a of accessories) {
      for (const s of a.services) {
        if (shortType(s.type) !== '43') continue; // Lightbulb
        const c = s.characteristics.find((ch) => shortType(ch.type) === '8'); // Brightness
        if (c) { brightness = `${a.aid}.${c.iid}`; return `${accessories.length} accessories, Brightness ${brightness}=${c.value}`; }
      }
    }
    throw new Error(`no Lightbulb/Brightness in ${JSON.stringify(accessories).slice(0, 300)}`);
  });
}
if (ok) {
  await step('PUT then GET /characteristics: Brightness 42', async () => {
    await client.setCharacteristics({ [brightness]: 42 });
    const res = await client.getCharacteristics([brightness]);
    const v = res.characteristics?.[0]?.value;
    if (v !== 42) throw new Error(`read back ${JSON.stringify(res)}`);
    return `read back ${v}`;
  });
}
if (client.getLongTermData()) {
  await step('remove own pairing', async () => {
    await client.removePairing(client.getLongTermData().iOSDevicePairingID);
  });
}
try { await withTimeout(client.close(), 5000, 'close'); } catch { /* ignore */ }
process.exit(failed ? 1 : 0);
