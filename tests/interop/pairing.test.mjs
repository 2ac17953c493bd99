// Pair-setup, identify and the ready line, against hap-controller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT_MS, DEFAULT_SETUP_CODE, TLV_ERROR, HAP_STATUS,
  startRunner, pairController, isTlvError, wrongCode, withTimeout, getDb, PairMethods, accessoryFile,
} from './harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };

test('runner prints a ready line with the documented fields', opts, async (t) => {
  const runner = await startRunner(t);
  const s = runner.server();
  assert.equal(s.event, 'ready');
  assert.equal(s.name, 'Desk Lamp');
  assert.match(s.device_id, /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/i, 'device_id is XX:XX:XX:XX:XX:XX');
  assert.ok(Number.isInteger(s.port) && s.port > 0 && s.port < 65536, `port ${s.port}`);
  assert.equal(s.setup_code, DEFAULT_SETUP_CODE, 'setup_code reflects --setup-code');
  assert.match(s.setup_payload, /^X-HM:\/\/[0-9A-Z]{9}/, 'setup payload is an X-HM:// URI');
});

test('identify when unpaired succeeds (204)', opts, async (t) => {
  const runner = await startRunner(t);
  const client = runner.client();
  // hap-controller's identify() resolves only on HTTP 204.
  await withTimeout(client.identify(), 5_000, 'POST /identify');
});

test('pair-setup with the right code', opts, async (t) => {
  const runner = await startRunner(t);
  const { ltd } = await pairController(runner);
  const s = runner.server();
  assert.equal(Buffer.from(ltd.AccessoryPairingID, 'hex').toString('utf8'), s.device_id,
    'accessory pairing identifier (M6) equals the ready line device_id');
  assert.equal(Buffer.from(ltd.AccessoryLTPK, 'hex').length, 32, 'accessory LTPK is an Ed25519 public key');
});

test('pair-setup with a wrong code is rejected, the right code works afterwards', opts, async (t) => {
  const runner = await startRunner(t);
  const s = runner.server();
  const bad = wrongCode(s.setup_code);
  const attacker = runner.client();
  await assert.rejects(
    withTimeout(attacker.pairSetup(bad, PairMethods.PairSetup, 0), 10_000, 'pair-setup (wrong code)'),
    (err) => {
      assert.ok(isTlvError(err, TLV_ERROR.Authentication),
        `expected TLV error 2 (kTLVError_Authentication) at M4, got: ${err && err.message} (statusCode ${err && err.statusCode})`);
      assert.match(err.message, /^M4:/, 'the SRP proof is refused at M4');
      return true;
    });
  assert.equal(attacker.getLongTermData(), null, 'no pairing data after a failed pair-setup');

  const { client } = await pairController(runner);
  const db = await getDb(client);
  assert.ok(db.accessories.length >= 1);
});

test('pair-setup when already paired is refused (kTLVError_Unavailable)', opts, async (t) => {
  const runner = await startRunner(t);
  await pairController(runner);
  const second = runner.client();
  await assert.rejects(
    withTimeout(second.pairSetup(runner.server().setup_code, PairMethods.PairSetup, 0), 10_000, 'second pair-setup'),
    (err) => {
      assert.ok(isTlvError(err, TLV_ERROR.Unavailable),
        `expected TLV error 6 (kTLVError_Unavailable) at M2, got: ${err && err.message} (statusCode ${err && err.statusCode})`);
      return true;
    });
});

test('identify when paired is refused (HTTP 400, -70401)', opts, async (t) => {
  const runner = await startRunner(t);
  await pairController(runner);
  const client = runner.client();
  await assert.rejects(withTimeout(client.identify(), 5_000, 'POST /identify'), (err) => {
    assert.equal(err.statusCode, 400, `expected HTTP 400, got ${err.statusCode} (${err.message})`);
    const body = err.body;
    assert.ok(body && typeof body === 'object', `expected a JSON body, got ${JSON.stringify(body)}`);
    assert.equal(Number(body.status), HAP_STATUS.INSUFFICIENT_PRIVILEGES, `body: ${JSON.stringify(body)}`);
    return true;
  });
});

test('two files: one server each, with its own port and identity', opts, async (t) => {
  const runner = await startRunner(t, { files: [accessoryFile('lightbulb.json'), accessoryFile('lock.json')] });
  assert.equal(runner.ready.length, 2);
  const [a, b] = runner.ready;
  assert.notEqual(a.port, b.port, 'distinct ports');
  assert.notEqual(a.device_id, b.device_id, 'distinct device ids');
  assert.deepEqual(runner.ready.map((r) => r.name).sort(), ['Desk Lamp', 'Front Door Lock'].sort());
  for (let i = 0; i < 2; i++) {
    const { client } = await pairController(runner, { i });
    const db = await getDb(client);
    assert.ok(db.accessories.length >= 1, `server ${i} serves its accessory`);
  }
});
