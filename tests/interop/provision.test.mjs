// Factory provisioning against hap-controller: a device provisioned by hap-provision keeps
// only its setup code's verifier, and pairs with the code from its label, and only with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  TEST_TIMEOUT_MS, TLV_ERROR, startRunner, pairController, isTlvError, wrongCode, withTimeout,
  getDb, PairMethods, accessoryFile,
} from './harness.mjs';

const PROVISION = process.env.HAP_PROVISION;
const opts = { timeout: TEST_TIMEOUT_MS };

async function provisionOne(t) {
  if (!PROVISION) throw new Error('HAP_PROVISION is not set (path of hap-provision)');
  const factory = await mkdtemp(path.join(tmpdir(), 'hap-interop-factory-'));
  const stateDir = await mkdtemp(path.join(tmpdir(), 'hap-interop-state-'));
  t.after(() => Promise.all([factory, stateDir].map((d) => rm(d, { recursive: true, force: true }))));
  await promisify(execFile)(PROVISION, ['--accessory', accessoryFile('lightbulb.json'), factory]);
  const [label] = JSON.parse(await readFile(path.join(factory, 'manifest-0001-0001.json'), 'utf8'));
  // hap-simulator names an accessory's state directory after its file.
  await cp(label.state_dir, path.join(stateDir, 'lightbulb'), { recursive: true });
  return { label, stateDir };
}

test('a provisioned device pairs with the code on its label, and not with another', opts, async (t) => {
  const { label, stateDir } = await provisionOne(t);
  const runner = await startRunner(t, { stateDir, setupCode: null });
  const s = runner.server();
  assert.equal(s.device_id, label.device_id, 'the device serves the identity it was provisioned with');
  assert.equal(s.setup_code, null, 'it has no setup code to show');
  assert.equal(s.setup_payload, null, 'nor a payload: that is on the label');

  const attacker = runner.client();
  await assert.rejects(
    withTimeout(attacker.pairSetup(wrongCode(label.setup_code), PairMethods.PairSetup, 0), 10_000,
      'pair-setup (wrong code)'),
    (err) => isTlvError(err, TLV_ERROR.Authentication) && /^M4:/.test(err.message));

  const { client, ltd } = await pairController(runner, { code: label.setup_code });
  assert.equal(Buffer.from(ltd.AccessoryPairingID, 'hex').toString('utf8'), label.device_id);
  const db = await getDb(client);
  assert.equal(db.accessories.length, 1);

  // Paired or not, the code is in no file of the device.
  for (const name of await readdir(path.join(stateDir, 'lightbulb'))) {
    const text = await readFile(path.join(stateDir, 'lightbulb', name), 'utf8');
    assert.ok(!text.includes(label.setup_code) && !text.includes(label.setup_code.replace(/-/g, '')),
      `${name} holds no setup code`);
  }
});
