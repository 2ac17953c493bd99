// Feasibility probe: hap-controller's BLEDiscovery (over @stoprocent/noble, which drives a
// controller through a raw HCI socket, not bluetoothd) finds the smoke peripheral's HAP-style
// advertisement; then, with --gatt, noble itself connects to it and does what the smoke test's
// central does (read, write, subscribe, a non-empty and a zero-length indication), which is
// what hap-controller's GattClient would need for pairing. Run inside the VM by
// noble-probe.sh; the controller comes from noble's environment variables
// NOBLE_HCI_DEVICE_ID and HCI_CHANNEL_USER.
//
//   node noble-scan.js NODE_MODULES_DIR TIMEOUT_S DEVICE_ID RESULT_FILE [--gatt]
//
// DEVICE_ID as hap-controller prints it (aa:bb:..., lower case). Writes PASS or FAIL to
// RESULT_FILE, then kills itself (see finish()).
'use strict';
const fs = require('fs');
const path = require('path');

const [modules, timeoutS, expected, resultFile, gattFlag] = process.argv.slice(2);
const withGatt = gattFlag === '--gatt';
const start = Date.now();
const log = (msg) => console.log(`noble: [${((Date.now() - start) / 1000).toFixed(2)}] ${msg}`);

// Must match tests/ble/vm/smoke/peripheral.py (noble writes UUIDs without dashes).
const CHAR_UUID = '8f1c0d115b0e4c599a533f3a6a1e7b01';
const INITIAL_VALUE = Buffer.from('hap-vm-smoke');
const WRITTEN = Buffer.from('written-by-central');
const INDICATIONS = [Buffer.from('\x01first-indication'), Buffer.alloc(0)];

const { BLEDiscovery } = require(path.join(modules, 'hap-controller'));
const noble = require(path.join(modules, '@stoprocent/noble'));

// @stoprocent/noble 1.19.1 never asks for the controller's ACL buffers when it runs on an HCI
// user channel: only its raw-socket path (pollIsDevUp) sends LE Read Local Supported Features,
// whose reply triggers LE Read Buffer Size. Without buffers every ACL packet waits forever, so
// a connection comes up but no ATT request (not even the L2CAP signalling reply) ever leaves.
// Ask for them once the adapter is up.
let askedForBuffers = false;
noble.on('stateChange', (state) => {
  log(`adapter state ${state}`);
  const hci = noble._bindings && noble._bindings._hci;
  if (state === 'poweredOn' && process.env.HCI_CHANNEL_USER && hci && !hci._aclBuffers && !askedForBuffers) {
    askedForBuffers = true;
    log('user channel: asking the controller for its ACL buffers (noble does not)');
    hci.readLeBufferSize();
  }
});
noble.on('scanStart', () => log('scan started'));
noble.on('warning', (w) => log(`warning: ${w}`));
noble.on('discover', (p) => {
  const a = p.advertisement || {};
  log(`advertisement ${p.address} (${p.addressType}) rssi ${p.rssi} name=${JSON.stringify(a.localName)} ` +
      `manufacturer=${a.manufacturerData ? a.manufacturerData.toString('hex') : null}`);
});

const discovery = new BLEDiscovery();

// Leaving is not simple: @stoprocent/bluetooth-hci-socket reads the HCI socket with a blocking
// read() in a thread that process exit joins, so exit hangs until the controller sends one more
// packet. A real radio keeps sending advertising reports; btvirt only reports when scanning or
// advertising is switched on, so after the scan stopped nothing ever comes. So the verdict
// goes to RESULT_FILE and the process ends itself with SIGKILL (the kernel then closes the
// user channel and gives the controller back).
let finished = false;
function finish(code) {
  if (finished) return;
  finished = true;
  log(code === 0 ? 'PASS' : 'FAIL');
  fs.writeFileSync(resultFile, code === 0 ? 'PASS\n' : 'FAIL\n');
  process.kill(process.pid, 'SIGKILL');
}

function expectEqual(what, got, want) {
  if (!Buffer.from(got).equals(want)) {
    throw new Error(`${what}: got ${Buffer.from(got).toString('hex')}, expected ${want.toString('hex')}`);
  }
  log(`${what}: ${JSON.stringify(Buffer.from(got).toString())}`);
}

async function gattExchange(peripheral) {
  // hap-controller's discovery keeps scanning; stop it first, as its GattClient does not.
  await noble.stopScanningAsync();
  let t = Date.now();
  await peripheral.connectAsync();
  log(`connected in ${((Date.now() - t) / 1000).toFixed(2)} s`);
  t = Date.now();
  const { characteristics } = await peripheral.discoverAllServicesAndCharacteristicsAsync();
  log(`discovered ${characteristics.length} characteristics in ${((Date.now() - t) / 1000).toFixed(2)} s: ` +
      characteristics.map((c) => `${c.uuid}[${c.properties}]`).join(' '));
  const chrc = characteristics.find((c) => c.uuid === CHAR_UUID);
  if (!chrc) throw new Error(`characteristic ${CHAR_UUID} not found`);

  expectEqual('read', await chrc.readAsync(), INITIAL_VALUE);
  await chrc.writeAsync(WRITTEN, false);
  expectEqual('read back', await chrc.readAsync(), WRITTEN);

  const received = [];
  const allIn = new Promise((resolve) => {
    chrc.on('data', (data, isNotification) => {
      log(`indication ${JSON.stringify(data.toString())} (${data.length} bytes, isNotification=${isNotification})`);
      received.push(Buffer.from(data));
      if (received.length >= INDICATIONS.length) resolve();
    });
  });
  await chrc.subscribeAsync();
  await chrc.writeAsync(Buffer.from('indicate'), false);
  await Promise.race([allIn, new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`indications: got ${received.length} of ${INDICATIONS.length} in 30 s`)), 30000))]);
  INDICATIONS.forEach((want, i) => expectEqual(`indication ${i}`, received[i], want));
  await chrc.unsubscribeAsync();
  await peripheral.disconnectAsync();
  log('disconnected');
}

discovery.on('serviceUp', (service) => {
  const { peripheral, ...fields } = service;
  log(`serviceUp ${JSON.stringify(fields)}`);
  if (service.DeviceID !== expected) return;
  log('hap-controller discovered the accessory');
  if (!withGatt) {
    finish(0);
    return;
  }
  gattExchange(peripheral).then(() => finish(0), (e) => {
    log(`GATT exchange failed: ${e.stack || e}`);
    finish(1);
  });
});
discovery.start();
setTimeout(() => {
  log(`timed out after ${timeoutS} s`);
  finish(1);
}, Number(timeoutS) * 1000);
