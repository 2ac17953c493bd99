// Attribute database, reads and writes, against hap-controller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  TEST_TIMEOUT_MS, HAP_STATUS,
  startRunner, pairController, getDb, locate, findAccessory, findService, findChar, shortType,
  readChars, readValue, withTimeout, writeAccessoryFile, customLightbulb, accessoryFile,
} from './harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };

// Short HAP types used below.
const T = {
  AccessoryInformation: '3E', Lightbulb: '43',
  Identify: '14', Manufacturer: '20', Model: '21', Name: '23', SerialNumber: '30', FirmwareRevision: '52',
  On: '25', Brightness: '8', Hue: '13', Saturation: '2F',
};

function checkAccessoryInformation(acc) {
  const ai = findService(acc, T.AccessoryInformation);
  for (const type of [T.Identify, T.Manufacturer, T.Model, T.Name, T.SerialNumber, T.FirmwareRevision]) {
    findChar(ai, type);
  }
  return ai;
}

function checkUniqueIids(acc) {
  const iids = [];
  for (const s of acc.services) {
    iids.push(Number(s.iid));
    for (const c of s.characteristics) iids.push(Number(c.iid));
  }
  assert.equal(new Set(iids).size, iids.length, `iids of accessory ${acc.aid} are unique: ${iids.join(',')}`);
  for (const iid of iids) assert.ok(Number.isInteger(iid) && iid >= 1, `iid ${iid} is a positive integer`);
}

async function pairedLightbulb(t, file) {
  const runner = await startRunner(t, file ? { files: [file] } : {});
  const { client, ltd } = await pairController(runner);
  const db = await getDb(client);
  const on = locate(db, { aid: 1, service: T.Lightbulb, type: T.On });
  const bri = locate(db, { aid: 1, service: T.Lightbulb, type: T.Brightness });
  return { runner, client, ltd, db, on, bri };
}

test('pair-verify + getAccessories returns the lightbulb database', opts, async (t) => {
  const { db } = await pairedLightbulb(t);
  assert.ok(Array.isArray(db.accessories), 'accessories array');
  assert.equal(db.accessories.length, 1, 'one accessory');
  const acc = findAccessory(db, 1);
  checkUniqueIids(acc);

  const ai = checkAccessoryInformation(acc);
  assert.equal(Number(ai.iid), 1, 'Accessory Information service has iid 1');
  assert.equal(findChar(ai, T.Name).value, 'Desk Lamp', 'Name');

  const bulb = findService(acc, T.Lightbulb);
  const on = findChar(bulb, T.On);
  assert.equal(on.format, 'bool');
  for (const p of ['pr', 'pw', 'ev']) assert.ok(on.perms.includes(p), `On perms ${on.perms} include ${p}`);

  const bri = findChar(bulb, T.Brightness);
  assert.equal(bri.format, 'int', 'Brightness format');
  assert.equal(Number(bri.minValue), 0, 'Brightness minValue');
  assert.equal(Number(bri.maxValue), 100, 'Brightness maxValue');
  for (const p of ['pr', 'pw', 'ev']) assert.ok(bri.perms.includes(p), `Brightness perms ${bri.perms} include ${p}`);

  findChar(bulb, T.Hue);
  findChar(bulb, T.Saturation);
});

test('read On and Brightness', opts, async (t) => {
  const file = await writeAccessoryFile(t, customLightbulb({ on: true, brightness: 42 }));
  const { client, on, bri } = await pairedLightbulb(t, file);
  const values = await readChars(client, [on.id, bri.id]);
  assert.equal(values.size, 2, `two entries in ${JSON.stringify([...values.values()])}`);
  const onValue = values.get(on.id).value;
  assert.ok(onValue === true || onValue === 1, `On reads true/1, got ${JSON.stringify(onValue)}`);
  assert.equal(values.get(bri.id).value, 42, 'Brightness reads its initial value');

  // The same read with meta, perms and type.
  const values2 = await readChars(client, [bri.id], { meta: true, perms: true, type: true });
  const e = values2.get(bri.id);
  assert.equal(shortType(e.type), T.Brightness, 'type=1 gives the type');
  assert.equal(e.format, 'int', 'meta=1 gives the format');
  assert.ok(Array.isArray(e.perms) && e.perms.includes('pr'), 'perms=1 gives the perms');
});

