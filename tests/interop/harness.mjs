// Interop test harness: drives the `hap-simulator --headless` runner and the
// independent HAP controller library `hap-controller` (npm, 0.10.2).
//
// Everything here is bounded in time: starting a runner, stopping it, waiting
// for events.  Every runner, client and state directory made for a test is
// disposed of when that test ends (pass or fail), and any child still alive
// when the test process exits is SIGKILLed.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID, randomInt, randomBytes, createHash, createDiffieHellman } from 'node:crypto';
import { createInterface } from 'node:readline';
import { after } from 'node:test';

// hap-controller is installed by run-interop.sh into <builddir>/npm and found
// through NODE_PATH.  ES module imports ignore NODE_PATH, CommonJS require()
// honours it, so load it with a require() made here.
const require = createRequire(import.meta.url);

function loadModule(name) {
  try {
    return require(name);
  } catch (err) {
    throw new Error(`cannot load '${name}' (NODE_PATH=${process.env.NODE_PATH ?? ''}); ` +
      `run the suite through tests/interop/run-interop.sh: ${err.message}`);
  }
}

export const hc = loadModule('hap-controller');
export const { HttpClient, PairMethods } = hc;
export const sodium = loadModule('libsodium-wrappers');

export const HOST = '127.0.0.1';
export const DEFAULT_SETUP_CODE = '031-45-154';
export const READY_TIMEOUT_MS = 10_000;
export const STOP_TIMEOUT_MS = 5_000;
export const TEST_TIMEOUT_MS = 30_000;

export const SIMULATOR = process.env.HAP_SIMULATOR;
export const ACCESSORIES_DIR = process.env.HAP_ACCESSORIES_DIR ??
  path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'accessories');

export function accessoryFile(name) {
  return path.join(ACCESSORIES_DIR, name);
}

// HAP status codes (HAP spec, table 6-11) and pairing TLV errors (table 5-5).
export const HAP_STATUS = {
  SUCCESS: 0,
  INSUFFICIENT_PRIVILEGES: -70401,
  READ_ONLY: -70404,
  RESOURCE_DOES_NOT_EXIST: -70409,
  INVALID_VALUE: -70410,
  INSUFFICIENT_AUTHORIZATION: -70411,
};
export const TLV_ERROR = {
  Unknown: 1,
  Authentication: 2,
  Backoff: 3,
  MaxPeers: 4,
  MaxTries: 5,
  Unavailable: 6,
  Busy: 7,
};

// ---------------------------------------------------------------------------
// Small utilities

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reject with a clear message if `promise` does not settle within `ms`. */
export async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const live = new Set();           // child processes still running
function killAllSync() {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  live.clear();
}
process.on('exit', killAllSync);
// Root-level hook of whichever test file imports this module.
after(() => killAllSync());

function tail(text, max = 4000) {
  return text.length > max ? '…' + text.slice(-max) : text;
}

// ---------------------------------------------------------------------------
// The runner

/**
 * One `hap-simulator --headless` process.
 *
 * Use `startRunner(t, {...})` in tests: it registers disposal on `t`.
 */
export class Runner {
  constructor(opts) {
    this.files = opts.files;
    this.stateDir = opts.stateDir;
    this.setupCode = opts.setupCode;
    this.port = opts.port;
    this.extraArgs = opts.extraArgs ?? [];
    this.readyTimeoutMs = opts.readyTimeoutMs ?? READY_TIMEOUT_MS;
    this.proc = null;
    this.ready = [];
    this.stdoutOther = [];
    this.stderr = '';
    this.exit = null;             // { code, signal } once exited
    this.clients = new Set();
  }

  args() {
    const args = ['--headless', '--state-dir', this.stateDir, '--bind', HOST];
    if (this.port !== undefined) args.push('--port', String(this.port));
    if (this.setupCode) args.push('--setup-code', this.setupCode);
    // HAP_INTEROP_VERBOSE=1: protocol logs of the runner, copied to our stderr.
    if (process.env.HAP_INTEROP_VERBOSE) args.push('--verbose');
    return [...args, ...this.extraArgs, ...this.files];
  }

  describe() {
    return `${SIMULATOR} ${this.args().join(' ')}`;
  }

  failureDetails() {
    const lines = [`command: ${this.describe()}`];
    const missing = this.files.filter((f) => !existsSync(f));
    if (missing.length) lines.push(`note: accessory file(s) missing: ${missing.join(', ')}`);
    if (this.stdoutOther.length) lines.push(`stdout (non-ready lines):\n${tail(this.stdoutOther.join('\n'))}`);
    lines.push(this.stderr ? `stderr:\n${tail(this.stderr)}` : 'stderr: (empty)');
    return lines.join('\n');
  }

