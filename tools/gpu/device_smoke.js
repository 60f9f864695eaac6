#!/usr/bin/env node
// Checks the addon's device handles on a real GPU with nothing but Node and the built addon
// (native/build/Release/nodulab.node, or NODULAB_NATIVE_DIR): no node_modules needed. Copies to the
// device and back must be exact, a freed handle must be refused, and repeating an allocation of the
// same size must reuse the caching allocator's block. Exit 0: passed; 1: a check failed; 3: no GPU.
'use strict';
const native = require('../../native');

const status = native.cudaStatus();
const count = native.cudaDeviceCount();
console.log(JSON.stringify({ name: 'device', status, count }));
if (count === 0) {
  console.log(`SKIPPED: ${status}`);
  process.exit(3);
}

let failures = 0;
function check(name, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  if (!ok) failures++;
}
function throws(fn, pattern) {
  try {
    fn();
    return false;
  } catch (e) {
    return pattern.test(String(e && e.message));
  }
}
function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

const n = (1 << 20) + 3; // odd size
const x = new Float32Array(n);
for (let i = 0; i < n; i++) x[i] = Math.sin(i) * 1e3;
x[7] = NaN;
x[8] = -0;
x[9] = Infinity;

const h = native.toDevice(x, 0);
check('toDevice/toHost round trip is exact (NaN, -0, Inf included)', equal(native.toHost(h), x));
const h2 = native.copyDevice(h);
check('copyDevice is exact', equal(native.toHost(h2), x));
const s1 = native.deviceAllocatorStats();
check('allocator counts the two buffers', s1.bytesInUse >= 2 * n * 4, JSON.stringify(s1));
native.freeDevice(h);
check(
  'a freed handle is refused',
  throws(() => native.toHost(h), /already freed/),
);
native.freeDevice(h2);
const s2 = native.deviceAllocatorStats();
check('freeing returns the bytes', s1.bytesInUse - s2.bytesInUse >= 2 * n * 4, JSON.stringify(s2));
for (let k = 0; k < 5; k++) native.freeDevice(native.toDevice(x, 0));
const s3 = native.deviceAllocatorStats();
check(
  'same-size allocations reuse the cache (no new cudaMalloc)',
  s3.deviceMallocs === s2.deviceMallocs,
  JSON.stringify(s3),
);
check(
  'cuda:1 is refused with a reason',
  throws(() => native.toDevice(x, 1), /toDevice: cuda:1 /),
);
check('an empty array round-trips', native.toHost(native.toDevice(new Float32Array(0), 0)).length === 0);

console.log(failures === 0 ? 'device smoke: all passed' : `device smoke: ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
