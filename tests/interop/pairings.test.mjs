// Pairing management (list / add / remove pairings), against hap-controller.
//
// Extra controllers are identities made here (random pairing id and a fresh
// Ed25519 key pair from libsodium-wrappers), added by the admin through
// add-pairing, then used through an HttpClient given those keys as its
// long-term pairing data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT_MS, TLV_ERROR,
  startRunner, pairController, addController, newControllerIdentity, controllerIdOf,
  decodePairingList, isTlvError, withTimeout, getDb, readValue, locate,
} from './harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };

async function list(client) {
  return decodePairingList(await withTimeout(client.listPairings(), 10_000, 'list-pairings'));
}

test('list pairings shows the admin', opts, async (t) => {
  const runner = await startRunner(t);
  const { client, ltd } = await pairController(runner);
  const pairings = await list(client);
  assert.equal(pairings.length, 1, `one pairing: ${JSON.stringify(pairings)}`);
  assert.equal(pairings[0].id, controllerIdOf(ltd), 'identifier of the controller that paired');
  assert.equal(pairings[0].ltpk, ltd.iOSDeviceLTPK, 'its long-term public key');
  assert.equal(pairings[0].permissions, 1, 'admin permission');
});

test('add a non-admin pairing: list shows both with their permissions', opts, async (t) => {
  const runner = await startRunner(t);
  const { client: admin, ltd } = await pairController(runner);
  const { client: user, identity } = await addController(runner, admin, ltd, { isAdmin: false });

  const pairings = await list(admin);
  assert.equal(pairings.length, 2, `two pairings: ${JSON.stringify(pairings)}`);
  const a = pairings.find((p) => p.id === controllerIdOf(ltd));
  const u = pairings.find((p) => p.id === identity.id);
  assert.ok(a, `admin listed: ${JSON.stringify(pairings)}`);
  assert.ok(u, `new controller listed: ${JSON.stringify(pairings)}`);
  assert.equal(a.permissions, 1, 'admin has permission 1');
  assert.equal(u.permissions, 0, 'non-admin has permission 0');
  assert.equal(u.ltpk, identity.ltpk.toString('hex'), 'new controller LTPK as added');

  // The added controller can pair-verify and read.
  const db = await getDb(user);
  const on = locate(db, { aid: 1, service: '43', type: '25' });
  const v = await readValue(user, on.id);
  assert.ok([true, false, 0, 1].includes(v), `On value ${JSON.stringify(v)}`);
});

test('a non-admin controller cannot add pairings (kTLVError_Authentication)', opts, async (t) => {
  const runner = await startRunner(t);
  const { client: admin, ltd } = await pairController(runner);
  const { client: user } = await addController(runner, admin, ltd, { isAdmin: false });
  const other = await newControllerIdentity();
  await assert.rejects(
    withTimeout(user.addPairing(other.id, other.ltpk, false), 10_000, 'add-pairing by non-admin'),
    (err) => {
      assert.ok(isTlvError(err, TLV_ERROR.Authentication),
        `expected M2 TLV error 2 (kTLVError_Authentication), got: ${err && err.message} (statusCode ${err && err.statusCode})`);
      return true;
    });
  const pairings = await list(admin);
  assert.ok(!pairings.some((p) => p.id === other.id), 'the refused pairing was not added');
  assert.equal(pairings.length, 2);
});

test('remove the non-admin pairing: its pair-verify is refused afterwards', opts, async (t) => {
  const runner = await startRunner(t);
  const { client: admin, ltd } = await pairController(runner);
  const { client: user, identity } = await addController(runner, admin, ltd, { isAdmin: false });
  await getDb(user);                                       // verifies while still paired

  await withTimeout(admin.removePairing(Buffer.from(identity.id)), 10_000, 'remove-pairing');
  const pairings = await list(admin);
  assert.deepEqual(pairings.map((p) => p.id), [controllerIdOf(ltd)], 'only the admin is left');

  await assert.rejects(withTimeout(getDb(user), 10_000, 'pair-verify of the removed controller'), (err) => {
    assert.ok(isTlvError(err, TLV_ERROR.Authentication),
      `expected pair-verify M4 TLV error 2 (kTLVError_Authentication), got: ${err && err.message} (statusCode ${err && err.statusCode})`);
    return true;
  });
  // The admin still works.
  await getDb(admin);
});
