#!/usr/bin/env node
// HAP-NodeJS (npm "hap-nodejs", 1.2.0) accessory server for controller tests
// and benchmarks: the reference open-source HAP accessory implementation,
// started and parsed the same way as our runner (`hap-simulator --headless`).
//
//   node accessory.mjs [--bridge] [--count N] [--lock] [--port P] [--bind ADDR]
//                      [--pincode XXX-XX-XXX] [--storage DIR]
//                      [--advertiser none|ciao|avahi]
//
// hap-nodejs is found through NODE_PATH (tests/hapnode/install.sh puts it in
// BUILD_DIR/hapnode/node_modules) or HAP_NODEJS_MODULES=<node_modules dir>.
//
// Output contract (same shape as hap-simulator): one JSON line on stdout per
// published accessory once it is ready,
//   {"event":"ready","name":…,"device_id":…,"port":…,"setup_code":…,
//    "setup_payload":…,"pid":…}
// everything else goes to stderr.  SIGTERM/SIGINT: unpublish all, exit 0.
//
// Advertising (mDNS):
//   none  (default) HAP-NodeJS has no "no advertiser" option (PublishInfo.advertiser
//         is ciao | bonjour-hap | avahi | resolved, and publish() always creates
//         one).  We substitute a do-nothing advertiser for the bonjour-hap slot
//         (Advertiser.BonjourHAPAdvertiser) and select it: no mDNS socket is
//         opened at all.  The bonjour-hap advertiser itself is not offered here.
//   ciao  HAP-NodeJS's default pure-JS responder (@homebridge/ciao), restricted
//         by PublishInfo.bind to the --bind address/interface (default
//         127.0.0.1, i.e. loopback only: ciao only joins the multicast group
//         and sends on that interface).  check.sh additionally runs everything
//         inside `unshare --net` where lo is the only interface.
//   avahi asks the system avahi-daemon over D-Bus.  NOT confined: the daemon
//         advertises on all its interfaces, and the D-Bus socket is reachable
//         even from a private network namespace.  Use deliberately only.
//         (HAP-NodeJS falls back to ciao when avahi is unavailable.)
//
// TCP: with bind = an IPv4/IPv6 literal HAP-NodeJS 1.2.0 would listen on the
// unspecified address (0.0.0.0 / ::) and only restrict the advertisement
// (Accessory.parseBindOption); we wrap parseBindOption so that the HAP server
// listens on exactly that address.

import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';

// stdout carries only ready lines: send HAP-NodeJS's console output to stderr.
for (const m of ['log', 'info', 'debug']) console[m] = console.error.bind(console);

const log = (...a) => console.error('[hapnode]', ...a);

function usage(msg) {
  if (msg) console.error(`accessory.mjs: ${msg}`);
  console.error('usage: accessory.mjs [--bridge] [--count N] [--lock] [--port P] [--bind ADDR]\n' +
    '                     [--pincode XXX-XX-XXX] [--storage DIR] [--advertiser none|ciao|avahi]');
  process.exit(2);
}

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      bridge: { type: 'boolean', default: false },
      count: { type: 'string', default: '1' },
      lock: { type: 'boolean', default: false },
      port: { type: 'string', default: '0' },
      bind: { type: 'string', default: '127.0.0.1' },
      pincode: { type: 'string', default: '031-45-154' },
      storage: { type: 'string' },
      advertiser: { type: 'string', default: 'none' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  usage(err.message);
}
if (opts.help) usage();
const count = Number(opts.count);
const basePort = Number(opts.port);
if (!Number.isInteger(count) || count < 1) usage(`--count: positive integer expected, got '${opts.count}'`);
if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65535) usage(`--port: 0..65535 expected, got '${opts.port}'`);
if (!/^\d{3}-\d{2}-\d{3}$/.test(opts.pincode)) usage(`--pincode: XXX-XX-XXX expected, got '${opts.pincode}'`);
if (!['none', 'ciao', 'avahi'].includes(opts.advertiser)) usage(`--advertiser: none|ciao|avahi expected, got '${opts.advertiser}'`);

// --- load hap-nodejs --------------------------------------------------------
const require = createRequire(import.meta.url);
function resolveHap(sub) {
  const name = sub ? `hap-nodejs/${sub}` : 'hap-nodejs';
  if (process.env.HAP_NODEJS_MODULES) return require(path.join(process.env.HAP_NODEJS_MODULES, name));
  return require(name);
}
let hap, AdvertiserModule;
try {
  hap = resolveHap();
  AdvertiserModule = resolveHap('dist/lib/Advertiser');
} catch (err) {
  console.error(`accessory.mjs: cannot load hap-nodejs (NODE_PATH=${process.env.NODE_PATH ?? ''}, ` +
    `HAP_NODEJS_MODULES=${process.env.HAP_NODEJS_MODULES ?? ''}); run tests/hapnode/install.sh first: ${err.message}`);
  process.exit(1);
}
const { Accessory, Bridge, Service, Characteristic, Categories, HAPStorage, uuid } = hap;
const HAP_VERSION = require(require.resolve('hap-nodejs/package.json',
  process.env.HAP_NODEJS_MODULES ? { paths: [process.env.HAP_NODEJS_MODULES] } : undefined)).version;

