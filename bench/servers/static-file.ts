// Reference for the media figure: BENCH_FILE served by a bare node:http server with Node's
// defaults (fs.createReadStream piped into the response, 64 KiB reads), single Range requests
// only: what HTTP from one Node process reaches on this machine, beside the gateway.
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";

const file = process.env.BENCH_FILE as string;
const size = statSync(file).size;

createServer((request, response) => {
  if (request.url === "/healthz") return void response.writeHead(204).end();
  const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? "");
  if (!range) {
    response.writeHead(200, { "content-length": size, "content-type": "video/mp4" });
    return void createReadStream(file).pipe(response);
  }
  const start = Number(range[1]);
  const end = Math.min(Number(range[2]), size - 1);
  response.writeHead(206, { "content-length": end - start + 1, "content-range": `bytes ${start}-${end}/${size}`, "content-type": "video/mp4" });
  createReadStream(file, { start, end }).pipe(response);
}).listen(Number(process.env.PORT), "127.0.0.1");
process.once("SIGTERM", () => process.exit(0));
