// Dredd hooks: drive an outside contract tester, Dredd, through every
// transaction of api/openapi.yaml that a client can cause from outside, and
// skip, with the reason, those it cannot (`make dredd`).
//
// The server (started by dredd.sh) has an API key, a signing key, and small
// body limits, so that 401, 403, 413 and 422 can be provoked.
const hooks = require('hooks');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('js-yaml');

const base = process.env.PNGD_URL;
const apiKey = process.env.PNGD_API_KEY;
const signingKey = process.env.PNGD_SIGNING_KEY;
const exampleID = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const unknownID = 'a'.repeat(64);
const spec = yaml.load(fs.readFileSync(path.join(__dirname, '..', 'openapi.yaml'), 'utf8'));

// Why a transaction cannot be driven from outside: a status that needs the
// server broken, its store down or full, its queue held, or a client slower
// than the server's minimum body rate.
const unreachable = {
  500: 'needs a failing store or encoder (the Go suite breaks them: TestInternalErrorStaysInTheLog, TestStoreFailures)',
  503: 'needs an unreachable store or a full work queue (the Go suite: TestUnreachableMinIO, TestMemoryBudget)',
  507: 'needs a full disk (the Go suite: TestStoreFailures "full")',
  408: 'needs a body slower than -min-body-rate; Dredd sends bodies at once (the Go suite: TestSlowBodyGets408)',
};
// Statuses that need another server configuration than Dredd's.
const otherServer = {
  'GET /metrics 404': 'needs a server with -metrics-addr, which serves the metrics on that listener instead (the Go suite: TestMetricsElsewhere)',
};

let stored; // {id, etag} of the image the GET, HEAD and info transactions read
let spare;  // the id the DELETE 204 transaction deletes
let png;    // a small PNG made by the server
let other;  // a second PNG, for the 201

// sign returns u (a path and query) with the sig pngd wants (see the sig
// parameter in the spec): HMAC-SHA256 over the path, "?" and the other
// parameters sorted and encoded as Go's url.Values.Encode does.
function sign(u) {
  const url = new URL(u, 'http://x');
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'sig');
  params.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
  const query = params.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  const mac = crypto.createHmac('sha256', signingKey).update(`${url.pathname}?${query}`).digest('base64url');
  return `${url.pathname}?${query}&sig=${mac}`;
}

async function upload(body) {
  const r = await fetch(`${base}/images`, {
    method: 'POST', body, headers: { 'Content-Type': 'image/png', Authorization: `Bearer ${apiKey}` },
  });
  if (r.status !== 201 && r.status !== 200) throw new Error(`setup upload: ${r.status} ${await r.text()}`);
  return r.json();
}

async function heatmap(values) {
  const r = await fetch(`${base}/vector_image?values=${values}&width=48&height=32`);
  if (r.status !== 200) throw new Error(`setup render: ${r.status}`);
  return Buffer.from(await r.arrayBuffer());
}

hooks.beforeAll(async (transactions, done) => {
  try {
    png = await heatmap('1,2,3,4,5,6');
    other = await heatmap('6,5,4,3,2,1,0');
    stored = await upload(png);
    spare = (await upload(await heatmap('7,7,8'))).id;
  } catch (err) {
    hooks.log(`setup failed: ${err}`);
    process.exitCode = 1;
  }
  // Dredd 14's OpenAPI 3 reader gives every response that one operation
  // refers to through the same $ref (HEAD's HeadProblem, for 400, 406 and
  // 500) the status of the last; its transactions still come in the
  // spec's order, so each takes back the status declared at its place.
  const seen = {};
  for (const tx of transactions) {
    const key = `${tx.request.method} ${tx.origin.resourceName}`;
    const op = spec.paths[tx.origin.resourceName][tx.request.method.toLowerCase()];
    const statuses = Object.keys(op.responses);
    const i = (seen[key] = (seen[key] ?? -1) + 1);
    tx.expected.statusCode = statuses[i];
  }
  done();
});

// resolved returns schema with every $ref replaced by what it names, as
// JSON Schema, which Dredd checks bodies against.
function resolved(schema) {
  if (Array.isArray(schema)) return schema.map(resolved);
  if (schema === null || typeof schema !== 'object') return schema;
  if (schema.$ref) return resolved(schema.$ref.split('/').slice(1).reduce((o, k) => o[k], spec));
  // OpenAPI's own formats (int64, double, uri-reference) are not JSON
  // Schema's, and Dredd's validator refuses formats it does not know.
  const keep = ([k, v]) => k !== 'format' || v === 'date-time';
  return Object.fromEntries(Object.entries(schema).filter(keep).map(([k, v]) => [k, resolved(v)]));
}

// Dredd 14's OpenAPI 3 reader makes every property of a schema with
// additionalProperties: false required (ImageList's optional `next`, on
// the last page, fails it). The body is held to the spec's own schema
// instead, $refs resolved.
function specBodySchema(tx) {
  const op = spec.paths[tx.origin.resourceName][tx.request.method.toLowerCase()];
  const response = resolved(op.responses[tx.expected.statusCode]);
  const media = response.content && response.content['application/json'];
  if (media && media.schema) tx.expected.bodySchema = media.schema;
}

const setQuery = (tx, query) => { tx.request.uri = tx.request.uri.split('?')[0] + (query ? `?${query}` : ''); };
const json = (tx, body) => { tx.request.body = JSON.stringify(body); };
const binary = (tx, buf, type = 'image/png') => {
  tx.request.body = buf.toString('base64');
  tx.request.bodyEncoding = 'base64';
  tx.request.headers['Content-Type'] = type;
};
const auth = (tx) => { tx.request.headers.Authorization = `Bearer ${apiKey}`; };