// --- storage ------------------------------------------------------------------
let storageDir = opts.storage;
let removeStorage = false;
if (!storageDir) {
  storageDir = mkdtempSync(path.join(tmpdir(), 'hapnode-'));
  removeStorage = true; // throwaway identity, like a fresh device
}
mkdirSync(storageDir, { recursive: true });
storageDir = path.resolve(storageDir);
HAPStorage.setCustomStoragePath(storageDir); // before anything touches storage

// Device IDs ("username" in HAP-NodeJS) are kept per accessory name in our own
// file next to HAP-NodeJS's, so a restart with the same --storage keeps identity
// and pairings (HAP-NodeJS keys its AccessoryInfo by username).
const idsFile = path.join(storageDir, 'hapnode-harness-ids.json');
let ids = {};
if (existsSync(idsFile)) {
  try { ids = JSON.parse(readFileSync(idsFile, 'utf8')); } catch (err) { log(`ignoring ${idsFile}: ${err.message}`); }
}
function deviceIdFor(name) {
  if (!ids[name]) {
    const b = randomBytes(6);
    b[0] = (b[0] & 0xfe) | 0x02; // locally administered, unicast
    ids[name] = [...b].map((x) => x.toString(16).padStart(2, '0').toUpperCase()).join(':');
    writeFileSync(idsFile, JSON.stringify(ids, null, 2) + '\n');
  }
  return ids[name];
}

// --- advertiser confinement ---------------------------------------------------
class NoAdvertiser {
  // Implements HAP-NodeJS's Advertiser interface without any network I/O.
  initPort() {}
  startAdvertising() { return Promise.resolve(); }
  updateAdvertisement() {}
  destroy() { return Promise.resolve(); }
  on() { return this; }
  emit() { return false; }
}
let advertiserSetting;
if (opts.advertiser === 'none') {
  AdvertiserModule.BonjourHAPAdvertiser = NoAdvertiser; // Accessory.js reads this at publish()
  advertiserSetting = 'bonjour-hap'; // MDNSAdvertiser.BONJOUR → NoAdvertiser
} else if (opts.advertiser === 'ciao') {
  advertiserSetting = 'ciao';
} else {
  advertiserSetting = 'avahi';
}

const origParseBind = Accessory.parseBindOption;
Accessory.parseBindOption = function (info) {
  const parsed = origParseBind.call(this, info);
  if (typeof info.bind === 'string' && net.isIP(info.bind)) parsed.serverAddress = info.bind;
  return parsed;
};

// --- accessory models (mirror accessories/*.json) -----------------------------
function setInfo(acc, model) {
  acc.getService(Service.AccessoryInformation)
    .setCharacteristic(Characteristic.Manufacturer, 'HAP-NodeJS')
    .setCharacteristic(Characteristic.Model, model)
    .setCharacteristic(Characteristic.SerialNumber, deviceIdFor(acc.displayName).replace(/:/g, ''))
    .setCharacteristic(Characteristic.FirmwareRevision, HAP_VERSION);
  acc.on('identify', (paired, callback) => {
    log(`${acc.displayName}: identify (paired=${paired})`);
    callback();
  });
}

// accessories/lightbulb.json: "Desk Lamp", Lightbulb with On, Brightness, Hue,
// Saturation (initial values as in that file).
function addLightbulb(acc, initial) {
  const svc = acc.addService(Service.Lightbulb, acc.displayName);
  svc.setPrimaryService(true);
  const state = { ...initial };
  const bind = (ch, key) => svc.getCharacteristic(ch)
    .onGet(() => state[key])
    .onSet((v) => { state[key] = v; log(`${acc.displayName}: ${key} = ${v}`); })
    .updateValue(state[key]);
  bind(Characteristic.On, 'on');
  bind(Characteristic.Brightness, 'brightness');
  if ('hue' in state) bind(Characteristic.Hue, 'hue');
  if ('saturation' in state) bind(Characteristic.Saturation, 'saturation');
  return svc;
}

function makeLamp(name) {
  const acc = new Accessory(name, uuid.generate(`hapsim.hapnode.lamp.${name}`));
  acc.category = Categories.LIGHTBULB;
  setInfo(acc, 'Desk Lamp RGB');
  addLightbulb(acc, { on: true, brightness: 75, hue: 30, saturation: 40 });
  return acc;
}