test('write Brightness 75, then read 75', opts, async (t) => {
  const { client, bri } = await pairedLightbulb(t);
  // lightbulb.json may start at 75: go through another value first.
  for (const value of [20, 75]) {
    const res = await withTimeout(client.setCharacteristics({ [bri.id]: value }), 10_000, `PUT /characteristics ${value}`);
    // 204 → hap-controller returns what it sent; 207 would carry per-characteristic statuses.
    for (const c of res.characteristics) {
      assert.ok(c.status === undefined || c.status === 0, `write ${value} status: ${JSON.stringify(c)}`);
    }
    assert.equal(await readValue(client, bri.id), value);
  }
});

test('write an out-of-range Brightness (150) gives -70410 and keeps the value', opts, async (t) => {
  const { client, bri } = await pairedLightbulb(t);
  await withTimeout(client.setCharacteristics({ [bri.id]: 75 }), 10_000, 'PUT /characteristics 75');
  assert.equal(await readValue(client, bri.id), 75);

  let res;
  try {
    res = await withTimeout(client.setCharacteristics({ [bri.id]: 150 }), 10_000, 'PUT /characteristics 150');
  } catch (err) {
    assert.fail(`expected HTTP 207 with status -70410, got ${err.statusCode}: ${err.message} ${JSON.stringify(err.body)}`);
  }
  // On HTTP 204 hap-controller echoes the request (no status field): that means the write was accepted.
  const entry = res.characteristics.find((c) => `${Number(c.aid)}.${Number(c.iid)}` === bri.id);
  assert.ok(entry, `response names ${bri.id}: ${JSON.stringify(res)}`);
  assert.equal(entry.status, HAP_STATUS.INVALID_VALUE,
    `PUT {"characteristics":[{"aid":${bri.aid},"iid":${bri.iid},"value":150}]} → expected 207 status -70410, got ${JSON.stringify(res)}`);
  assert.equal(await readValue(client, bri.id), 75, 'value unchanged after the refused write');
});

test('bridge: getAccessories lists the bridge (aid 1) and bridged accessories', opts, async (t) => {
  const file = accessoryFile('bridge.json');
  const runner = await startRunner(t, { files: [file] });
  const { client } = await pairController(runner);
  const db = await getDb(client);

  const aids = db.accessories.map((a) => Number(a.aid));
  assert.equal(new Set(aids).size, aids.length, `aids unique: ${aids}`);
  assert.ok(aids.includes(1), `aid 1 (the bridge) present: ${aids}`);
  const bridged = db.accessories.filter((a) => Number(a.aid) !== 1);
  assert.ok(bridged.length >= 1, `at least one bridged accessory: ${aids}`);

  for (const acc of db.accessories) {
    checkUniqueIids(acc);
    const ai = checkAccessoryInformation(acc);
    assert.equal(Number(ai.iid), 1, `Accessory Information of aid ${acc.aid} has iid 1`);
  }
  for (const acc of bridged) {
    const other = acc.services.filter((s) => shortType(s.type) !== T.AccessoryInformation);
    assert.ok(other.length >= 1, `bridged accessory ${acc.aid} has a service besides Accessory Information`);
    for (const s of other) assert.ok(s.characteristics.length >= 1, `service ${shortType(s.type)} of aid ${acc.aid} has characteristics`);
  }

  // The accessories the file describes: the first is the bridge (aid 1), the
  // others are bridged, with the aids and names given in the file.
  const spec = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(db.accessories.length, spec.accessories.length, 'as many accessories as bridge.json has');
  for (const [k, def] of spec.accessories.entries()) {
    const aid = k === 0 ? 1 : def.aid;
    if (aid === undefined) continue;
    const acc = findAccessory(db, aid);
    const name = findChar(findService(acc, T.AccessoryInformation), T.Name).value;
    assert.equal(name, def.name, `Name of aid ${aid}`);
  }

  // Every bridged accessory is readable.
  const ids = bridged.map((acc) => {
    const svc = acc.services.find((s) => shortType(s.type) !== T.AccessoryInformation);
    const ch = svc.characteristics.find((c) => (c.perms ?? []).includes('pr'));
    return ch ? `${acc.aid}.${ch.iid}` : null;
  }).filter(Boolean);
  if (ids.length) {
    const values = await readChars(client, ids);
    for (const id of ids) {
      const e = values.get(id);
      assert.ok(e && (e.status === undefined || e.status === 0), `read ${id}: ${JSON.stringify(e)}`);
    }
  }
});