// What each drivable transaction needs, by "METHOD path status".
const plan = {
  'GET /vector_image 200': () => {},
  'GET /vector_image 304': (tx) => { tx.request.headers['If-None-Match'] = '*'; },
  'GET /vector_image 400': (tx) => setQuery(tx, 'values=1,x'),
  'GET /vector_image 406': (tx) => { tx.request.headers.Accept = 'application/json'; },
  'POST /vector_image 200': (tx) => json(tx, { values: [0, 1, 2, null, 4, 5], rows: 2, width: 60, height: 40 }),
  'POST /vector_image 400': (tx) => json(tx, { values: [1, 'two'] }),
  'POST /vector_image 406': (tx) => { json(tx, { values: [1] }); tx.request.headers.Accept = 'application/json'; },
  'POST /vector_image 413': (tx) => json(tx, { values: new Array(40000).fill(1.5) }),
  'POST /vector_image 415': (tx) => { tx.request.body = 'values=1,2'; tx.request.headers['Content-Type'] = 'text/plain'; },
  'GET /images 200': (tx) => setQuery(tx, 'limit=2'),
  'GET /images 400': (tx) => setQuery(tx, 'limit=0'),
  'POST /images 201': (tx) => { binary(tx, other); auth(tx); },
  'POST /images 200': (tx) => { binary(tx, png); auth(tx); },
  'POST /images 400': (tx) => { tx.request.body = '--x--'; tx.request.headers['Content-Type'] = 'multipart/form-data'; auth(tx); },
  'POST /images 401': (tx) => binary(tx, png),
  'POST /images 413': (tx) => { binary(tx, Buffer.alloc(300 << 10)); auth(tx); },
  'POST /images 415': (tx) => { tx.request.body = 'not an image'; tx.request.headers['Content-Type'] = 'text/plain'; auth(tx); },
  'POST /images 422': (tx) => { binary(tx, png.subarray(0, 60)); auth(tx); },
  'GET /images/{id} 200': (tx) => { tx.request.uri = sign(`/images/${stored.id}?w=24`); },
  'GET /images/{id} 206': (tx) => { tx.request.headers.Range = 'bytes=0-9'; },
  'GET /images/{id} 304': (tx) => { tx.request.headers['If-None-Match'] = stored.etag; },
  'GET /images/{id} 400': (tx) => setQuery(tx, 'w=0'),
  'GET /images/{id} 403': (tx) => setQuery(tx, 'w=24'),
  'GET /images/{id} 404': (tx) => { tx.request.uri = `/images/${unknownID}`; },
  'GET /images/{id} 406': (tx) => { tx.request.headers.Accept = 'text/html'; },
  'GET /images/{id} 416': (tx) => { tx.request.headers.Range = 'bytes=99999999-'; },
  'GET /images/{id} 422': (tx) => { tx.request.uri = sign(`/images/${stored.id}?w=8192&h=8192&fit=fill`); },
  'DELETE /images/{id} 204': (tx) => { tx.request.uri = `/images/${spare}`; auth(tx); },
  'DELETE /images/{id} 400': (tx) => { tx.request.uri = '/images/not-an-id'; auth(tx); },
  'DELETE /images/{id} 401': () => {},
  'DELETE /images/{id} 404': (tx) => { tx.request.uri = `/images/${unknownID}`; auth(tx); },
  'GET /images/{id}/info 200': () => {},
  'GET /images/{id}/info 400': (tx) => { tx.request.uri = '/images/not-an-id/info'; },
  'GET /images/{id}/info 404': (tx) => { tx.request.uri = `/images/${unknownID}/info`; },
  'GET /healthz 200': () => {},
  'GET /readyz 200': () => {},
  'GET /openapi.yaml 200': () => {},
  'GET /openapi.json 200': () => {},
  'GET /metrics 200': () => {},
};

hooks.beforeEach((tx, done) => {
  const key = `${tx.request.method} ${tx.origin.resourceName} ${tx.expected.statusCode}`;
  if (tx.request.method === 'HEAD') {
    tx.skip = true;
    hooks.log(`skip ${key}: Dredd 14 always sends a request body, and its HTTP library refuses HEAD with one (the Go suite drives HEAD: TestHeadAnswersAsGet)`);
    return done();
  }
  const setup = plan[key];
  if (!setup) {
    tx.skip = true;
    hooks.log(`skip ${key}: ${otherServer[key] ?? unreachable[tx.expected.statusCode] ?? 'no way to cause it from outside'}`);
    return done();
  }
  // Dredd fills every declared header parameter, even with an empty value
  // (If-None-Match: ""), which pngd rightly reads as a condition.
  for (const [k, v] of Object.entries(tx.request.headers)) {
    if (v === '') delete tx.request.headers[k];
  }
  // For an error, Dredd asks for application/problem+json alone, which
  // rules out the image an image operation answers: pngd rightly says 406.
  // A client asks for both.
  if (tx.request.headers.Accept === 'application/problem+json') {
    tx.request.headers.Accept = 'image/png, application/problem+json';
  }
  tx.request.uri = tx.request.uri.replace(exampleID, stored.id);
  if (tx.origin.resourceName === '/images/{id}') setQuery(tx, ''); // the example w=256 would need a sig
  setup(tx);
  specBodySchema(tx);
  tx.fullPath = tx.request.uri;
  done();
});
