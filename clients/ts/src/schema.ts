// Generated from api/openapi.yaml by clients/ts/scripts/generate.mjs (make generate). Do not edit.

export interface paths {
    "/vector_image": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Render a small vector given in the query as a heatmap PNG
         * @description The same rendering as `POST /vector_image`, for use in `<img src>`.
         *     At most 4,096 values; missing (`null`) values need the POST form.
         *     The response is cacheable: it carries a strong ETag derived from the
         *     canonical request and answers `If-None-Match` with 304.
         */
        get: operations["getVectorImage"];
        put?: never;
        /**
         * Render a numeric vector or matrix as a heatmap PNG
         * @description Renders up to 1,048,576 values as a colour-mapped heatmap of
         *     `width`×`height` pixels. `null` values are drawn transparent.
         */
        post: operations["renderVectorImage"];
        delete?: never;
        options?: never;
        /**
         * GET /vector_image's headers, without the body
         * @description Answers exactly as `GET /vector_image` would with the same
         *     parameters, status and headers included, but sends no body (RFC 9110
         *     §9.3.2). `Content-Length` is the size of the PNG that GET sends, so
         *     the image is rendered to know it.
         */
        head: operations["headVectorImage"];
        patch?: never;
        trace?: never;
    };
    "/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List stored images, a page at a time
         * @description Images come in the store's key order (by id). Pass `next` from one
         *     page as `cursor` to get the following one; a page without `next` is
         *     the last. A page may hold fewer than `limit` items even when more
         *     follow.
         */
        get: operations["listImages"];
        put?: never;
        /**
         * Upload an image; it is stored as PNG under a content-addressed id
         * @description Send the image's bytes as the body (any `image/*` Content-Type), or
         *     as the `file` field of a `multipart/form-data` form. The format is
         *     read from the bytes, never from the header: PNG (and APNG), JPEG,
         *     GIF, WebP, BMP, TIFF and AVIF are accepted, and HEIC when the
         *     server's operator enables it (otherwise 415, saying so). An
         *     animated GIF, APNG or WebP is stored as an APNG with every frame.
         *     The orientation a JPEG, WebP or TIFF (EXIF) or an AVIF or HEIC
         *     (irot, imir) carries is applied. The ICC profile is kept, byte for
         *     byte (see `Colour`); a CMYK JPEG is converted to sRGB; an HDR AVIF
         *     or PNG (BT.2100 PQ or HLG) is kept at 16 bits with `cICP`, and its
         *     derived images are tone-mapped to SDR sRGB (BT.2390's EETF from
         *     the content's peak, or 1,000 cd/m², to 203 cd/m² as SDR white). No other
         *     metadata is kept (no location, no camera data). The image is stored
         *     as a PNG whose SHA-256 is its id, so the
         *     same picture uploaded twice has the same id: the first upload answers
         *     201, later ones 200.
         */
        post: operations["uploadImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/images/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's id, the SHA-256 of its stored PNG in hex.
                 * @example 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
                 */
                id: components["parameters"]["ImageID"];
            };
            cookie?: never;
        };
        /**
         * The stored PNG, or an image derived from it (resized, cropped, rotated, flipped, grayscale, blurred)
         * @description Without transform parameters, the stored PNG, served as a file server
         *     serves a file: a strong ETag, Last-Modified, `If-None-Match` and
         *     `If-Modified-Since` (304), one byte range (206, with `If-Range`), and
         *     HEAD. Several ranges get the whole image (200): this operation
         *     answers only `image/png`, never multipart/byteranges. HEAD ignores
         *     `Range`, as RFC 9110 §14.2 requires.
         *
         *     With any of `w`, `h`, `fit`, `gravity`, `fx`, `fy`, `background`,
         *     `trim`, `radius`, `overlay`, `rotate`, `flip`, `grayscale`, `blur`, `frame`,
         *     `depth`, `hdr`, `colors`, `quality`, `dither`, `max_bytes` or `dpr`,
         *     a derived image: a resource of its own, with the same HTTP
         *     semantics. Its strong ETag comes from the source's id and the
         *     canonical parameters, so their order, and defaults given or left
         *     out (or parameters that change nothing, such as `gravity` without
         *     `fit=cover` or `fit=pad`), do not matter. The steps run in a fixed
         *     order: trim, crop and resize (by `fit`), rotate, flip, pad and
         *     background, radius, overlay, grayscale, blur, palette. `w` and `h` are the
         *     size of the output, after rotation. Derived images are cached, and
         *     become unreachable when their source is deleted.
         *
         *     When the server has a signing key, a request with transform
         *     parameters needs `sig` (see that parameter), or gets 403.
         */
        get: operations["getImage"];
        put?: never;
        post?: never;
        /**
         * Delete a stored image
         * @description Deletes the stored PNG. The images derived from it become
         *     unreachable at once.
         */
        delete: operations["deleteImage"];
        options?: never;
        /**
         * GET /images/{id}'s headers, without the body
         * @description Answers exactly as `GET /images/{id}` would with the same parameters
         *     and headers, but sends no body (RFC 9110 §9.3.2) and ignores `Range`
         *     (§14.2), so it never answers 206 or 416. `Content-Length` is the
         *     size of the PNG that GET sends: for a derived image not yet cached,
         *     the image is made to know it.
         */
        head: operations["headImage"];
        patch?: never;
        trace?: never;
    };
    "/images/{id}/info": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's id, the SHA-256 of its stored PNG in hex.
                 * @example 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
                 */
                id: components["parameters"]["ImageID"];
            };
            cookie?: never;
        };
        /**
         * A stored image's metadata
         * @description The same object the upload answered with, without the image's bytes.
         */
        get: operations["getImageInfo"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness; 200 while the process serves requests
         * @description Always 200 while the process answers; it touches no dependency.
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness; 200 when every dependency is usable
         * @description Whether the image store takes a write, a read and a delete of a
         *     small probe object, as pngd checked at most a few seconds ago: 503
         *     while that fails for a reason that may pass (the store cannot be
         *     reached), or while the server shuts down; 500 when the store refuses
         *     pngd for a reason that will not pass by itself (no permission, no
         *     such bucket, wrong or missing credentials), which `detail` names.
         */
        get: operations["getReady"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics, in the text format
         * @description The server's metrics in the Prometheus text exposition format
         *     (version 0.0.4): requests by operation id and status with latency
         *     histograms, bytes sent, admission, the memory budget, the caches,
         *     the store's operations, the image steps, and Go's and the process's
         *     own. With `--metrics-addr` they are served on that listener instead
         *     (with OpenMetrics and gzip), and this answers 404.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.yaml": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This API description, byte for byte as written
         * @description The document the server validates every request against, as its authors wrote it.
         */
        get: operations["getOpenAPIYAML"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This API description as JSON
         * @description The same document converted to JSON, for tools (Swagger UI among them) that want JSON.
         */
        get: operations["getOpenAPIJSON"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @description Bits a channel.
         * @default 16
         * @enum {integer}
         */
        Depth: 8 | 16;
        /**
         * @description Tone-map an HDR source to SDR, or keep it HDR.
         * @default sdr
         * @enum {string}
         */
        HDRMode: "sdr" | "keep";
        /**
         * @default contain
         * @enum {string}
         */
        Fit: "contain" | "cover" | "fill" | "pad";
        /**
         * @default center
         * @enum {string}
         */
        Gravity: "center" | "north" | "south" | "east" | "west" | "northeast" | "northwest" | "southeast" | "southwest" | "smart";
        /**
         * @default southeast
         * @enum {string}
         */
        OverlayGravity: "center" | "north" | "south" | "east" | "west" | "northeast" | "northwest" | "southeast" | "southwest";
        /**
         * @default 0
         * @enum {integer}
         */
        Rotate: 0 | 90 | 180 | 270;
        /**
         * @default none
         * @enum {string}
         */
        Flip: "none" | "h" | "v" | "hv";
        VectorImageRequest: {
            /**
             * @description Finite numbers, or null for a missing value (drawn transparent), laid out row-major.
             * @example [
             *       0,
             *       1,
             *       2,
             *       null,
             *       4,
             *       5,
             *       6,
             *       7,
             *       8
             *     ]
             */
            values: (number | null)[];
            rows?: components["schemas"]["GridSize"];
            cols?: components["schemas"]["GridSize"];
            width?: components["schemas"]["PixelSize"];
            height?: components["schemas"]["PixelSize"];
            colormap?: components["schemas"]["Colormap"];
            /**
             * Format: double
             * @description Value drawn with the colormap's first colour (default the data's minimum).
             */
            min?: number;
            /**
             * Format: double
             * @description Value drawn with the colormap's last colour (default the data's maximum).
             */
            max?: number;
            interpolation?: components["schemas"]["Interpolation"];
        };
        GridSize: number;
        /** @default 256 */
        PixelSize: number;
        /**
         * @description Colour table (matplotlib's tables; turbo is Google's).
         * @default viridis
         * @enum {string}
         */
        Colormap: "viridis" | "magma" | "inferno" | "plasma" | "cividis" | "turbo" | "gray";
        /**
         * @description How values between cell centres are drawn.
         * @default nearest
         * @enum {string}
         */
        Interpolation: "nearest" | "bilinear";
        /** @example 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 */
        ImageID: string;
        Image: {
            id: components["schemas"]["ImageID"];
            width: number;
            height: number;
            /**
             * Format: int64
             * @description Bytes of the stored PNG.
             */
            size: number;
            /**
             * @description The ETag that `GET /images/{id}` sends.
             * @example "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
             */
            etag: string;
            /**
             * Format: date-time
             * @description When the image was first stored.
             */
            created: string;
            /**
             * Format: uri-reference
             * @example /images/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
             */
            url: string;
            colour?: components["schemas"]["Colour"];
            animation?: components["schemas"]["Animation"];
            placeholder?: components["schemas"]["Placeholder"];
        };
        /** @description What a page can show before the image arrives, made once from the smallest version of the image pngd keeps and stored with it. The upload's answer and `GET /images/{id}/info` carry it (an image stored before pngd made placeholders gets them on its first `/info`). */
        Placeholder: {
            /**
             * @description A BlurHash of 4×3 components (ignoring alpha, as BlurHash does), for the `blurhash` npm package's `decode` and its ports.
             * @example LkJta?35rw9}mGbGf7agEkI[xW${
             */
            blurhash: string;
            /**
             * Format: byte
             * @description A ThumbHash, in standard base64 (with alpha), for `thumbHashToDataURL` and its ports.
             * @example 3wkKJZZgZIiCd4dlmXiHiDGBAMdn
             */
            thumbhash: string;
            average: components["schemas"]["HexColour"];
            dominant: components["schemas"]["HexColour"];
            /** @description Up to 8 colours that stand for the image, the most used first (pngd's quantizer); empty for a fully transparent image. */
            palette: components["schemas"]["HexColour"][];
            /** @description A PNG of at most 32 pixels a side, blurred, as a `data:` URL: a CSS background, or Next.js's `blurDataURL`. */
            data_url: string;
        };
        /**
         * @description A colour as CSS writes it, `#rrggbb`, with `aa` (alpha) when not opaque.
         * @example #4a7fb0
         */
        HexColour: string;
        /** @description Present when the stored image is an animation: an animated GIF, APNG or animated WebP upload is stored as an APNG with every frame, its delay, disposal and blending, and the loop count. */
        Animation: {
            /** @example 24 */
            frames: number;
            /**
             * Format: int64
             * @description One play of every frame, in milliseconds.
             * @example 2400
             */
            duration_ms: number;
            /**
             * @description How many times the animation plays; 0 is forever.
             * @example 0
             */
            loops: number;
        };
        /** @description The colour of the stored pixels. An uploaded ICC profile is kept in the stored PNG's iCCP chunk, byte for byte; an image without one is stored tagged sRGB; an HDR image (BT.2100 PQ or HLG) is stored as 16-bit with `cICP`. Derived images are always converted to sRGB and tagged so, HDR ones tone-mapped. A CMYK upload is converted to sRGB when stored, through its own profile or FOGRA39 when it has none (perceptual intent with black point compensation). */
        Colour: {
            /**
             * @description The colour space of the stored pixels, as ICC names it.
             * @example RGB
             * @enum {string}
             */
            space: "RGB" | "GRAY";
            /**
             * @description The ICC profile's own description as the stored PNG's `iCCP` chunk names it (printable ASCII, at most 79 characters), `sRGB` for an image stored tagged sRGB, or `BT.2100 PQ` / `BT.2100 HLG` for an HDR image.
             * @example Display P3
             */
            profile: string;
            /** @description Whether the stored PNG carries the uploaded ICC profile (true) or an sRGB tag (false). */
            embedded: boolean;
            /**
             * @description Present for an HDR image: its transfer function, BT.2100 PQ or HLG. The stored PNG is 16-bit with a `cICP` chunk (PNG's third edition) that says so; derived images are tone-mapped to SDR sRGB (see GET /images/{id}).
             * @example pq
             * @enum {string}
             */
            hdr?: "pq" | "hlg";
        };
        ImageSummary: {
            id: components["schemas"]["ImageID"];
            /**
             * Format: int64
             * @description Bytes of the stored PNG.
             */
            size: number;
            /** Format: date-time */
            created: string;
            /** Format: uri-reference */
            url: string;
        };
        ImageList: {
            items: components["schemas"]["ImageSummary"][];
            /** @description Pass as `cursor` for the next page; absent on the last page. */
            next?: string;
        };
        Health: {
            /** @enum {string} */
            status: "ok";
        };
        /** @description An RFC 9457 problem details object. */
        Problem: {
            /**
             * Format: uri-reference
             * @description A URI reference that identifies the problem type.
             */
            type: string;
            /** @description A short summary of the problem type. */
            title: string;
            /** @description The HTTP status code. */
            status: number;
            /** @description What went wrong with this request, and how to fix it. */
            detail: string;
            /**
             * @description This occurrence: the request's id, the `X-Request-Id` the answer
             *     carries (the client's own when it sent a well-formed one). Quote
             *     it when reporting a problem; the server's log lines carry it too.
             */
            instance?: string;
        };
    };
    responses: {
        /**
         * @description The status GET would answer with; its application/problem+json body
         *     is not sent, since HEAD has none (RFC 9110 §9.3.2). GET's
         *     description of the same status says what it means.
         */
        HeadProblem: {
            headers: {
                [name: string]: unknown;
            };
            content?: never;
        };
        /**
         * @description As GET's 503: the store cannot be reached or the server is too busy;
         *     try again after `Retry-After`. No body (HEAD).
         */
        HeadUnavailable: {
            headers: {
                /** @description Seconds to wait before trying again (RFC 9110 §10.2.3). */
                "Retry-After": number;
                [name: string]: unknown;
            };
            content?: never;
        };
        /** @description The request does not match this API; `detail` says where. */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The Accept header rules out image/png (RFC 9110 §15.5.7). */
        NotAcceptable: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /**
         * @description The request body arrived slower than the server's minimum rate
         *     (`--min-body-rate`, after a grace period) and was cut (RFC 9110
         *     §15.5.9). The server sends `Connection: close` and closes the
         *     connection.
         */
        RequestTimeout: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /**
         * @description The request body is larger than the server accepts, or than its
         *     memory budget can hold (RFC 9110 §15.5.14).
         */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request body is not in a media type this operation accepts (RFC 9110 §15.5.16). */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description A write without a valid `Authorization: Bearer` key (RFC 6750 §3). */
        Unauthorized: {
            headers: {
                "WWW-Authenticate": string;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No image has this id. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /**
         * @description The bytes are in a known format but cannot be stored: truncated or
         *     corrupt, more pixels than the server accepts, a JPEG of more scans
         *     than it accepts, or an image whose decoding would take more memory
         *     than the server's whole budget.
         */
        UnprocessableImage: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /**
         * @description The image store cannot be reached, or the server has more work
         *     queued than it can start within `--queue-timeout` (render slots,
         *     upload slots, or bytes of its memory budget); try again after
         *     `Retry-After`.
         */
        Unavailable: {
            headers: {
                /** @description Seconds to wait before trying again (RFC 9110 §10.2.3). */
                "Retry-After": number;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The image store is full (RFC 4918 §11.5); nothing was stored. */
        InsufficientStorage: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description An unexpected failure; the details are in the server's log. */
        InternalError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /**
         * @description Comma-separated finite numbers, laid out row-major.
         * @example [
         *       0,
         *       1,
         *       2,
         *       3,
         *       4,
         *       5,
         *       6,
         *       7,
         *       8,
         *       9,
         *       10,
         *       11,
         *       12,
         *       13,
         *       14,
         *       15
         *     ]
         */
        Values: number[];
        /** @description Output width in pixels (times `dpr`). With only `w`, the height keeps the aspect ratio. */
        W: number;
        /** @description Output height in pixels (times `dpr`). With only `h`, the width keeps the aspect ratio. */
        H: number;
        /**
         * @description How the image meets a `w`×`h` box, when both are given:
         *     `contain` fits inside it keeping the aspect ratio, `cover` fills
         *     it and crops the overflow at `gravity` (or around `fx`,`fy`),
         *     `fill` stretches to it, and `pad` fits inside it as `contain`
         *     does, then fills the rest of the box with `background`
         *     (transparent without it), the picture placed at `gravity`. For
         *     example `?w=256&h=256&fit=pad&background=ffffff`.
         * @example pad
         */
        Fit: components["schemas"]["Fit"];
        /**
         * @description The part of the image that `fit=cover` keeps, or where `fit=pad`
         *     places the picture in the box. `smart` (with `fit=cover` only)
         *     keeps the part that draws the eye: edges, skin tones and saturated
         *     colour, found on a small copy as libvips's attention crop does. For
         *     example `?w=256&h=256&fit=cover&gravity=smart`.
         * @example smart
         */
        Gravity: components["schemas"]["Gravity"];
        /**
         * @description With `fy`, a focal point for `fit=cover`: the crop keeps it as
         *     near its centre as the box allows, whatever `gravity` says. A
         *     fraction of the stored image's width, from its left edge. For
         *     example `?w=256&h=256&fit=cover&fx=0.3&fy=0.4`. One of `fx` and
         *     `fy` given alone stands with the other at 0.5.
         * @example 0.3
         */
        FX: number;
        /**
         * @description With `fx`, a focal point for `fit=cover`; a fraction of the stored image's height, from its top edge.
         * @example 0.4
         */
        FY: number;
        /**
         * @description A colour, `RRGGBB` or `RRGGBBAA` in hex (sRGB, alpha not
         *     premultiplied), that fills what `fit=pad` adds, and onto which the
         *     output's transparent pixels are flattened. Without it, the padding
         *     is transparent and transparent pixels stay so. For example
         *     `?background=ffffff` flattens a transparent PNG onto white.
         */
        Background: string;
        /**
         * @description Cut the stored image's borders of one colour before the other
         *     steps: the colour of its top-left pixel, or transparency when that
         *     pixel is transparent. A pixel is border when no channel (0 to 255)
         *     differs from that colour by more than this threshold; a 3×3 median
         *     first removes lone noisy pixels, as libvips's `find_trim` does. An
         *     image that is all border is kept whole. For example `?trim=10`.
         */
        Trim: number;
        /**
         * @description The id of another stored image to draw over the output, as a mark
         *     or watermark: scaled to `overlay_scale` of the output's width,
         *     placed at `overlay_gravity` `overlay_margin` pixels in from the
         *     edges, at `overlay_opacity`, composited with premultiplied alpha in
         *     sRGB after the other geometry steps (and before `grayscale` and
         *     `blur`). It is part of the derived image's ETag and of what `sig`
         *     signs. Only images in this server's store can be overlaid; an id
         *     that is not there gets 422 naming it. For example
         *     `?w=512&overlay=<id>&overlay_scale=0.2&overlay_opacity=0.7&overlay_margin=16`.
         */
        Overlay: string;
        /** @description Where `overlay` sits in the output. */
        OverlayGravity: components["schemas"]["OverlayGravity"];
        /** @description The overlay's width as a fraction of the output's width; its height keeps its aspect ratio, and it is shrunk further if it would not fit inside the margins. */
        OverlayScale: number;
        /** @description The overlay's opacity, 0 (invisible) to 1 (as it is). */
        OverlayOpacity: number;
        /** @description Pixels of the output between the overlay and the edges its gravity puts it against. */
        OverlayMargin: number;
        /**
         * @description Round the output's corners with this radius in output pixels (at
         *     most half its shorter side), anti-aliased in the alpha channel. For
         *     example `?w=256&h=256&fit=cover&radius=32`.
         */
        Radius: number;
        /** @description Clockwise rotation in degrees. */
        Rotate: components["schemas"]["Rotate"];
        /** @description Mirror horizontally (`h`), vertically (`v`) or both (`hv`), after rotating. */
        Flip: components["schemas"]["Flip"];
        /** @description Drop the colour (Rec. 709 luma); alpha is kept. */
        Grayscale: boolean;
        /** @description Gaussian blur of this sigma, in output pixels; 0 is none. */
        Blur: number;
        /** @description Bits a channel of the derived image. A 16-bit source's derived image is resampled and written at 16 bits (16, the default); 8 asks for 8. An 8-bit source's is 8-bit either way. */
        Depth: components["schemas"]["Depth"];
        /** @description What the derived image of an HDR source (BT.2100 PQ or HLG, see `Colour.hdr`) shows: `sdr` (the default) tone-maps it to SDR sRGB; `keep` keeps it HDR, as a 16-bit PNG with the source's `cICP`, for displays that show HDR. An SDR source's derived image is SDR either way. */
        HDR: components["schemas"]["HDRMode"];
        /** @description A palette of at most this many colours (a paletted PNG, with `tRNS` for alpha): far fewer bytes for photographs, at a small loss. pngd's own quantizer chooses the colours (a variance-based median cut refined by k-means) and dithers selectively (see `dither`). An image with no more colours than this comes back exact. With `quality`, the most colours it may use. */
        Colors: number;
        /** @description The fewest palette colours (up to `colors`, else 256) whose image is at least 20 + 0.3 × `quality` dB PSNR from the lossless one: 60 ("high", 38 dB), 80 ("very high", 44 dB). When no palette reaches it, the image stays lossless; 100 always does, and overrides a server's default (`-derived-quality`). The PSNR is over the premultiplied colour channels, and alpha when the image has any translucency. */
        Quality: number;
        /** @description The strength of the palette's error diffusion, 0 (none) to 1 (the default): serpentine Floyd–Steinberg, full in smooth areas so that gradients do not band, none across strong edges and in busy texture, and none at all when the palette is within 50 dB of the picture. Only with `colors`, `quality` or `max_bytes`. */
        Dither: number;
        /** @description The best PNG pngd can make in at most this many bytes: lossless if it fits, else the palette of the most colours (up to `colors`) that fits, undithered when dithering would not fit. With `quality`, the result must also reach it. When nothing fits, 422, with the smallest size reachable in the detail. */
        MaxBytes: number;
        /** @description One frame of an animation (from 0), as a still PNG, transformed as the other parameters say. Without it, the derived image of an animation is an animation (APNG): every frame transformed the same way, with the same delays and loop count. A frame past the last is 422; a still image has only frame 0, and `frame=0` of it is the image itself. */
        Frame: number;
        /** @description Device pixel ratio; multiplies `w` and `h` (the product is rounded). Without `w` or `h` it changes nothing. */
        Dpr: number;
        /**
         * @description Needed, with transform parameters, when the server has a signing
         *     key: the unpadded base64url HMAC-SHA256, under that key, of the
         *     path, a `?`, and the other query parameters sorted by name and
         *     value and URL-encoded (Go's `url.Values.Encode`), e.g.
         *     `/images/{id}?fit=cover&h=200&w=200`. `pngd sign URL` and the
         *     Go package `github.com/pngd/pngd/sign` make them. Exactly one
         *     spelling verifies, and a query holding anything else (`;`, a
         *     malformed escape, an empty `&&`) does not. Parameters that only
         *     restate the defaults, and `preset` alone, need none.
         */
        Sig: string;
        /**
         * @description A named set of transform parameters that the server's operator
         *     defined (`--presets`), such as `thumb` for
         *     `w=256&h=256&fit=cover`. It needs no `sig`. Transform parameters
         *     given with it override its own; on a server that signs URLs, or
         *     serves only presets to unsigned requests (`--presets-only`),
         *     they need a `sig` as usual. An unknown name gets 400.
         */
        Preset: string;
        /**
         * @description One byte range, `bytes=first-last`, `bytes=first-` or
         *     `bytes=-suffix` (RFC 9110 §14.2), e.g. `bytes=0-1023`. (No
         *     example value here: Swagger UI would send it with every "Try it
         *     out", and show a fragment instead of the picture.)
         */
        Range: string;
        /** @description Apply `Range` only if the image still has this ETag or Last-Modified (RFC 9110 §13.1.5). */
        IfRange: string;
        /** @description An HTTP-date; 304 if the image has not changed since (RFC 9110 §13.1.3). */
        IfModifiedSince: string;
        /**
         * @description The image's id, the SHA-256 of its stored PNG in hex.
         * @example 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
         */
        ImageID: components["schemas"]["ImageID"];
        /** @description Rows of the grid. With `cols` too, rows×cols must equal the number of values. */
        Rows: components["schemas"]["GridSize"];
        /** @description Columns of the grid. Default `ceil(sqrt(n))`. */
        Cols: components["schemas"]["GridSize"];
        /** @description Output width in pixels. */
        Width: components["schemas"]["PixelSize"];
        /** @description Output height in pixels. */
        Height: components["schemas"]["PixelSize"];
        Colormap: components["schemas"]["Colormap"];
        /** @description Value drawn with the colormap's first colour (default the data's minimum). */
        Min: number;
        /** @description Value drawn with the colormap's last colour (default the data's maximum). */
        Max: number;
        Interpolation: components["schemas"]["Interpolation"];
        /** @description Entity tags of copies the client holds (RFC 9110 §13.1.2). */
        IfNoneMatch: string;
    };
    requestBodies: never;
    headers: {
        /** @description Bytes of the PNG that GET sends (RFC 9110 §8.6). */
        ContentLength: number;
        /** @description Strong entity tag of the representation (RFC 9110 §8.8.3). */
        ETag: string;
        /** @description Caching directives (RFC 9111 §5.2). */
        CacheControl: string;
        /** @description When the image was stored, as an HTTP-date (RFC 9110 §8.8.2). */
        LastModified: string;
        /** @description Byte ranges are served (RFC 9110 §14.3). */
        AcceptRanges: "bytes";
        /** @description The range sent, or `bytes *\/size` when none could be (RFC 9110 §14.4). */
        ContentRange: string;
        /** @description The stored image's URL. */
        Location: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getVectorImage: {
        parameters: {
            query: {
                /**
                 * @description Comma-separated finite numbers, laid out row-major.
                 * @example [
                 *       0,
                 *       1,
                 *       2,
                 *       3,
                 *       4,
                 *       5,
                 *       6,
                 *       7,
                 *       8,
                 *       9,
                 *       10,
                 *       11,
                 *       12,
                 *       13,
                 *       14,
                 *       15
                 *     ]
                 */
                values: components["parameters"]["Values"];
                /** @description Rows of the grid. With `cols` too, rows×cols must equal the number of values. */
                rows?: components["parameters"]["Rows"];
                /** @description Columns of the grid. Default `ceil(sqrt(n))`. */
                cols?: components["parameters"]["Cols"];
                /** @description Output width in pixels. */
                width?: components["parameters"]["Width"];
                /** @description Output height in pixels. */
                height?: components["parameters"]["Height"];
                colormap?: components["parameters"]["Colormap"];
                /** @description Value drawn with the colormap's first colour (default the data's minimum). */
                min?: components["parameters"]["Min"];
                /** @description Value drawn with the colormap's last colour (default the data's maximum). */
                max?: components["parameters"]["Max"];
                interpolation?: components["parameters"]["Interpolation"];
            };
            header?: {
                /** @description Entity tags of copies the client holds (RFC 9110 §13.1.2). */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The rendered heatmap. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    [name: string]: unknown;
                };
                content: {
                    "image/png": Blob;
                };
            };
            /** @description Not modified; the client's copy (If-None-Match) is current (RFC 9110 §15.4.5). */
            304: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            406: components["responses"]["NotAcceptable"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    renderVectorImage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "values": [
                 *         0,
                 *         1,
                 *         2,
                 *         null,
                 *         4,
                 *         5,
                 *         6,
                 *         7,
                 *         8
                 *       ],
                 *       "rows": 3,
                 *       "cols": 3,
                 *       "width": 256,
                 *       "height": 256,
                 *       "colormap": "viridis",
                 *       "interpolation": "nearest"
                 *     }
                 */
                "application/json": components["schemas"]["VectorImageRequest"];
            };
        };
        responses: {
            /** @description The rendered heatmap. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "image/png": Blob;
                };
            };
            400: components["responses"]["BadRequest"];
            406: components["responses"]["NotAcceptable"];
            408: components["responses"]["RequestTimeout"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    headVectorImage: {
        parameters: {
            query: {
                /**
                 * @description Comma-separated finite numbers, laid out row-major.
                 * @example [
                 *       0,
                 *       1,
                 *       2,
                 *       3,
                 *       4,
                 *       5,
                 *       6,
                 *       7,
                 *       8,
                 *       9,
                 *       10,
                 *       11,
                 *       12,
                 *       13,
                 *       14,
                 *       15
                 *     ]
                 */
                values: components["parameters"]["Values"];
                /** @description Rows of the grid. With `cols` too, rows×cols must equal the number of values. */
                rows?: components["parameters"]["Rows"];
                /** @description Columns of the grid. Default `ceil(sqrt(n))`. */
                cols?: components["parameters"]["Cols"];
                /** @description Output width in pixels. */
                width?: components["parameters"]["Width"];
                /** @description Output height in pixels. */
                height?: components["parameters"]["Height"];
                colormap?: components["parameters"]["Colormap"];
                /** @description Value drawn with the colormap's first colour (default the data's minimum). */
                min?: components["parameters"]["Min"];
                /** @description Value drawn with the colormap's last colour (default the data's maximum). */
                max?: components["parameters"]["Max"];
                interpolation?: components["parameters"]["Interpolation"];
            };
            header?: {
                /** @description Entity tags of copies the client holds (RFC 9110 §13.1.2). */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The headers GET would send with the heatmap. */
            200: {
                headers: {
                    "Content-Length": components["headers"]["ContentLength"];
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not modified; the client's copy (If-None-Match) is current (RFC 9110 §15.4.5). */
            304: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["HeadProblem"];
            406: components["responses"]["HeadProblem"];
            500: components["responses"]["HeadProblem"];
            503: components["responses"]["HeadUnavailable"];
        };
    };
    listImages: {
        parameters: {
            query?: {
                /** @description The most items to return. */
                limit?: number;
                /** @description The `next` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of images. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageList"];
                };
            };
            400: components["responses"]["BadRequest"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    uploadImage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "image/*": Blob;
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description The image.
                     */
                    file: Blob;
                };
            };
        };
        responses: {
            /** @description The same picture was already stored; nothing changed. */
            200: {
                headers: {
                    Location: components["headers"]["Location"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            /** @description Stored. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            408: components["responses"]["RequestTimeout"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableImage"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
            507: components["responses"]["InsufficientStorage"];
        };
    };
    getImage: {
        parameters: {
            query?: {
                /** @description Output width in pixels (times `dpr`). With only `w`, the height keeps the aspect ratio. */
                w?: components["parameters"]["W"];
                /** @description Output height in pixels (times `dpr`). With only `h`, the width keeps the aspect ratio. */
                h?: components["parameters"]["H"];
                /**
                 * @description How the image meets a `w`×`h` box, when both are given:
                 *     `contain` fits inside it keeping the aspect ratio, `cover` fills
                 *     it and crops the overflow at `gravity` (or around `fx`,`fy`),
                 *     `fill` stretches to it, and `pad` fits inside it as `contain`
                 *     does, then fills the rest of the box with `background`
                 *     (transparent without it), the picture placed at `gravity`. For
                 *     example `?w=256&h=256&fit=pad&background=ffffff`.
                 * @example pad
                 */
                fit?: components["parameters"]["Fit"];
                /**
                 * @description The part of the image that `fit=cover` keeps, or where `fit=pad`
                 *     places the picture in the box. `smart` (with `fit=cover` only)
                 *     keeps the part that draws the eye: edges, skin tones and saturated
                 *     colour, found on a small copy as libvips's attention crop does. For
                 *     example `?w=256&h=256&fit=cover&gravity=smart`.
                 * @example smart
                 */
                gravity?: components["parameters"]["Gravity"];
                /**
                 * @description With `fy`, a focal point for `fit=cover`: the crop keeps it as
                 *     near its centre as the box allows, whatever `gravity` says. A
                 *     fraction of the stored image's width, from its left edge. For
                 *     example `?w=256&h=256&fit=cover&fx=0.3&fy=0.4`. One of `fx` and
                 *     `fy` given alone stands with the other at 0.5.
                 * @example 0.3
                 */
                fx?: components["parameters"]["FX"];
                /**
                 * @description With `fx`, a focal point for `fit=cover`; a fraction of the stored image's height, from its top edge.
                 * @example 0.4
                 */
                fy?: components["parameters"]["FY"];
                /**
                 * @description A colour, `RRGGBB` or `RRGGBBAA` in hex (sRGB, alpha not
                 *     premultiplied), that fills what `fit=pad` adds, and onto which the
                 *     output's transparent pixels are flattened. Without it, the padding
                 *     is transparent and transparent pixels stay so. For example
                 *     `?background=ffffff` flattens a transparent PNG onto white.
                 */
                background?: components["parameters"]["Background"];
                /**
                 * @description Cut the stored image's borders of one colour before the other
                 *     steps: the colour of its top-left pixel, or transparency when that
                 *     pixel is transparent. A pixel is border when no channel (0 to 255)
                 *     differs from that colour by more than this threshold; a 3×3 median
                 *     first removes lone noisy pixels, as libvips's `find_trim` does. An
                 *     image that is all border is kept whole. For example `?trim=10`.
                 */
                trim?: components["parameters"]["Trim"];
                /**
                 * @description Round the output's corners with this radius in output pixels (at
                 *     most half its shorter side), anti-aliased in the alpha channel. For
                 *     example `?w=256&h=256&fit=cover&radius=32`.
                 */
                radius?: components["parameters"]["Radius"];
                /**
                 * @description The id of another stored image to draw over the output, as a mark
                 *     or watermark: scaled to `overlay_scale` of the output's width,
                 *     placed at `overlay_gravity` `overlay_margin` pixels in from the
                 *     edges, at `overlay_opacity`, composited with premultiplied alpha in
                 *     sRGB after the other geometry steps (and before `grayscale` and
                 *     `blur`). It is part of the derived image's ETag and of what `sig`
                 *     signs. Only images in this server's store can be overlaid; an id
                 *     that is not there gets 422 naming it. For example
                 *     `?w=512&overlay=<id>&overlay_scale=0.2&overlay_opacity=0.7&overlay_margin=16`.
                 */
                overlay?: components["parameters"]["Overlay"];
                /** @description Where `overlay` sits in the output. */
                overlay_gravity?: components["parameters"]["OverlayGravity"];
                /** @description The overlay's width as a fraction of the output's width; its height keeps its aspect ratio, and it is shrunk further if it would not fit inside the margins. */
                overlay_scale?: components["parameters"]["OverlayScale"];
                /** @description The overlay's opacity, 0 (invisible) to 1 (as it is). */
                overlay_opacity?: components["parameters"]["OverlayOpacity"];
                /** @description Pixels of the output between the overlay and the edges its gravity puts it against. */
                overlay_margin?: components["parameters"]["OverlayMargin"];
                /** @description Clockwise rotation in degrees. */
                rotate?: components["parameters"]["Rotate"];
                /** @description Mirror horizontally (`h`), vertically (`v`) or both (`hv`), after rotating. */
                flip?: components["parameters"]["Flip"];
                /** @description Drop the colour (Rec. 709 luma); alpha is kept. */
                grayscale?: components["parameters"]["Grayscale"];
                /** @description Gaussian blur of this sigma, in output pixels; 0 is none. */
                blur?: components["parameters"]["Blur"];
                /** @description One frame of an animation (from 0), as a still PNG, transformed as the other parameters say. Without it, the derived image of an animation is an animation (APNG): every frame transformed the same way, with the same delays and loop count. A frame past the last is 422; a still image has only frame 0, and `frame=0` of it is the image itself. */
                frame?: components["parameters"]["Frame"];
                /** @description Bits a channel of the derived image. A 16-bit source's derived image is resampled and written at 16 bits (16, the default); 8 asks for 8. An 8-bit source's is 8-bit either way. */
                depth?: components["parameters"]["Depth"];
                /** @description What the derived image of an HDR source (BT.2100 PQ or HLG, see `Colour.hdr`) shows: `sdr` (the default) tone-maps it to SDR sRGB; `keep` keeps it HDR, as a 16-bit PNG with the source's `cICP`, for displays that show HDR. An SDR source's derived image is SDR either way. */
                hdr?: components["parameters"]["HDR"];
                /** @description A palette of at most this many colours (a paletted PNG, with `tRNS` for alpha): far fewer bytes for photographs, at a small loss. pngd's own quantizer chooses the colours (a variance-based median cut refined by k-means) and dithers selectively (see `dither`). An image with no more colours than this comes back exact. With `quality`, the most colours it may use. */
                colors?: components["parameters"]["Colors"];
                /** @description The fewest palette colours (up to `colors`, else 256) whose image is at least 20 + 0.3 × `quality` dB PSNR from the lossless one: 60 ("high", 38 dB), 80 ("very high", 44 dB). When no palette reaches it, the image stays lossless; 100 always does, and overrides a server's default (`-derived-quality`). The PSNR is over the premultiplied colour channels, and alpha when the image has any translucency. */
                quality?: components["parameters"]["Quality"];
                /** @description The strength of the palette's error diffusion, 0 (none) to 1 (the default): serpentine Floyd–Steinberg, full in smooth areas so that gradients do not band, none across strong edges and in busy texture, and none at all when the palette is within 50 dB of the picture. Only with `colors`, `quality` or `max_bytes`. */
                dither?: components["parameters"]["Dither"];
                /** @description The best PNG pngd can make in at most this many bytes: lossless if it fits, else the palette of the most colours (up to `colors`) that fits, undithered when dithering would not fit. With `quality`, the result must also reach it. When nothing fits, 422, with the smallest size reachable in the detail. */
                max_bytes?: components["parameters"]["MaxBytes"];
                /** @description Device pixel ratio; multiplies `w` and `h` (the product is rounded). Without `w` or `h` it changes nothing. */
                dpr?: components["parameters"]["Dpr"];
                /**
                 * @description Needed, with transform parameters, when the server has a signing
                 *     key: the unpadded base64url HMAC-SHA256, under that key, of the
                 *     path, a `?`, and the other query parameters sorted by name and
                 *     value and URL-encoded (Go's `url.Values.Encode`), e.g.
                 *     `/images/{id}?fit=cover&h=200&w=200`. `pngd sign URL` and the
                 *     Go package `github.com/pngd/pngd/sign` make them. Exactly one
                 *     spelling verifies, and a query holding anything else (`;`, a
                 *     malformed escape, an empty `&&`) does not. Parameters that only
                 *     restate the defaults, and `preset` alone, need none.
                 */
                sig?: components["parameters"]["Sig"];
                /**
                 * @description A named set of transform parameters that the server's operator
                 *     defined (`--presets`), such as `thumb` for
                 *     `w=256&h=256&fit=cover`. It needs no `sig`. Transform parameters
                 *     given with it override its own; on a server that signs URLs, or
                 *     serves only presets to unsigned requests (`--presets-only`),
                 *     they need a `sig` as usual. An unknown name gets 400.
                 */
                preset?: components["parameters"]["Preset"];
            };
            header?: {
                /**
                 * @description One byte range, `bytes=first-last`, `bytes=first-` or
                 *     `bytes=-suffix` (RFC 9110 §14.2), e.g. `bytes=0-1023`. (No
                 *     example value here: Swagger UI would send it with every "Try it
                 *     out", and show a fragment instead of the picture.)
                 */
                Range?: components["parameters"]["Range"];
                /** @description Apply `Range` only if the image still has this ETag or Last-Modified (RFC 9110 §13.1.5). */
                "If-Range"?: components["parameters"]["IfRange"];
                /** @description Entity tags of copies the client holds (RFC 9110 §13.1.2). */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
                /** @description An HTTP-date; 304 if the image has not changed since (RFC 9110 §13.1.3). */
                "If-Modified-Since"?: components["parameters"]["IfModifiedSince"];
            };
            path: {
                /**
                 * @description The image's id, the SHA-256 of its stored PNG in hex.
                 * @example 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
                 */
                id: components["parameters"]["ImageID"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The whole image. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Last-Modified": components["headers"]["LastModified"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    [name: string]: unknown;
                };
                content: {
                    "image/png": Blob;
                };
            };
            /** @description One byte range of the image (RFC 9110 §15.3.7). */
            206: {
                headers: {
                    "Content-Range": components["headers"]["ContentRange"];
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Last-Modified": components["headers"]["LastModified"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    [name: string]: unknown;
                };
                content: {
                    "image/png": Blob;
                };
            };
            /** @description Not modified; the client's copy is current (RFC 9110 §15.4.5). */
            304: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Last-Modified": components["headers"]["LastModified"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            /**
             * @description The server signs URLs, or serves only its presets to unsigned
             *     requests, and `sig` is missing or does not match the path and
             *     query.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            404: components["responses"]["NotFound"];
            406: components["responses"]["NotAcceptable"];
            /** @description The range starts beyond the image's end (RFC 9110 §15.5.17). */
            416: {
                headers: {
                    "Content-Range": components["headers"]["ContentRange"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The derived image would have more pixels than the server makes (`--max-output-pixels`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    deleteImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's id, the SHA-256 of its stored PNG in hex.
                 * @example 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
                 */
                id: components["parameters"]["ImageID"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    headImage: {
        parameters: {
            query?: {
                /** @description Output width in pixels (times `dpr`). With only `w`, the height keeps the aspect ratio. */
                w?: components["parameters"]["W"];
                /** @description Output height in pixels (times `dpr`). With only `h`, the width keeps the aspect ratio. */
                h?: components["parameters"]["H"];
                /**
                 * @description How the image meets a `w`×`h` box, when both are given:
                 *     `contain` fits inside it keeping the aspect ratio, `cover` fills
                 *     it and crops the overflow at `gravity` (or around `fx`,`fy`),
                 *     `fill` stretches to it, and `pad` fits inside it as `contain`
                 *     does, then fills the rest of the box with `background`
                 *     (transparent without it), the picture placed at `gravity`. For
                 *     example `?w=256&h=256&fit=pad&background=ffffff`.
                 * @example pad
                 */
                fit?: components["parameters"]["Fit"];
                /**
                 * @description The part of the image that `fit=cover` keeps, or where `fit=pad`
                 *     places the picture in the box. `smart` (with `fit=cover` only)
                 *     keeps the part that draws the eye: edges, skin tones and saturated
                 *     colour, found on a small copy as libvips's attention crop does. For
                 *     example `?w=256&h=256&fit=cover&gravity=smart`.
                 * @example smart
                 */
                gravity?: components["parameters"]["Gravity"];
                /**
                 * @description With `fy`, a focal point for `fit=cover`: the crop keeps it as
                 *     near its centre as the box allows, whatever `gravity` says. A
                 *     fraction of the stored image's width, from its left edge. For
                 *     example `?w=256&h=256&fit=cover&fx=0.3&fy=0.4`. One of `fx` and
                 *     `fy` given alone stands with the other at 0.5.
                 * @example 0.3
                 */
                fx?: components["parameters"]["FX"];
                /**
                 * @description With `fx`, a focal point for `fit=cover`; a fraction of the stored image's height, from its top edge.
                 * @example 0.4
                 */
                fy?: components["parameters"]["FY"];
                /**
                 * @description A colour, `RRGGBB` or `RRGGBBAA` in hex (sRGB, alpha not
                 *     premultiplied), that fills what `fit=pad` adds, and onto which the
                 *     output's transparent pixels are flattened. Without it, the padding
                 *     is transparent and transparent pixels stay so. For example
                 *     `?background=ffffff` flattens a transparent PNG onto white.
                 */
                background?: components["parameters"]["Background"];
                /**
                 * @description Cut the stored image's borders of one colour before the other
                 *     steps: the colour of its top-left pixel, or transparency when that
                 *     pixel is transparent. A pixel is border when no channel (0 to 255)
                 *     differs from that colour by more than this threshold; a 3×3 median
                 *     first removes lone noisy pixels, as libvips's `find_trim` does. An
                 *     image that is all border is kept whole. For example `?trim=10`.
                 */
                trim?: components["parameters"]["Trim"];
                /**
                 * @description Round the output's corners with this radius in output pixels (at
                 *     most half its shorter side), anti-aliased in the alpha channel. For
                 *     example `?w=256&h=256&fit=cover&radius=32`.
                 */
                radius?: components["parameters"]["Radius"];
                /**
                 * @description The id of another stored image to draw over the output, as a mark
                 *     or watermark: scaled to `overlay_scale` of the output's width,
                 *     placed at `overlay_gravity` `overlay_margin` pixels in from the
                 *     edges, at `overlay_opacity`, composited with premultiplied alpha in
                 *     sRGB after the other geometry steps (and before `grayscale` and
                 *     `blur`). It is part of the derived image's ETag and of what `sig`
                 *     signs. Only images in this server's store can be overlaid; an id
                 *     that is not there gets 422 naming it. For example
                 *     `?w=512&overlay=<id>&overlay_scale=0.2&overlay_opacity=0.7&overlay_margin=16`.
                 */
                overlay?: components["parameters"]["Overlay"];
                /** @description Where `overlay` sits in the output. */
                overlay_gravity?: components["parameters"]["OverlayGravity"];
                /** @description The overlay's width as a fraction of the output's width; its height keeps its aspect ratio, and it is shrunk further if it would not fit inside the margins. */
                overlay_scale?: components["parameters"]["OverlayScale"];
                /** @description The overlay's opacity, 0 (invisible) to 1 (as it is). */
                overlay_opacity?: components["parameters"]["OverlayOpacity"];
                /** @description Pixels of the output between the overlay and the edges its gravity puts it against. */
                overlay_margin?: components["parameters"]["OverlayMargin"];
                /** @description Clockwise rotation in degrees. */
                rotate?: components["parameters"]["Rotate"];
                /** @description Mirror horizontally (`h`), vertically (`v`) or both (`hv`), after rotating. */
                flip?: components["parameters"]["Flip"];
                /** @description Drop the colour (Rec. 709 luma); alpha is kept. */
                grayscale?: components["parameters"]["Grayscale"];
                /** @description Gaussian blur of this sigma, in output pixels; 0 is none. */
                blur?: components["parameters"]["Blur"];
                /** @description One frame of an animation (from 0), as a still PNG, transformed as the other parameters say. Without it, the derived image of an animation is an animation (APNG): every frame transformed the same way, with the same delays and loop count. A frame past the last is 422; a still image has only frame 0, and `frame=0` of it is the image itself. */
                frame?: components["parameters"]["Frame"];
                /** @description Bits a channel of the derived image. A 16-bit source's derived image is resampled and written at 16 bits (16, the default); 8 asks for 8. An 8-bit source's is 8-bit either way. */
                depth?: components["parameters"]["Depth"];
                /** @description What the derived image of an HDR source (BT.2100 PQ or HLG, see `Colour.hdr`) shows: `sdr` (the default) tone-maps it to SDR sRGB; `keep` keeps it HDR, as a 16-bit PNG with the source's `cICP`, for displays that show HDR. An SDR source's derived image is SDR either way. */
                hdr?: components["parameters"]["HDR"];
                /** @description A palette of at most this many colours (a paletted PNG, with `tRNS` for alpha): far fewer bytes for photographs, at a small loss. pngd's own quantizer chooses the colours (a variance-based median cut refined by k-means) and dithers selectively (see `dither`). An image with no more colours than this comes back exact. With `quality`, the most colours it may use. */
                colors?: components["parameters"]["Colors"];
                /** @description The fewest palette colours (up to `colors`, else 256) whose image is at least 20 + 0.3 × `quality` dB PSNR from the lossless one: 60 ("high", 38 dB), 80 ("very high", 44 dB). When no palette reaches it, the image stays lossless; 100 always does, and overrides a server's default (`-derived-quality`). The PSNR is over the premultiplied colour channels, and alpha when the image has any translucency. */
                quality?: components["parameters"]["Quality"];
                /** @description The strength of the palette's error diffusion, 0 (none) to 1 (the default): serpentine Floyd–Steinberg, full in smooth areas so that gradients do not band, none across strong edges and in busy texture, and none at all when the palette is within 50 dB of the picture. Only with `colors`, `quality` or `max_bytes`. */
                dither?: components["parameters"]["Dither"];
                /** @description The best PNG pngd can make in at most this many bytes: lossless if it fits, else the palette of the most colours (up to `colors`) that fits, undithered when dithering would not fit. With `quality`, the result must also reach it. When nothing fits, 422, with the smallest size reachable in the detail. */
                max_bytes?: components["parameters"]["MaxBytes"];
                /** @description Device pixel ratio; multiplies `w` and `h` (the product is rounded). Without `w` or `h` it changes nothing. */
                dpr?: components["parameters"]["Dpr"];
                /**
                 * @description Needed, with transform parameters, when the server has a signing
                 *     key: the unpadded base64url HMAC-SHA256, under that key, of the
                 *     path, a `?`, and the other query parameters sorted by name and
                 *     value and URL-encoded (Go's `url.Values.Encode`), e.g.
                 *     `/images/{id}?fit=cover&h=200&w=200`. `pngd sign URL` and the
                 *     Go package `github.com/pngd/pngd/sign` make them. Exactly one
                 *     spelling verifies, and a query holding anything else (`;`, a
                 *     malformed escape, an empty `&&`) does not. Parameters that only
                 *     restate the defaults, and `preset` alone, need none.
                 */
                sig?: components["parameters"]["Sig"];
                /**
                 * @description A named set of transform parameters that the server's operator
                 *     defined (`--presets`), such as `thumb` for
                 *     `w=256&h=256&fit=cover`. It needs no `sig`. Transform parameters
                 *     given with it override its own; on a server that signs URLs, or
                 *     serves only presets to unsigned requests (`--presets-only`),
                 *     they need a `sig` as usual. An unknown name gets 400.
                 */
                preset?: components["parameters"]["Preset"];
            };
            header?: {
                /**
                 * @description One byte range, `bytes=first-last`, `bytes=first-` or
                 *     `bytes=-suffix` (RFC 9110 §14.2), e.g. `bytes=0-1023`. (No
                 *     example value here: Swagger UI would send it with every "Try it
                 *     out", and show a fragment instead of the picture.)
                 */
                Range?: components["parameters"]["Range"];
                /** @description Apply `Range` only if the image still has this ETag or Last-Modified (RFC 9110 §13.1.5). */
                "If-Range"?: components["parameters"]["IfRange"];
                /** @description Entity tags of copies the client holds (RFC 9110 §13.1.2). */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
                /** @description An HTTP-date; 304 if the image has not changed since (RFC 9110 §13.1.3). */
                "If-Modified-Since"?: components["parameters"]["IfModifiedSince"];
            };
            path: {
                /**
                 * @description The image's id, the SHA-256 of its stored PNG in hex.
                 * @example 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
                 */
                id: components["parameters"]["ImageID"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The headers GET would send with the whole image. */
            200: {
                headers: {
                    "Content-Length": components["headers"]["ContentLength"];
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Last-Modified": components["headers"]["LastModified"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not modified (RFC 9110 §15.4.5). */
            304: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Last-Modified": components["headers"]["LastModified"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["HeadProblem"];
            403: components["responses"]["HeadProblem"];
            404: components["responses"]["HeadProblem"];
            406: components["responses"]["HeadProblem"];
            422: components["responses"]["HeadProblem"];
            500: components["responses"]["HeadProblem"];
            503: components["responses"]["HeadUnavailable"];
        };
    };
    getImageInfo: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's id, the SHA-256 of its stored PNG in hex.
                 * @example 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
                 */
                id: components["parameters"]["ImageID"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image's metadata. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            400: components["responses"]["BadRequest"];
            404: components["responses"]["NotFound"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process is alive. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    getReady: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready to serve traffic. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description The image store refuses pngd; an operator must fix the configuration. `detail` says what is wrong. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not ready for now (shutting down, or the store cannot be reached); try again after `Retry-After`. */
            503: {
                headers: {
                    /** @description Seconds to wait before asking again (RFC 9110 §10.2.3). */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The metrics. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain; version=0.0.4; charset=utf-8": string;
                };
            };
            /** @description The metrics are served on another listener (`--metrics-addr`). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getOpenAPIYAML: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document in YAML. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/yaml": Blob;
                };
            };
        };
    };
    getOpenAPIJSON: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document in JSON. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
        };
    };
}
