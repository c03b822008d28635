// runtime.js: node under a sandbox memory limit (tests/integration/limits, with
// `sbx run --memory 256m`): V8 reserves far more address space than the limit at
// start, then allocates within it. Deterministic output, compared with a native run.
const zlib = require("zlib");
const crypto = require("crypto");
const a = [];
for (let i = 0; i < 200000; i++)
	a.push({ i, s: "x" + i });
const big = Buffer.alloc(32 << 20, 7);
console.log("objects", a.length, a[123456].s);
console.log("buffer", big.length, big[big.length - 1]);
console.log("gzip", zlib.gunzipSync(zlib.gzipSync(big)).length);
console.log("sha256", crypto.createHash("sha256").update(big).digest("hex").slice(0, 16));
setTimeout(() => console.log("timer"), 10);