  /** Spawn the runner and wait for one ready line per file. */
  async start() {
    if (!SIMULATOR) throw new Error('HAP_SIMULATOR is not set (path of the hap-simulator executable)');
    if (!existsSync(SIMULATOR)) throw new Error(`HAP_SIMULATOR does not exist: ${SIMULATOR}`);
    this.ready = [];
    this.stdoutOther = [];
    this.stderr = '';
    this.exit = null;

    const proc = spawn(SIMULATOR, this.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    live.add(proc);

    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        live.delete(proc);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });

    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      this.stderr += chunk;
      if (process.env.HAP_INTEROP_VERBOSE) process.stderr.write(chunk);
    });

    const want = this.files.length;
    await withTimeout(new Promise((resolve, reject) => {
      let done = false;
      const finish = (err) => {
        if (done) return;
        done = true;
        if (err) reject(err); else resolve();
      };
      proc.once('error', (err) => {
        live.delete(proc);
        finish(new Error(`cannot spawn runner: ${err.message}\n${this.failureDetails()}`));
      });
      const rl = createInterface({ input: proc.stdout });
      rl.on('line', (line) => {
        let msg = null;
        try { msg = JSON.parse(line); } catch { /* not JSON */ }
        if (msg && msg.event === 'ready') {
          this.ready.push(msg);
          if (this.ready.length === want) finish();
        } else {
          this.stdoutOther.push(line);
        }
      });
      this.exited.then(({ code, signal }) => {
        // Let stderr drain so the failure message carries it.
        setTimeout(() => finish(new Error(
          `runner exited before ready (exit code ${code}, signal ${signal}; ` +
          `${this.ready.length}/${want} ready lines)\n${this.failureDetails()}`)), 50);
      });
    }), this.readyTimeoutMs, `runner ready (${want} ready line(s))`).catch(async (err) => {
      if (err.message.startsWith('timed out')) {
        err.message += ` — got ${this.ready.length}\n${this.failureDetails()}`;
      }
      await this.kill();
      throw err;
    });

    for (const r of this.ready) {
      for (const key of ['name', 'device_id', 'port', 'setup_code', 'setup_payload']) {
        if (r[key] === undefined) {
          await this.kill();
          throw new Error(`ready line lacks "${key}": ${JSON.stringify(r)}`);
        }
      }
    }
    return this;
  }

  /** Ready line of the server serving file `i` (in order of the ready lines). */
  server(i = 0) {
    const r = this.ready[i];
    if (!r) throw new Error(`no ready line #${i} (have ${this.ready.length})`);
    return r;
  }

  serverNamed(name) {
    const r = this.ready.find((x) => x.name === name);
    if (!r) throw new Error(`no server named ${JSON.stringify(name)} (have ${this.ready.map((x) => x.name).join(', ')})`);
    return r;
  }

  get running() {
    return this.proc !== null && this.exit === null;
  }

  async closeClients() {
    for (const c of this.clients) {
      try { await c.close(); } catch { /* ignore */ }
    }
    this.clients.clear();
  }

  /** SIGTERM and wait (bounded) for exit; returns { code, signal }. */
  async stop(timeoutMs = STOP_TIMEOUT_MS) {
    await this.closeClients();
    if (!this.proc) throw new Error('runner was never started');
    if (this.exit) return this.exit;
    this.proc.kill('SIGTERM');
    try {
      return await withTimeout(this.exited, timeoutMs, 'runner exit after SIGTERM');
    } catch (err) {
      await this.kill();
      throw new Error(`${err.message}\n${this.failureDetails()}`);
    }
  }

  /** SIGTERM, assert exit code 0. */
  async stopClean() {
    const { code, signal } = await this.stop();
    if (code !== 0) {
      throw new Error(`runner did not exit 0 on SIGTERM (code ${code}, signal ${signal})\n${this.failureDetails()}`);
    }
  }

  /** Hard kill (used for cleanup). */
  async kill() {
    if (this.proc && this.exit === null) {
      try { this.proc.kill('SIGKILL'); } catch { /* gone */ }
      await withTimeout(this.exited, 2_000, 'runner exit after SIGKILL').catch(() => {});
    }
  }

  /** Stop cleanly and start again with the same state directory and files. */
  async restart() {
    await this.stopClean();
    return this.start();
  }

  /** Make an HttpClient for server `i` and track it for cleanup. */
  client(pairingData, options, i = 0) {
    const s = this.server(i);
    const c = new HttpClient(s.device_id, HOST, s.port, pairingData, options);
    this.clients.add(c);
    return c;
  }
}

