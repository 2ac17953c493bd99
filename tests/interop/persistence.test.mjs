// Identity, keys and pairings survive a restart of the runner (same state dir).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT_MS,
  startRunner, pairController, getDb, locate, readChars,
} from './harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };

test('restart with the same state dir: the original controller still pair-verifies and reads', opts, async (t) => {
  const runner = await startRunner(t);
  const before = { ...runner.server() };
  const { ltd } = await pairController(runner);

  await runner.restart();               // SIGTERM → exit 0 asserted, then start again
  const after = runner.server();
  assert.equal(after.device_id, before.device_id, 'same device id after restart');
  assert.equal(after.setup_code, before.setup_code, 'same setup code after restart');

  // A brand-new client object, only given the stored long-term data.
  const client = runner.client(ltd);
  const db = await getDb(client);
  const on = locate(db, { aid: 1, service: '43', type: '25' });
  const bri = locate(db, { aid: 1, service: '43', type: '8' });
  const values = await readChars(client, [on.id, bri.id]);
  const v = values.get(on.id)?.value;
  const b = values.get(bri.id)?.value;
  assert.ok([true, false, 0, 1].includes(v), `On value ${JSON.stringify(v)}`);
  assert.ok(Number.isInteger(b) && b >= 0 && b <= 100, `Brightness value ${JSON.stringify(b)}`);

  await runner.stopClean();
});
