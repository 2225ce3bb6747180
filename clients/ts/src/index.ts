// pngd's TypeScript client: the request and response types are generated
// from api/openapi.yaml (./schema.ts, by openapi-typescript), the requests
// are made by openapi-fetch, and this file adds what a generator cannot
// know:
//   - `values` goes in the query comma-separated (style form, explode
//     false), as the spec says, not as values=1&values=2;
//   - image operations are read as Blob (parseAs: "blob");
//   - an upload sends the image's own bytes with an image/* Content-Type;
//   - a problem+json answer becomes a thrown PngdError with its fields.
// For anything else, `raw` is the openapi-fetch client, fully typed.
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };
export type Image = components["schemas"]["Image"];
export type ImageList = components["schemas"]["ImageList"];
export type ImageSummary = components["schemas"]["ImageSummary"];
export type Problem = components["schemas"]["Problem"];
export type VectorImageRequest = components["schemas"]["VectorImageRequest"];
export type VectorImageQuery = paths["/vector_image"]["get"]["parameters"]["query"];
export type Transform = NonNullable<paths["/images/{id}"]["get"]["parameters"]["query"]>;

/** An error answer from pngd (or a failure to reach it, status 0). */
export class PngdError extends Error {
  readonly status: number;
  readonly problem?: Problem;
  readonly response?: Response;
  /** The request's X-Request-Id, which pngd's log lines carry: quote it when reporting a problem. */
  readonly requestId: string | null;
  constructor(status: number, message: string, problem?: Problem, response?: Response) {
    super(message);
    this.name = "PngdError";
    this.status = status;
    this.problem = problem;
    this.response = response;
    this.requestId = response?.headers.get("X-Request-Id") ?? null;
  }
}

export interface PngdOptions {
  /** Where pngd listens, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  /** One of the server's --api-keys; needed to upload and delete. */
  apiKey?: string;
  /** A fetch to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
}

/** What HEAD tells about an image without sending it (lastModified: stored images only). */
export interface ImageHead {
  status: number;
  contentLength: number;
  etag: string | null;
  lastModified: string | null;
}

/** The result of an upload: the stored image, and whether it was new. */
export interface Uploaded {
  image: Image;
  created: boolean;
  location: string | null;
}

function isProblem(v: unknown): v is Problem {
  return typeof v === "object" && v !== null && "status" in v && "detail" in v;
}

/** fail turns an answer that is not 2xx into a PngdError. */
function fail(error: unknown, response: Response): never {
  if (isProblem(error)) {
    throw new PngdError(response.status, `${error.title}: ${error.detail}`, error, response);
  }
  throw new PngdError(response.status, `pngd answered ${response.status} ${response.statusText}`, undefined, response);
}

function need<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (!r.response.ok || r.data === undefined) {
    fail(r.error, r.response);
  }
  return r.data as T;
}

/** headOf reads a HEAD answer; HEAD has no body, so an error has no problem to carry. */
function headOf(response: Response): ImageHead {
  if (!response.ok) {
    throw new PngdError(response.status, `pngd answered ${response.status} to HEAD`, undefined, response);
  }
  return {
    status: response.status,
    contentLength: Number(response.headers.get("Content-Length")),
    etag: response.headers.get("ETag"),
    lastModified: response.headers.get("Last-Modified"),
  };
}

export class Pngd {
  /** The generated openapi-fetch client, for anything the methods below do not cover. */
  readonly raw: Client<paths>;
  private readonly apiKey?: string;

  constructor(options: PngdOptions) {
    this.apiKey = options.apiKey;
    this.raw = createClient<paths>({
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      fetch: options.fetch,
      // The spec's style: form, explode: false: values=1,2,3.
      querySerializer: { array: { style: "form", explode: false } },
    });
  }

  private auth(): Record<string, string> {
    return this.apiKey ? { Authorization: `Bearer ${this.apiKey}` } : {};
  }

  /** GET /vector_image: a heatmap of up to 4,096 values given in the query. */
  async vectorImage(query: VectorImageQuery): Promise<Blob> {
    return need(await this.raw.GET("/vector_image", { params: { query }, parseAs: "blob" }));
  }

  /** HEAD /vector_image: what GET would answer (size, ETag) without the PNG. */
  async vectorImageHead(query: VectorImageQuery): Promise<ImageHead> {
    const { response } = await this.raw.HEAD("/vector_image", { params: { query } });
    return headOf(response);
  }

