import { GraphQLError } from "graphql";
import { type GraphQLParams, type Plugin, createGraphQLError } from "graphql-yoga";

/** What a GraphQL request body may be (boundedBodies below). */
export const DEFAULT_MAX_REQUEST_BYTES = 1_048_576; // 1 MiB: a generateVideo call is < 5 KiB

/** Only one non-negative integer is a Content-Length (not "1, 2", not "-1": smuggling attempts). */
const CONTENT_LENGTH = /^\d+$/;

/**
 * Bodies of at most `limit` bytes: 413 from Content-Length before anything is read, and a body
 * without one (chunked) counted as it streams in, failing at the limit. The same answers as
 * yoga's `maxRequestBodySize`, which createGateway turns off for this: yoga piped every body
 * through a counting stream, Content-Length or not, and each pipe's end built an AbortError
 * (a DOMException with its stack) to tidy up: ~30-50 µs of CPU per request (a history page,
 * a generateVideo) for bytes that Node's HTTP parser already stops at the announced length.
 */
export function boundedBodies(limit: number): Plugin {
  const tooLarge = () => createGraphQLError("Request body too large", { extensions: { http: { status: 413 }, code: "REQUEST_ENTITY_TOO_LARGE" } });
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const announced = request.headers.get("content-length");
      if (announced !== null) {
        if (!CONTENT_LENGTH.test(announced)) {
          throw createGraphQLError("Content-Length header is invalid.", { extensions: { http: { status: 400 }, code: "BAD_REQUEST" } });
        }
        if (Number(announced) > limit) throw tooLarge();
        // The parser delivers exactly that many bytes: nothing to count.
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser((incoming) => {
        let read = 0;
        // A native body pipes into a native TransformStream, the server's own into its ponyfill (as yoga does).
        const Transform = incoming.body instanceof ReadableStream ? TransformStream : (fetchAPI.TransformStream as typeof TransformStream);
        const counted = (incoming.body as ReadableStream<Uint8Array>).pipeThrough(
          new Transform<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              read += chunk.byteLength;
              if (read > limit) controller.error(tooLarge());
              else controller.enqueue(chunk);
            },
          }),
        );
        return parse(
          new fetchAPI.Request(incoming.url, { method: incoming.method, headers: incoming.headers, signal: incoming.signal, body: counted, duplex: "half" } as RequestInit),
        );
      });
    },
  };
}

/** The body media types POST /graphql accepts (the GraphQL over HTTP spec requires the first). */
const JSON_MEDIA_TYPES = new Set(["application/json", "application/graphql+json"]);

/**
 * POST bodies must be JSON: 415 for anything else. Yoga would also parse form-urlencoded and
 * multipart bodies, which an HTML form on any website can send cross-origin without a CORS
 * preflight, so the CORS policy would never get a say before a (paid) generation starts. A JSON
 * body always needs the preflight.
 */
export function jsonBodiesOnly(): Plugin {
  return {
    onRequestParse({ request, endResponse, fetchAPI, requestParser, setRequestParser }) {
      if (request.method !== "POST") return;
      const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (JSON_MEDIA_TYPES.has(mediaType)) {
        // Media types are case-insensitive and may have whitespace before their parameters
        // (RFC 9110 §8.3.1): `APPLICATION/JSON`, `application/json ; charset=utf-8`. Yoga's own
        // parser matches the exact lower-case spelling only and would answer 415; these get
        // the same JSON parsing (and the same body-size limit, which wraps any parser).
        if (!requestParser) setRequestParser(parseJsonBody);
        return;
      }
      const message = mediaType
        ? "Unsupported Content-Type: POST a JSON body with Content-Type: application/json."
        : "Missing Content-Type: POST a JSON body with Content-Type: application/json.";
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: "UNSUPPORTED_MEDIA_TYPE" } }] }), {
          status: 415,
          headers: { "content-type": "application/json; charset=utf-8" },
        }),
      );
    },
  };
}

/**
 * GET /graphql?variables=<not JSON> (or extensions=): yoga's GET parser lets JSON.parse's
 * SyntaxError escape, which would be masked as an internal error. It is the client's mistake:
 * 400, as for a POST body that is not JSON.
 */
export function malformedGetParamsAre400(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (request.method !== "GET" || !requestParser) return;
      const parse = requestParser;
      setRequestParser(async (incoming) => {
        try {
          return await parse(incoming);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw new GraphQLError("The variables or extensions parameter is not valid JSON.", {
            extensions: { code: "BAD_REQUEST", http: { status: 400 } },
          });
        }
      });
    },
  };
}

/** A JSON GraphQL request body, with yoga's own answers for what is not one (400 BAD_REQUEST). */
async function parseJsonBody(request: Request): Promise<GraphQLParams> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new GraphQLError("POST body sent invalid JSON.", {
      extensions: { code: "BAD_REQUEST", http: { spec: true, status: 400 } },
    });
  }
  if (body === null || typeof body !== "object") {
    throw new GraphQLError(`POST body is expected to be object but received ${body === null ? "null" : typeof body}`, {
      extensions: { code: "BAD_REQUEST", http: { status: 400 } },
    });
  }
  return body as GraphQLParams;
}
