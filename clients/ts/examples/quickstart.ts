import { writeFile } from "node:fs/promises";
import { Pngd, PngdError, pngSize } from "@pngd/client";

const pngd = new Pngd({
  baseUrl: process.env.PNGD_URL ?? "http://127.0.0.1:8080",
  apiKey: process.env.PNGD_API_KEY, // needed to upload and delete when the server has -api-keys
});

// A heatmap: `values` goes in the query as values=3,1,4,... as the spec says.
const heat = await pngd.vectorImage({ values: [3, 1, 4, 1, 5, 9, 2, 6], width: 320, height: 200, colormap: "magma" });
await writeFile("heat.png", new Uint8Array(await heat.arrayBuffer()));

// Store it, fetch a derived copy, read its size from the PNG itself.
const { image, created } = await pngd.upload(heat);
console.log(created ? "stored" : "already stored", image.id, `${image.width}×${image.height}`);
const thumb = await pngd.image(image.id, { w: 160, h: 160, fit: "cover" });
console.log("thumbnail", await pngSize(thumb));

// HEAD: the size and ETag without the bytes.
const head = await pngd.head(image.id);
console.log("stored PNG", head.contentLength, "bytes, ETag", head.etag);

// Every image, page by page.
for await (const item of pngd.listAll()) {
  console.log(item.id, item.size);
}

// Errors are problem+json, thrown as PngdError.
try {
  await pngd.image(image.id, { w: 8192, h: 8192, fit: "fill" });
} catch (err) {
  if (!(err instanceof PngdError)) throw err;
  console.log(err.status, err.problem?.detail);
}

await pngd.delete(image.id);
