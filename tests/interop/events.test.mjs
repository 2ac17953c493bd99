// Notifications between two controllers, against hap-controller.
//
// Controller A is paired by pair-setup.  Controller B is a second pairing that
// A adds with add-pairing: B's identity is a fresh Ed25519 key pair made with
// libsodium-wrappers (a dependency of hap-controller), handed to a second
// HttpClient as its long-term pairing data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT_MS,
  startRunner, pairController, addController, getDb, locate, withTimeout,
  collectEvents, waitForEvent, sleep, writeAccessoryFile, customLightbulb,
} from './harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };

test('events: A is notified of B\'s write, B is not notified of its own write', opts, async (t) => {
  const file = await writeAccessoryFile(t, customLightbulb({ brightness: 50 }));
  const runner = await startRunner(t, { files: [file] });
  const { client: a, ltd } = await pairController(runner);
  // B subscribes and writes on one and the same connection, so that "its own
  // write" is well defined: the accessory must not echo the change to the
  // connection that made it.
  const { client: b } = await addController(runner, a, ltd, {
    isAdmin: false,
    options: { usePersistentConnections: true, subscriptionsUseSameConnection: true },
  });

  const db = await getDb(a);
  const bri = locate(db, { aid: 1, service: '43', type: '8' });
  const isBri = (v) => (e) => e.aid === bri.aid && e.iid === bri.iid && e.value === v;

  const eventsA = collectEvents(a);
  const eventsB = collectEvents(b);
  await withTimeout(a.subscribeCharacteristics([bri.id]), 10_000, 'A subscribes');
  await withTimeout(b.subscribeCharacteristics([bri.id]), 10_000, 'B subscribes');

  // The accessory starts at 50: both writes below change the value.
  const first = 33;
  const second = 44;

  const res = await withTimeout(b.setCharacteristics({ [bri.id]: first }), 10_000,
    'B writes (a hang here can mean the accessory sent B an EVENT before the write response)');
  for (const c of res.characteristics) {
    assert.ok(c.status === undefined || c.status === 0, `B's write status: ${JSON.stringify(c)}`);
  }
  await waitForEvent(eventsA, isBri(first), 5_000, `event ${bri.id}=${first} at A after B's write`);
  await sleep(1_000);
  assert.deepEqual(eventsB.filter((e) => e.aid === bri.aid && e.iid === bri.iid), [],
    'B must not be notified of its own write on the same connection');

  // B's subscription does work: a write by A reaches B.
  await withTimeout(a.setCharacteristics({ [bri.id]: second }), 10_000, 'A writes');
  await waitForEvent(eventsB, isBri(second), 5_000, `event ${bri.id}=${second} at B after A's write`);
});
