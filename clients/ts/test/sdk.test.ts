// The SDK against a live pngd (started by test.sh, which sets PNGD_URL and
// PNGD_API_KEY): every operation is called, every PNG is checked by its
// signature, its IHDR dimensions and its size against Content-Length.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Pngd, PngdError, pngSize } from "../src/index.js";

const baseUrl = process.env.PNGD_URL;
const apiKey = process.env.PNGD_API_KEY;
if (!baseUrl || !apiKey) {
  throw new Error("PNGD_URL and PNGD_API_KEY must be set (clients/ts/test.sh sets them)");
}
const pngd = new Pngd({ baseUrl, apiKey });
const anonymous = new Pngd({ baseUrl });

async function expectPNG(png: Blob, width: number, height: number): Promise<void> {
  assert.deepEqual(await pngSize(png), { width, height });
  assert.ok(png.size > 33, `a ${png.size}-byte PNG`);
}

async function expectProblem(p: Promise<unknown>, status: number, detail: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof PngdError, `${err}`);
    assert.equal(err.status, status);
    assert.equal(err.problem?.status, status);
    assert.match(err.problem?.detail ?? "", detail);
    assert.ok(err.requestId, "an answer carries X-Request-Id");
    assert.equal(err.problem?.instance, err.requestId, "a problem's instance is the request's id");
    return true;
  });
}

test("GET /vector_image sends values comma-separated and answers a PNG", async () => {
  const png = await pngd.vectorImage({ values: [1, 5, 3, 8, 2, 9], width: 120, height: 80, colormap: "magma" });
  await expectPNG(png, 120, 80);
  // The same request by hand, to see the serialisation the spec asks for.
  const r = await fetch(`${baseUrl}/vector_image?values=1,5,3,8,2,9&width=120&height=80&colormap=magma`);
  assert.equal(r.status, 200);
  assert.equal(Number(r.headers.get("Content-Length")), png.size);
  assert.deepEqual(new Uint8Array(await r.arrayBuffer()), new Uint8Array(await png.arrayBuffer()));
  // HEAD: the same size and ETag, no body.
  const head = await pngd.vectorImageHead({ values: [1, 5, 3, 8, 2, 9], width: 120, height: 80, colormap: "magma" });
  assert.equal(head.status, 200);
  assert.equal(head.contentLength, png.size);
  assert.equal(head.etag, r.headers.get("ETag"));
  await assert.rejects(pngd.vectorImageHead({ values: [1], width: 0 }), (err: unknown) => err instanceof PngdError && err.status === 400);
});

test("POST /vector_image renders a matrix with missing cells", async () => {
  const png = await pngd.renderVectorImage({ values: [0, 1, null, 3, 4, 5], rows: 2, width: 90, height: 60, colormap: "turbo" });
  await expectPNG(png, 90, 60);
  await expectProblem(pngd.renderVectorImage({ values: [] }), 400, /values/);
});

test("the image library, operation by operation", async () => {
  const source = await pngd.vectorImage({ values: [3, 1, 4, 1, 5, 9, 2, 6, 5], width: 64, height: 48 });

  // Upload: raw body, then the same picture as a form: 201, then 200.
  const first = await pngd.upload(new Blob([await source.arrayBuffer()], { type: "image/png" }));
  assert.ok(first.image.id.match(/^[0-9a-f]{64}$/));
  assert.equal(first.image.width, 64);
  assert.equal(first.image.height, 48);
  assert.equal(first.location, first.image.url);
  const again = await pngd.upload(source, { form: true, filename: "heat.png" });
  assert.equal(again.created, false);
  assert.equal(again.image.id, first.image.id);
  const { id } = first.image;

  // Get, derive, range, HEAD, info.
  const stored = await pngd.image(id);
  await expectPNG(stored, 64, 48);
  assert.equal(stored.size, first.image.size);
  await expectPNG(await pngd.image(id, { w: 32, h: 32, fit: "cover", gravity: "north" }), 32, 32);
  await expectPNG(await pngd.image(id, { h: 24, rotate: 90, grayscale: true }), 18, 24);
  // Smart and focal crops, pad with a background, trim, radius, overlay.
  await expectPNG(await pngd.image(id, { w: 32, h: 32, fit: "cover", gravity: "smart", radius: 6 }), 32, 32);
  await expectPNG(await pngd.image(id, { w: 32, h: 32, fit: "cover", fx: 0.1, fy: 0.9 }), 32, 32);
  await expectPNG(await pngd.image(id, { w: 40, h: 40, fit: "pad", background: "ff000080", trim: 5 }), 40, 40);
  await expectPNG(await pngd.image(id, { w: 64, overlay: id, overlay_gravity: "northwest", overlay_scale: 0.5, overlay_opacity: 0.7, overlay_margin: 2 }), 64, 48);
  await expectProblem(pngd.image(id, { w: 64, overlay: "0".repeat(64) }), 422, /overlay 0{64}/);
  // A palette: colour type 3 in IHDR, within a byte budget.
  const pal = await pngd.image(id, { w: 32, colors: 8, dither: 0.5 });
  await expectPNG(pal, 32, 24);
  assert.equal(new Uint8Array(await pal.arrayBuffer())[25], 3);
  const small = await pngd.image(id, { max_bytes: 1500 });
  assert.ok(small.size <= 1500);
  await expectProblem(pngd.image(id, { max_bytes: 10 }), 422, /smallest/);
  const part = await pngd.imageRange(id, 0, 7);
  assert.equal(part.size, 8);
  const head = await pngd.head(id);
  assert.equal(head.status, 200);
  assert.equal(head.contentLength, first.image.size);
  assert.equal(head.etag, first.image.etag);
  const derivedHead = await pngd.head(id, { w: 32 });
  assert.equal(derivedHead.contentLength, (await pngd.image(id, { w: 32 })).size);
  const info = await pngd.info(id);
  assert.deepEqual(info, first.image);

  // List: the image is on some page.
  const ids: string[] = [];
  for await (const item of pngd.listAll(1)) {
    ids.push(item.id);
  }
  assert.ok(ids.includes(id));

  // Errors: no key, bad parameters, gone.
  await expectProblem(anonymous.upload(source), 401, /API key/);
  await expectProblem(pngd.image(id, { w: 8192, h: 8192, fit: "fill" }), 422, /pixels/);
  await expectProblem(anonymous.delete(id), 401, /API key/);
  await pngd.delete(id);
  await expectProblem(pngd.info(id), 404, /no image/i);
  await expectProblem(pngd.image(id), 404, /no image/i);
  await assert.rejects(pngd.head(id), (err: unknown) => err instanceof PngdError && err.status === 404);
});

test("the service: health, readiness, the spec", async () => {
  assert.deepEqual(await pngd.health(), { status: "ok" });
  assert.deepEqual(await pngd.ready(), { status: "ok" });
  assert.match(await pngd.specYAML(), /^openapi: 3\.0\.3/);
  const doc = await pngd.specJSON();
  assert.equal(doc.openapi, "3.0.3");
});
