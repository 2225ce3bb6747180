// Generates src/schema.ts from api/openapi.yaml with openapi-typescript
// (`make generate` runs it; `--check` fails instead of writing when the
// file is stale, which `make test` runs as the drift check).
//
// One change to the generator's defaults: binary bodies (format: binary,
// the PNGs and uploads) are typed as Blob, not string.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import openapiTS, { astToString } from "openapi-typescript";

const here = path.dirname(fileURLToPath(import.meta.url));
const specPath = path.resolve(here, "../../../api/openapi.yaml");
const outPath = path.resolve(here, "../src/schema.ts");

const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier("Blob"));
const NULL = ts.factory.createLiteralTypeNode(ts.factory.createNull());

const ast = await openapiTS(new URL(`file://${specPath}`), {
  transform(schemaObject) {
    if (schemaObject.format === "binary") {
      return schemaObject.nullable ? ts.factory.createUnionTypeNode([BLOB, NULL]) : BLOB;
    }
  },
});
const header = "// Generated from api/openapi.yaml by clients/ts/scripts/generate.mjs (make generate). Do not edit.\n\n";
const contents = header + astToString(ast);

if (process.argv.includes("--check")) {
  const have = fs.existsSync(outPath) ? fs.readFileSync(outPath, "utf8") : "";
  if (have !== contents) {
    console.error("clients/ts/src/schema.ts is stale: api/openapi.yaml changed without `make generate`");
    process.exit(1);
  }
  console.log("clients/ts/src/schema.ts matches api/openapi.yaml");
} else {
  fs.writeFileSync(outPath, contents);
}
