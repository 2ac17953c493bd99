// Real devices (tests/data/real-devices: what each answered to GET /accessories) served
// by hap-simulator as recorded, against hap-controller: the database read back equals
// the file (aids, iids, types, perms, formats, metadata, readable values; "ev" aside),
// reads give the recorded values, writes within the recorded metadata are accepted and
// read back, and a write by one controller reaches another as an event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  startRunner, pairController, addController, getDb, readChars, withTimeout,
  collectEvents, waitForEvent, normalizeValue,
} from './harness.mjs';

const DIR = process.env.HAP_REAL_DEVICES_DIR ??
  path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'data', 'real-devices');
const DUMPS_DIR = path.resolve(DIR, '..', 'dumps');
const opts = { timeout: 60_000 };

/**
 * A HAP type as one string: hap-controller gives full UUIDs where the device may have
 * written short ones ("3E"), lower case or no dashes (the raw answer, as recorded, is
 * checked by test-dump and hapctl clone).
 */
function fullType(type) {
  let t = String(type).toUpperCase().replaceAll('-', '');
  if (/^[0-9A-F]{1,8}$/.test(t)) t = t.padStart(8, '0') + '00001000800000' + '26BB765291';
  return t;
}

/** json-bigint numbers into plain ones, types as fullType(), "ev" (per connection) left out. */
function plain(v) {
  v = normalizeValue(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'ev') continue;
      out[k] = k === 'type' && typeof x === 'string' ? fullType(x) : plain(x);
    }
    return out;
  }
  return v;
}

function characteristics(accessories) {
  const out = [];
  for (const acc of accessories) {
    for (const svc of acc.services) {
      for (const ch of svc.characteristics) out.push({ aid: Number(acc.aid), iid: Number(ch.iid), id: `${acc.aid}.${ch.iid}`, ch });
    }
  }
  return out;
}

const INTEGER_LIMITS = {
  uint8: [0, 255], uint16: [0, 65535], uint32: [0, 4294967295], uint64: [0, Number.MAX_SAFE_INTEGER],
  int: [-2147483648, 2147483647],
};

/**
 * A value the recorded metadata allows that differs from `current` where it can, or
 * undefined when there is none to pick (tlv8 and data have no content rules to follow).
 */
function valueWithin(ch, current) {
  const format = ch.format ?? (typeof ch.value === 'boolean' ? 'bool' : undefined);
  const values = ch['valid-values'];
  if (format === 'bool') return !current;
  if (format === 'string') {
    const text = current === 'clone' ? 'clone2' : 'clone';
    return text.length <= (ch.maxLen ?? 64) ? text : undefined;
  }
  if (!(format in INTEGER_LIMITS) && format !== 'float') return undefined;
  if (Array.isArray(values) && values.length > 0) return values.find((v) => v !== current) ?? values[0];
  const ranges = ch['valid-values-range'];
  if (Array.isArray(ranges) && ranges.length > 0) return Array.isArray(ranges[0]) ? ranges[0][0] : ranges[0];

  const [low, high] = INTEGER_LIMITS[format] ?? [-Infinity, Infinity];
  const min = ch.minValue ?? Math.max(low, 0);
  const max = ch.maxValue ?? high;
  const step = ch.minStep ?? (format === 'float' ? 0 : 1);
  const next = step > 0 ? min + step : min + 1;
  const candidate = next <= max && current !== next ? next : min;
  return format === 'float' ? candidate : Math.round(candidate);
}

/** Characteristics a controller can write and read back without timed or additional auth. */
function writable(db) {
  return characteristics(db.accessories).filter(({ ch }) => {
    const perms = ch.perms ?? [];
    return perms.includes('pw') && perms.includes('pr') && !perms.includes('tw') && !perms.includes('aa') &&
      valueWithin(ch, ch.value) !== undefined;
  });
}

