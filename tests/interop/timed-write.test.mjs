// Timed writes (HAP 6.7.2.4) on the lock's Lock Target State ("tw" perm).
//
// hap-controller 0.10.2 has no API for PUT /prepare nor for the top-level
// "pid" of PUT /characteristics.  The tests drive the library's lower-level
// connection instead: an HttpClient made with usePersistentConnections keeps
// one pair-verified HttpConnection (getDefaultVerifiedConnection()), and its
// put() sends our raw JSON bodies encrypted on that session.  Prepare and
// execute must travel on the same session, which this guarantees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT_MS, HAP_STATUS,
  startRunner, pairController, getDb, locate, withTimeout, readValue,
  verifiedConnection, rawPut, newPid, accessoryFile, sleep,
} from './harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const LOCK_MECHANISM = '45';
const LOCK_TARGET_STATE = '1E';

async function pairedLock(t) {
  const runner = await startRunner(t, { files: [accessoryFile('lock.json')] });
  const { client } = await pairController(runner, { options: { usePersistentConnections: true } });
  const db = await getDb(client);
  const target = locate(db, { service: LOCK_MECHANISM, type: LOCK_TARGET_STATE });
  assert.ok(target.ch.perms.includes('tw'), `Lock Target State perms ${JSON.stringify(target.ch.perms)} include "tw"`);
  assert.ok(target.ch.perms.includes('pw'), `Lock Target State perms ${JSON.stringify(target.ch.perms)} include "pw"`);
  const conn = await verifiedConnection(client);
  const initial = await readValue(client, target.id);
  assert.ok(initial === 0 || initial === 1, `Lock Target State is 0 or 1, got ${JSON.stringify(initial)}`);
  return { runner, client, conn, target, initial };
}

function writeBody(target, value, pid) {
  const body = { characteristics: [{ aid: target.aid, iid: target.iid, value }] };
  if (pid !== undefined) body.pid = pid;
  return body;
}

function statusOf(res, target) {
  const list = res.body?.characteristics ?? [];
  const e = list.find((c) => Number(c.aid) === target.aid && Number(c.iid) === target.iid);
  return e ? Number(e.status) : undefined;
}

test('timed write: prepare (ttl, pid) then PUT with pid succeeds', opts, async (t) => {
  const { client, conn, target, initial } = await pairedLock(t);
  const value = 1 - initial;
  const pid = newPid();

  const prep = await rawPut(conn, '/prepare', { ttl: 5000, pid });
  assert.equal(prep.statusCode, 200, `PUT /prepare {"ttl":5000,"pid":${pid}} → ${prep.statusCode} ${JSON.stringify(prep.body)}`);
  assert.equal(Number(prep.body?.status), HAP_STATUS.SUCCESS, `prepare body: ${JSON.stringify(prep.body)}`);

  const res = await rawPut(conn, '/characteristics', writeBody(target, value, pid));
  assert.equal(res.statusCode, 204,
    `PUT /characteristics ${JSON.stringify(writeBody(target, value, pid))} after prepare → ${res.statusCode} ${JSON.stringify(res.body)}`);
  assert.equal(await readValue(client, target.id), value, 'Lock Target State took the timed-written value');
});

test('timed write: a write without pid is refused (-70410)', opts, async (t) => {
  const { client, target, initial } = await pairedLock(t);
  const value = 1 - initial;
  let res;
  try {
    // A standard write, as hap-controller sends it.
    res = await withTimeout(client.setCharacteristics({ [target.id]: value }), 10_000, 'PUT /characteristics (no pid)');
  } catch (err) {
    assert.fail(`expected HTTP 207 with status -70410, got ${err.statusCode}: ${err.message} ${JSON.stringify(err.body)}`);
  }
  const e = res.characteristics.find((c) => Number(c.aid) === target.aid && Number(c.iid) === target.iid);
  assert.ok(e, `response names ${target.id}: ${JSON.stringify(res)}`);
  assert.equal(e.status, HAP_STATUS.INVALID_VALUE,
    `PUT /characteristics ${JSON.stringify(writeBody(target, value))} without pid → expected 207 status -70410, got ${JSON.stringify(res)}`);
  assert.equal(await readValue(client, target.id), initial, 'value unchanged');
});

test('timed write: PUT after the TTL expired is refused (-70410)', opts, async (t) => {
  const { client, conn, target, initial } = await pairedLock(t);
  const value = 1 - initial;
  const pid = newPid();
  const prep = await rawPut(conn, '/prepare', { ttl: 100, pid });
  assert.equal(prep.statusCode, 200, `prepare → ${prep.statusCode} ${JSON.stringify(prep.body)}`);
  await sleep(800);
  const res = await rawPut(conn, '/characteristics', writeBody(target, value, pid));
  assert.equal(res.statusCode, 207, `PUT with pid after ttl 100 ms + 800 ms → ${res.statusCode} ${JSON.stringify(res.body)}`);
  assert.equal(statusOf(res, target), HAP_STATUS.INVALID_VALUE, `body: ${JSON.stringify(res.body)}`);
  assert.equal(await readValue(client, target.id), initial, 'value unchanged');
});