/**
 * Start a runner for a test: temp state dir (unless given), --bind 127.0.0.1,
 * --setup-code (DEFAULT_SETUP_CODE unless null).  The runner, its clients and
 * the state dir it created are disposed of when `t` ends.
 */
export async function startRunner(t, opts = {}) {
  const files = opts.files ?? [accessoryFile('lightbulb.json')];
  let ownDir = false;
  let stateDir = opts.stateDir;
  if (!stateDir) {
    stateDir = await mkdtemp(path.join(tmpdir(), 'hap-interop-state-'));
    ownDir = true;
  }
  const runner = new Runner({
    ...opts,
    files,
    stateDir,
    setupCode: opts.setupCode === undefined ? DEFAULT_SETUP_CODE : opts.setupCode,
  });
  t.after(async () => {
    await runner.closeClients();
    if (runner.running) {
      await runner.stop().catch(() => {});
      await runner.kill();
    }
    if (ownDir) await rm(stateDir, { recursive: true, force: true });
  });
  await runner.start();
  return runner;
}

/** Write a custom accessory file into a temp dir removed when `t` ends. */
export async function writeAccessoryFile(t, content, name = 'custom.json') {
  const dir = await mkdtemp(path.join(tmpdir(), 'hap-interop-acc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** A simple custom lightbulb with known initial values. */
export function customLightbulb({ name = 'Interop Bulb', on = true, brightness = 42 } = {}) {
  return {
    accessories: [{
      name,
      category: 'LIGHTBULB',
      services: [{
        type: 'Lightbulb',
        characteristics: [
          { type: 'On', value: on },
          { type: 'Brightness', value: brightness },
        ],
      }],
    }],
  };
}

// ---------------------------------------------------------------------------
// Controllers

/** Pair-setup (method 0: no MFi authentication) with a new tracked client. */
export async function pairController(runner, { code, i = 0, options } = {}) {
  const s = runner.server(i);
  const client = runner.client(undefined, options, i);
  await withTimeout(client.pairSetup(code ?? s.setup_code, PairMethods.PairSetup, 0),
    10_000, 'pair-setup');
  const ltd = client.getLongTermData();
  if (!ltd) throw new Error('pair-setup finished but hap-controller has no long-term data');
  return { client, ltd };
}

/** A fresh controller identity: random pairing id and Ed25519 key pair. */
export async function newControllerIdentity() {
  await sodium.ready;
  const kp = sodium.crypto_sign_keypair();
  return {
    id: randomUUID(),                         // controller pairing identifier (UTF-8)
    ltpk: Buffer.from(kp.publicKey),          // 32 bytes
    ltsk: Buffer.from(kp.privateKey),         // 64 bytes (seed || pk), libsodium layout
  };
}

/** hap-controller pairing data for `identity` talking to the accessory of `accessoryLtd`. */
export function pairingDataFor(identity, accessoryLtd) {
  return {
    AccessoryPairingID: accessoryLtd.AccessoryPairingID,
    AccessoryLTPK: accessoryLtd.AccessoryLTPK,
    iOSDevicePairingID: Buffer.from(identity.id).toString('hex'),
    iOSDeviceLTSK: identity.ltsk.toString('hex'),
    iOSDeviceLTPK: identity.ltpk.toString('hex'),
  };
}

/**
 * Add a second controller through `admin.addPairing()` and return a tracked
 * client that uses its keys.
 */
export async function addController(runner, admin, adminLtd, { isAdmin = false, options, i = 0 } = {}) {
  const identity = await newControllerIdentity();
  await withTimeout(admin.addPairing(identity.id, identity.ltpk, isAdmin), 10_000, 'add-pairing');
  const client = runner.client(pairingDataFor(identity, adminLtd), options, i);
  return { client, identity };
}

/** Controller identifier (string) from hap-controller long-term data. */
export function controllerIdOf(ltd) {
  return Buffer.from(ltd.iOSDevicePairingID, 'hex').toString('utf8');
}

/**
 * listPairings() returns hap-controller's decoded TLV map, where repeated
 * tags become arrays.  Turn it into [{ id, ltpk, permissions }].
 */
export function decodePairingList(tlv) {
  const arr = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const ids = arr(tlv.get(0x01));
  const pks = arr(tlv.get(0x03));
  const perms = arr(tlv.get(0x0b));
  if (ids.length !== pks.length || ids.length !== perms.length) {
    throw new Error(`pairing list is inconsistent: ${ids.length} ids, ${pks.length} keys, ${perms.length} permissions`);
  }
  return ids.map((id, k) => ({
    id: id.toString('utf8'),
    ltpk: pks[k].toString('hex'),
    permissions: perms[k].length ? perms[k].readUInt8(0) : NaN,
  }));
}

/** Assert an error from hap-controller is pairing TLV error `code`. */
export function isTlvError(err, code) {
  return err && err.statusCode === code && new RegExp(`Error: ${code}\\b`).test(err.message);
}

/** Collect the events emitted by `client` (hap-controller 'event'). */
export function collectEvents(client) {
  const events = [];
  client.on('event', (ev) => {
    for (const c of ev.characteristics ?? []) {
      events.push({ aid: Number(c.aid), iid: Number(c.iid), value: normalizeValue(c.value) });
    }
  });
  return events;
}

/** Wait (bounded) until `events` has an entry matching `pred`. */
export async function waitForEvent(events, pred, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const hit = events.find(pred);
    if (hit) return hit;
    if (Date.now() > deadline) {
      throw new Error(`no ${what} within ${ms} ms; events seen: ${JSON.stringify(events)}`);
    }
    await sleep(25);
  }
}

/** json-bigint may give BigNumber objects; turn them into plain numbers. */
export function normalizeValue(v) {
  if (v !== null && typeof v === 'object' && typeof v.toNumber === 'function') return v.toNumber();
  return v;
}

// ---------------------------------------------------------------------------
// Attribute database helpers

const HAP_BASE_SUFFIX = '-0000-1000-8000-0026BB765291';

/** Short form of a HAP type: "00000025-0000-1000-8000-0026BB765291" -> "25". */
export function shortType(type) {
  let t = String(type).toUpperCase();
  if (t.endsWith(HAP_BASE_SUFFIX)) t = t.slice(0, 8);
  if (/^[0-9A-F]{1,8}$/.test(t)) t = t.replace(/^0+(?=.)/, '');
  return t;
}

export function findAccessory(db, aid) {
  const acc = db.accessories.find((a) => Number(a.aid) === aid);
  if (!acc) throw new Error(`no accessory with aid ${aid} (have ${db.accessories.map((a) => a.aid).join(', ')})`);
  return acc;
}

export function findService(acc, serviceType) {
  const want = shortType(serviceType);
  const svc = acc.services.find((s) => shortType(s.type) === want);
  if (!svc) {
    throw new Error(`accessory ${acc.aid} has no service of type ${want} ` +
      `(has ${acc.services.map((s) => shortType(s.type)).join(', ')})`);
  }
  return svc;
}

export function findChar(svc, charType) {
  const want = shortType(charType);
  const ch = svc.characteristics.find((c) => shortType(c.type) === want);
  if (!ch) {
    throw new Error(`service ${shortType(svc.type)} (iid ${svc.iid}) has no characteristic of type ${want} ` +
      `(has ${svc.characteristics.map((c) => shortType(c.type)).join(', ')})`);
  }
  return ch;
}

/**
 * Find a characteristic by types; returns { aid, iid, id: "aid.iid", ch }.
 * `aid` may be omitted to search every accessory (first match).
 */
export function locate(db, { aid, service, type }) {
  const accs = aid === undefined ? db.accessories : [findAccessory(db, aid)];
  let lastErr;
  for (const acc of accs) {
    try {
      const ch = findChar(findService(acc, service), type);
      const a = Number(acc.aid);
      const iid = Number(ch.iid);
      return { aid: a, iid, id: `${a}.${iid}`, ch };
    } catch (err) {
      lastErr = err;
    }
  }
  throw lastErr ?? new Error('no accessories');
}

export async function getDb(client) {
  return withTimeout(client.getAccessories(), 10_000, 'GET /accessories');
}

/** Read characteristics; returns map "aid.iid" -> entry (value normalised). */
export async function readChars(client, ids, opts) {
  const res = await withTimeout(client.getCharacteristics(ids, opts), 10_000, `GET /characteristics ${ids}`);
  const out = new Map();
  for (const c of res.characteristics ?? []) {
    out.set(`${Number(c.aid)}.${Number(c.iid)}`, { ...c, value: normalizeValue(c.value) });
  }
  return out;
}

export async function readValue(client, id) {
  const m = await readChars(client, [id]);
  const e = m.get(id);
  if (!e) throw new Error(`no entry for ${id} in GET /characteristics response`);
  if (e.status !== undefined && e.status !== 0) throw new Error(`reading ${id} gave status ${e.status}`);
  return e.value;
}

// ---------------------------------------------------------------------------
// Raw requests on a verified connection (for what hap-controller lacks)

/**
 * A pair-verified hap-controller HttpConnection that stays open, obtained
 * through HttpClient.getDefaultVerifiedConnection() of a client created with
 * usePersistentConnections.  Requests on it are encrypted by the library.
 */
export async function verifiedConnection(client) {
  if (!client.usePersistentConnections) {
    throw new Error('verifiedConnection() needs a client made with { usePersistentConnections: true }');
  }
  return withTimeout(client.getDefaultVerifiedConnection(), 10_000, 'pair-verify');
}

export function parseBody(res) {
  if (!res.body || res.body.length === 0) return null;
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return { raw: res.body.toString('utf8') };
  }
}

export async function rawPut(conn, urlPath, obj, what = `PUT ${urlPath}`) {
  const res = await withTimeout(conn.put(urlPath, Buffer.from(JSON.stringify(obj))), 10_000, what);
  return { statusCode: res.statusCode, headers: res.headers, body: parseBody(res) };
}

/** A random timed-write transaction id (fits in a JSON number). */
export function newPid() {
  return randomInt(1, 2 ** 47);
}

/** A setup code with the right format that differs from `code` (and that
 *  hap-controller accepts: it refuses trivial codes such as 111-11-111). */
const TRIVIAL_CODES = new Set(['00000000', '11111111', '22222222', '33333333', '44444444',
  '55555555', '66666666', '77777777', '88888888', '99999999', '12345678', '87654321']);
export function wrongCode(code) {
  const base = code.replace(/-/g, '');
  for (let k = 1; k < 10; k++) {
    const d = base.slice(0, 7) + String((Number(base[7]) + k) % 10);
    if (!TRIVIAL_CODES.has(d)) return `${d.slice(0, 3)}-${d.slice(3, 5)}-${d.slice(5)}`;
  }
  throw new Error(`cannot derive a wrong code from ${code}`);
}

// ---------------------------------------------------------------------------
// Pair-setup with a chosen SRP client secret
//
// SRP values are 384-byte big-endian numbers.  About one time in 256 the
// controller's public key A, or the shared premaster secret S, starts with a
// 0x00 byte; how an accessory hashes such values (padded to 384 bytes or
// stripped of leading zeros) then decides whether pair-setup succeeds with
// hap-controller, whose SRP (fast-srp-hap, as HAP-NodeJS) uses PAD(A) in M1
// and K = H(PAD(S)).  To test those cases deterministically, the client's
// secret `a` is chosen after M2 (B and salt known) so that A and S have the
// wanted shape, and handed to hap-controller through fast-srp-hap's
// SRP.genKey(), which it calls once while building M3.

const srp = loadModule('fast-srp-hap');
const SRP_LEN = 384;
const bufToBig = (b) => BigInt('0x' + (b.length ? b.toString('hex') : '0'));
function bigToBuf(n, len) {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const b = Buffer.from(hex, 'hex');
  return len === undefined ? b : Buffer.concat([Buffer.alloc(Math.max(0, len - b.length)), b]);
}
const sha512 = (...parts) => createHash('sha512').update(Buffer.concat(parts)).digest();

let srpGroup = null;                       // { N, Nbuf, g, k, dhG } (dhG: g^e mod N via OpenSSL)
function srpGroupParams() {
  if (!srpGroup) {
    const Nbuf = Buffer.from(srp.SRP.params.hap.N.toString(16), 'hex');
    const gBuf = Buffer.from([5]);
    const N = bufToBig(Nbuf);
    const k = bufToBig(sha512(Nbuf, bigToBuf(5n, SRP_LEN)));
    srpGroup = { N, Nbuf, g: 5n, k, dhG: createDiffieHellman(Nbuf, gBuf) };
  }
  return srpGroup;
}
// base^e mod N with OpenSSL (a DiffieHellman object per base; cheap per exponent).
function modPowWith(dh, e) {
  dh.setPrivateKey(bigToBuf(e));
  return bufToBig(dh.generateKeys());
}

/**
 * Choose a 32-byte client secret `a` for which A = g^a and S (the premaster
 * secret of fast-srp-hap's client) have a leading zero byte or not, as asked.
 */
export function chooseSrpSecret({ salt, B, pin, zeroA, zeroS, maxTries = 50_000 }) {
  const { N, k, dhG } = srpGroupParams();
  const x = bufToBig(sha512(salt, sha512(Buffer.from(`Pair-Setup:${pin}`))));
  const v = modPowWith(dhG, x);
  const Bn = bufToBig(B);
  const base = (((Bn - k * v) % N) + N) % N;
  const dhBase = createDiffieHellman(srpGroupParams().Nbuf, bigToBuf(base, SRP_LEN));
  const Bpad = bigToBuf(Bn, SRP_LEN);
  for (let i = 0; i < maxTries; i++) {
    const key = randomBytes(32);
    if (key[0] === 0) continue;             // keep a full 256-bit secret
    const a = bufToBig(key);
    const A = bigToBuf(modPowWith(dhG, a), SRP_LEN);
    if ((A[0] === 0) !== zeroA) continue;
    const u = bufToBig(sha512(A, Bpad));
    const S = bigToBuf(modPowWith(dhBase, a + u * x), SRP_LEN);
    if ((S[0] === 0) !== zeroS) continue;
    return key;
  }
  throw new Error(`no SRP secret with zeroA=${zeroA} zeroS=${zeroS} in ${maxTries} tries`);
}

const minimal = (b) => {
  let z = 0;
  while (z < b.length && b[z] === 0) z++;
  return b.subarray(z);
};

/**
 * Pair-setup (method 0) where the controller's A and/or S start with 0x00.
 * With `adk: true` the controller's K, M1 and M2 are recomputed the way
 * Apple's HomeKit ADK computes them (K = H(MIN(S)), M1 over MIN(A) and
 * MIN(B), M2 = H(PAD(A) | M1 | K)) before M3 is sent; otherwise
 * hap-controller's own arithmetic (fast-srp-hap) is used.  Returns
 * { client, ltd } like pairController() or throws what hap-controller throws,
 * after checking that the crafted values were really used.
 */
export async function pairControllerCraftedSrp(runner, { zeroA = false, zeroS = false, adk = false, i = 0 } = {}) {
  const s = runner.server(i);
  const client = runner.client(undefined, undefined, i);
  const proto = client.pairingProtocol;
  const buildM3 = proto.buildPairSetupM3.bind(proto);
  let chosen = null;
  proto.buildPairSetupM3 = async (m2Tlv, pin) => {
    chosen = chooseSrpSecret({ salt: m2Tlv.get(0x02), B: m2Tlv.get(0x03), pin, zeroA, zeroS });
    const genKey = srp.SRP.genKey;
    srp.SRP.genKey = async () => Buffer.from(chosen);
    let m3;
    try {
      m3 = await buildM3(m2Tlv, pin);
    } finally {
      srp.SRP.genKey = genKey;
    }
    if (!adk) return m3;
    const c = proto.srpClient;
    const { Nbuf } = srpGroupParams();
    const hN = sha512(minimal(Nbuf));
    const hG = sha512(Buffer.from([5]));
    for (let k = 0; k < hN.length; k++) hN[k] ^= hG[k];
    const K = sha512(minimal(c._S));
    const M1 = sha512(hN, sha512(Buffer.from('Pair-Setup')), c._s, minimal(c._A), minimal(c._B), K);
    c._K = K;
    c._M1 = M1;
    c._M2 = sha512(bigToBuf(bufToBig(c._A), SRP_LEN), M1, K);
    return hc.TLV.encodeObject(new Map([[0x06, Buffer.from([3])], [0x03, c._A], [0x04, M1]]));
  };
  const check = () => {
    const c = proto.srpClient;
    if (!chosen || !c) throw new Error('crafted SRP secret was not used (hap-controller internals changed?)');
    if ((c._A[0] === 0) !== zeroA || (c._S[0] === 0) !== zeroS) {
      throw new Error(`crafted SRP values not as wanted: A[0]=${c._A[0]} S[0]=${c._S[0]}`);
    }
  };
  try {
    await withTimeout(client.pairSetup(s.setup_code, PairMethods.PairSetup, 0), 20_000, 'pair-setup (crafted SRP)');
  } catch (err) {
    check();
    throw err;
  }
  check();
  return { client, ltd: client.getLongTermData() };
}