// accessories/lock.json: "Front Door Lock", Lock Target State with "tw" (timed
// write required; HAP-NodeJS enforces it: PUT /prepare then PUT with pid).
function makeLock(name) {
  const acc = new Accessory(name, uuid.generate(`hapsim.hapnode.lock.${name}`));
  acc.category = Categories.DOOR_LOCK;
  setInfo(acc, 'Lock');
  const svc = acc.addService(Service.LockMechanism, name);
  svc.setPrimaryService(true);
  const state = { current: 1, target: 1 };
  const current = svc.getCharacteristic(Characteristic.LockCurrentState).onGet(() => state.current);
  current.updateValue(state.current);
  svc.getCharacteristic(Characteristic.LockTargetState)
    .setProps({ perms: [hap.Perms.PAIRED_READ, hap.Perms.PAIRED_WRITE, hap.Perms.NOTIFY, hap.Perms.TIMED_WRITE] })
    .onGet(() => state.target)
    .onSet((v) => {
      state.target = v; state.current = v;
      log(`${name}: LockTargetState = ${v}`);
      setImmediate(() => current.updateValue(v));
    })
    .updateValue(state.target);
  return acc;
}

// Bridge with 3 bridged lights (memory/startup comparisons).
function makeBridge(name) {
  const bridge = new Bridge(name, uuid.generate(`hapsim.hapnode.bridge.${name}`));
  bridge.category = Categories.BRIDGE;
  setInfo(bridge, 'Bridge');
  for (let i = 1; i <= 3; i++) {
    const lname = `${name} Light ${i}`;
    const light = new Accessory(lname, uuid.generate(`hapsim.hapnode.bridged.${lname}`));
    light.getService(Service.AccessoryInformation)
      .setCharacteristic(Characteristic.Manufacturer, 'HAP-NodeJS')
      .setCharacteristic(Characteristic.Model, 'Bridged Light')
      .setCharacteristic(Characteristic.SerialNumber, `LIGHT-${i}`);
    addLightbulb(light, { on: false, brightness: 100 });
    bridge.addBridgedAccessory(light);
  }
  return bridge;
}

const accessories = [];
for (let i = 0; i < count; i++) {
  const suffix = count > 1 ? ` ${i + 1}` : '';
  accessories.push(opts.bridge ? makeBridge(`Sim Bridge${suffix}`) : makeLamp(`Desk Lamp${suffix}`));
}
if (opts.lock) accessories.push(makeLock('Front Door Lock'));

// --- publish & ready lines ----------------------------------------------------
const READY_ADVERTISE_TIMEOUT_MS = 5000; // like hap-simulator: ready anyway after 5 s

function printReady(acc, port) {
  let payload = null;
  try { payload = acc.setupURI(); } catch (err) { log(`setupURI: ${err.message}`); }
  process.stdout.write(JSON.stringify({
    event: 'ready',
    name: acc.displayName,
    device_id: acc._accessoryInfo?.username ?? deviceIdFor(acc.displayName),
    port,
    setup_code: opts.pincode,
    setup_payload: payload,
    pid: process.pid,
  }) + '\n');
}

let stopping = false;
async function shutdown(signal, status = 0) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: unpublishing ${accessories.length} accessor${accessories.length === 1 ? 'y' : 'ies'}`);
  const hardStop = setTimeout(() => { log('unpublish timed out'); process.exit(status || 1); }, 4000);
  hardStop.unref();
  try {
    await Promise.allSettled(accessories.map((a) => a.unpublish()));
  } finally {
    if (removeStorage) rmSync(storageDir, { recursive: true, force: true });
    process.exit(status);
  }
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('uncaughtException', (err) => {
  console.error(`accessory.mjs: fatal: ${err.stack ?? err}`);
  if (removeStorage) rmSync(storageDir, { recursive: true, force: true });
  process.exit(1);
});

log(`hap-nodejs ${HAP_VERSION}, storage ${storageDir}, bind ${opts.bind}, advertiser ${opts.advertiser}`);
for (let i = 0; i < accessories.length; i++) {
  const acc = accessories[i];
  const port = basePort === 0 ? 0 : basePort + i;
  let listenPort = null;
  let printed = false;
  const ready = () => {
    if (printed || listenPort === null) return;
    printed = true;
    printReady(acc, listenPort);
  };
  acc.on('listening', (p, host) => {
    log(`${acc.displayName}: listening on ${host}:${p}`);
    listenPort = p;
    if (opts.advertiser === 'none') ready();
    else setTimeout(() => {
      if (!printed) log(`${acc.displayName}: not advertised after ${READY_ADVERTISE_TIMEOUT_MS / 1000} s; ready anyway`);
      ready();
    }, READY_ADVERTISE_TIMEOUT_MS).unref();
  });
  acc.on('advertised', () => { log(`${acc.displayName}: advertised as "${acc.displayName}"`); ready(); });
  await acc.publish({
    username: deviceIdFor(acc.displayName),
    pincode: opts.pincode,
    category: acc.category,
    port,
    bind: opts.bind,
    advertiser: advertiserSetting,
    addIdentifyingMaterial: false,
  });
}
