// Reference for the Range figure: the ceiling of loopback TCP from one Node process on this
// machine. Every connection is sent one 1 MiB buffer from memory over and over, as fast as the
// socket drains: no HTTP, no file, no per-request work. The bench counts what its 50
// connections receive. A connection whose first bytes ask for /healthz is answered 204 and
// closed (bench/lib/processes.ts waits for that before measuring).
import { createServer } from "node:net";

const chunk = Buffer.alloc(1024 * 1024, 0x5a);

createServer((socket) => {
  socket.on("error", () => socket.destroy());
  socket.once("data", (first) => {
    if (first.includes("/healthz")) return void socket.end("HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n");
    const pump = () => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.on("drain", pump);
    pump();
  });
}).listen(Number(process.env.PORT), "127.0.0.1");
process.once("SIGTERM", () => process.exit(0));
