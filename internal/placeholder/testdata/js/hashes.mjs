// Reads a width, a height and straight RGBA bytes (the file argv[2]: two
// little-endian uint32s, then the pixels) and prints the reference
// BlurHash (4×3) and ThumbHash (base64) of them as JSON, with each
// decoded as the reference decodes it (the BlurHash at 32×32), and the
// BlurHash argv[3], if given, decoded by the reference too.
import { readFileSync } from "node:fs";
import { encode, decode } from "blurhash";
import { rgbaToThumbHash, thumbHashToRGBA } from "thumbhash";

const data = readFileSync(process.argv[2]);
const w = data.readUInt32LE(0);
const h = data.readUInt32LE(4);
const pixels = new Uint8ClampedArray(data.subarray(8));
const hash = rgbaToThumbHash(w, h, pixels);
const decoded = thumbHashToRGBA(hash);
const blur = encode(pixels, w, h, 4, 3);
console.log(JSON.stringify({
  blurhash: blur,
  blurDecoded: Buffer.from(decode(blur, 32, 32)).toString("base64"),
  // The BlurHash given as argv[3], decoded by the reference.
  otherDecoded: process.argv[3] ? Buffer.from(decode(process.argv[3], 32, 32)).toString("base64") : "",
  thumbhash: Buffer.from(hash).toString("base64"),
  decoded: { w: decoded.w, h: decoded.h, rgba: Buffer.from(decoded.rgba).toString("base64") },
}));