  /** POST /vector_image: a heatmap of up to 1,048,576 values, null for a missing cell. */
  async renderVectorImage(body: VectorImageRequest): Promise<Blob> {
    return need(await this.raw.POST("/vector_image", { body, parseAs: "blob" }));
  }

  /**
   * POST /images: stores an image (PNG, JPEG, GIF, WebP, BMP or TIFF; pngd
   * reads the format from the bytes). `form` sends it as multipart/form-data
   * instead of as the raw body.
   */
  async upload(image: Blob, options: { form?: boolean; filename?: string } = {}): Promise<Uploaded> {
    const headers: Record<string, string> = this.auth();
    let r;
    if (options.form) {
      const form = new FormData();
      form.append("file", image, options.filename ?? "image");
      r = await this.raw.POST("/images", {
        body: form as unknown as { file: Blob },
        bodySerializer: (b) => b as unknown as FormData,
        headers,
      });
    } else {
      headers["Content-Type"] = image.type.startsWith("image/") ? image.type : "image/*";
      r = await this.raw.POST("/images", { body: image, bodySerializer: (b) => b, headers });
    }
    const stored = need(r);
    return { image: stored, created: r.response.status === 201, location: r.response.headers.get("Location") };
  }

  /** GET /images: one page, in id order; pass `next` back as `cursor`. */
  async list(query: { limit?: number; cursor?: string } = {}): Promise<ImageList> {
    return need(await this.raw.GET("/images", { params: { query } }));
  }

  /** Every stored image, page after page. */
  async *listAll(limit = 1000): AsyncGenerator<ImageSummary> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ limit, cursor });
      yield* page.items;
      cursor = page.next;
    } while (cursor);
  }

  /** GET /images/{id}: the stored PNG, or one derived from it by `transform`. */
  async image(id: string, transform: Transform = {}): Promise<Blob> {
    return need(await this.raw.GET("/images/{id}", { params: { path: { id }, query: transform }, parseAs: "blob" }));
  }

  /** GET /images/{id} with a byte range: 206 and the bytes from first to last, inclusive. */
  async imageRange(id: string, first: number, last?: number): Promise<Blob> {
    const Range = `bytes=${first}-${last ?? ""}`;
    const r = await this.raw.GET("/images/{id}", { params: { path: { id }, header: { Range } }, parseAs: "blob" });
    return need(r);
  }

  /** HEAD /images/{id}: size and validators, without the body. */
  async head(id: string, transform: Transform = {}): Promise<ImageHead> {
    const { response } = await this.raw.HEAD("/images/{id}", { params: { path: { id }, query: transform } });
    return headOf(response);
  }

  /** GET /images/{id}/info: the image's metadata. */
  async info(id: string): Promise<Image> {
    return need(await this.raw.GET("/images/{id}/info", { params: { path: { id } } }));
  }

  /** DELETE /images/{id}. */
  async delete(id: string): Promise<void> {
    const r = await this.raw.DELETE("/images/{id}", { params: { path: { id } }, headers: this.auth() });
    if (r.response.status !== 204) {
      fail(r.error, r.response);
    }
  }

  /** GET /healthz: liveness. */
  async health(): Promise<components["schemas"]["Health"]> {
    return need(await this.raw.GET("/healthz"));
  }

  /** GET /readyz: readiness; throws a PngdError (503) when not ready. */
  async ready(): Promise<components["schemas"]["Health"]> {
    return need(await this.raw.GET("/readyz"));
  }

  /** GET /openapi.yaml: the spec as written. */
  async specYAML(): Promise<string> {
    return need(await this.raw.GET("/openapi.yaml", { parseAs: "text" })) as unknown as string;
  }

  /** GET /openapi.json: the spec as JSON. */
  async specJSON(): Promise<Record<string, unknown>> {
    return need(await this.raw.GET("/openapi.json"));
  }
}

/** pngSize reads a PNG's width and height from its IHDR chunk. */
export async function pngSize(png: Blob): Promise<{ width: number; height: number }> {
  const b = new Uint8Array(await png.slice(0, 24).arrayBuffer());
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length < 24 || signature.some((v, i) => b[i] !== v) || String.fromCharCode(...b.slice(12, 16)) !== "IHDR") {
    throw new Error("not a PNG");
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