function sameValue(actual, expected, format) {
  if (format === 'float' && typeof actual === 'number' && typeof expected === 'number') {
    return Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected));
  }
  if (format === 'bool' && typeof expected === 'boolean') return actual === expected || actual === Number(expected);
  return actual === expected;
}

async function serve(t, file) {
  const runner = await startRunner(t, { files: [file] });
  const { client, ltd } = await pairController(runner);
  return { runner, client, ltd, db: plain(await getDb(client)) };
}

const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).sort();

test('every real device is here', () => {
  assert.equal(files.length, 15, `files in ${DIR}: ${files.join(', ')}`);
});

for (const name of files) {
  test(`${name}: served as recorded, read, written and notified`, opts, async (t) => {
    const file = path.join(DIR, name);
    const recorded = JSON.parse(await readFile(file, 'utf8'));
    const { runner, client, ltd, db } = await serve(t, file);

    assert.deepEqual(db.accessories, plain(recorded), 'GET /accessories equals the recording');

    // Reads: every readable characteristic, values as recorded.
    const readable = characteristics(recorded).filter(({ ch }) => (ch.perms ?? []).includes('pr'));
    const values = await readChars(client, readable.map((c) => c.id));
    for (const { id, ch } of readable) {
      const entry = values.get(id);
      assert.ok(entry, `a read of ${id} answers`);
      assert.ok(entry.status === undefined || entry.status === 0, `read ${id}: ${JSON.stringify(entry)}`);
      if ('value' in ch) assert.deepEqual(plain(entry.value), plain(ch.value), `${id} reads as recorded`);
    }

    // Writes within the recorded metadata, read back.
    const targets = writable(db);
    assert.ok(targets.length > 0, 'the device has a characteristic to write');
    const wanted = Object.fromEntries(targets.map(({ id, ch }) => [id, valueWithin(ch, ch.value)]));
    const res = await withTimeout(client.setCharacteristics(wanted), 10_000, `write ${Object.keys(wanted)}`);
    for (const c of res?.characteristics ?? []) {
      assert.ok(c.status === undefined || c.status === 0, `write ${c.aid}.${c.iid}=${wanted[`${c.aid}.${c.iid}`]}: ${JSON.stringify(c)}`);
    }
    const after = await readChars(client, targets.map((c) => c.id));
    for (const { id, ch } of targets) {
      assert.ok(sameValue(plain(after.get(id)?.value), wanted[id], ch.format),
        `${id} reads back ${JSON.stringify(wanted[id])}, got ${JSON.stringify(after.get(id))}`);
    }

    // Events: a second controller's write reaches the first.
    const evented = targets.find(({ ch }) => (ch.perms ?? []).includes('ev'));
    assert.ok(evented, 'the device has a characteristic with events to write');
    const { client: other } = await addController(runner, client, ltd);
    const events = collectEvents(client);
    await withTimeout(client.subscribeCharacteristics([evented.id]), 10_000, `subscribe ${evented.id}`);
    const next = valueWithin(evented.ch, wanted[evented.id]);
    await withTimeout(other.setCharacteristics({ [evented.id]: next }), 10_000, `second controller writes ${evented.id}`);
    await waitForEvent(events, (e) => e.aid === evented.aid && e.iid === evented.iid &&
      sameValue(e.value, next, evented.ch.format), 5_000, `event ${evented.id}=${JSON.stringify(next)}`);
    // Exit 0 on SIGTERM (under ASan: no leak or error).
    await runner.stopClean();
  });
}

test('a Home Assistant diagnostics download is served like the device it holds', opts, async (t) => {
  const recorded = JSON.parse(await readFile(path.join(DIR, 'koogeek_ls1.json'), 'utf8'));
  const { runner, db } = await serve(t, path.join(DUMPS_DIR, 'ha-diagnostics-koogeek.json'));
  assert.deepEqual(db.accessories, plain(recorded), 'GET /accessories equals data.entity-map');
  await runner.stopClean();
});
