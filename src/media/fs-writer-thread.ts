import { Worker } from "node:worker_threads";
import { WRITER_THREAD_SOURCE } from "./fs-writer-thread-source";

/**
 * The filesystem store's writes, done on a thread of their own. A put is a chain of file
 * operations (open, each chunk's write, fsync, close, the old sidecar's removal, the rename, the
 * directory's fsync), and each one done with node's async fs is a thread-pool job whose answer
 * waits for a turn of the event loop. In the SSE bench's completion burst (50 videos stored
 * while 200 subscribers are sent every event) a turn took 25-65 ms, and a 23-61 KiB video's put
 * took 367 ms at the median (measured per step: bench/RESULTS.md, ninth session). Here the
 * thread runs the whole chain with synchronous calls and answers once at the end: the event
 * loop waits for one message instead of nine answers.
 *
 * Chunks are copied into buffers of a fixed pool (the source's Buffers may be views of a shared
 * pool, or reused by it), moved to the thread, and moved back once written: every put together
 * holds at most POOL_BUFFERS × PIECE_BYTES the thread has not written, no allocation per chunk
 * (a 50 MiB video moved in fresh copies grew RSS by 80 MB before either thread collected them),
 * and the source is read only a little ahead of the disk. Publications the thread
 * receives together are done together, in the order every put needs: each file synced and
 * closed, the sidecars renamed or the old ones removed, their directories synced once, then
 * the data renamed (the commit point), the data directories synced once, and every put
 * answered (a group commit, as the directory fsyncs were before).
 *
 * The thread is unref'd (it never keeps the process alive) and made again after a failure:
 * every put it held is then rejected, never left waiting.
 */
export interface Publication {
  /** The temp sidecar to rename over `meta` first (a type the key's extension does not imply). */
  sidecarFrom?: string;
  /** The key's sidecar: replaced by `sidecarFrom`, or removed when there is none. */
  meta: string;
  /** The data file's final name. */
  data: string;
}

export interface WriteSession {
  /** Resolves once the chunk is handed to the thread (waiting for the pool's buffers); rejects once the thread failed this file. */
  write(chunk: Buffer): Promise<void>;
  /** Syncs and closes the file, then publishes it (Publication); resolves once every step reached the disk. */
  publish(publication: Publication): Promise<void>;
  /** Closes and removes the temp file (after a failure); resolves once done. */
  abort(): Promise<void>;
}

/** A chunk goes to the thread in pieces of at most this many bytes, each in a buffer of the pool. */
export const PIECE_BYTES = 64 * 1024;
/** Buffers in the pool: what all puts together may have sent and not seen written. */
export const POOL_BUFFERS = 8;

type Reply =
  | { id: number; kind: "written"; buffer: ArrayBuffer }
  | { id: number; kind: "done" }
  | { id: number; kind: "failed"; message: string; code?: string };

interface Pending {
  failure: Error | null;
  /** Waiting for the publication or the abort to end. */
  end: { resolve: () => void; reject: (error: Error) => void } | null;
}

export class FsWriterThread {
  private static process: FsWriterThread | undefined;

  /** The process's writer: one thread (an isolate of its own, ~10 MiB) for every store. */
  static shared(): FsWriterThread {
    FsWriterThread.process ??= new FsWriterThread();
    return FsWriterThread.process;
  }

  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** The pool's buffers on this side, and how many exist (the rest are with the thread). */
  private readonly free: ArrayBuffer[] = [];
  private buffers = 0;
  private readonly waitingForBuffer: Array<(buffer: ArrayBuffer) => void> = [];

  /** Begins writing a new file (which must not exist). */
  begin(file: string): WriteSession {
    const worker = this.thread();
    const id = this.nextId++;
    const state: Pending = { failure: null, end: null };
    // Referenced while a put waits on it (a script that only stores must not exit meanwhile).
    if (this.pending.size === 0) worker.ref();
    this.pending.set(id, state);
    worker.postMessage({ id, op: "open", file });
    const ended = (op: Record<string, unknown>) =>
      new Promise<void>((resolve, reject) => {
        if (!this.pending.has(id)) return reject(state.failure ?? new Error("the file writer's thread ended"));
        state.end = { resolve, reject };
        worker.postMessage({ id, ...op });
      });
    return {
      write: async (chunk) => {
        for (let offset = 0; offset < chunk.length; offset += PIECE_BYTES) {
          const buffer = await this.buffer();
          if (state.failure) {
            this.returned(buffer);
            throw state.failure;
          }
          const piece = chunk.subarray(offset, offset + PIECE_BYTES);
          new Uint8Array(buffer).set(piece);
          worker.postMessage({ id, op: "write", data: buffer, length: piece.length }, [buffer]);
        }
        if (state.failure) throw state.failure;
      },
      publish: (publication) => (state.failure ? Promise.reject(state.failure) : ended({ op: "publish", publication })),
      abort: () => ended({ op: "abort" }).catch(() => undefined),
    };
  }

  /** Ends the thread (every put it held is rejected); a later put makes a new one. */
  async close(): Promise<void> {
    await this.worker?.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WRITER_THREAD_SOURCE, { eval: true });
    worker.unref();
    worker.on("message", (reply: Reply) => this.answer(reply));
    const lost = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const [id, state] of this.pending) {
        this.pending.delete(id);
        fail(state, error);
      }
    };
    worker.on("error", (error) => lost(error));
    worker.once("exit", (code) => {
      lost(new Error(`the file writer's thread exited (${code})`));
      // The buffers the thread held went with it: writes waiting for one get a new one (and then their failure).
      this.buffers = this.free.length;
      while (this.waitingForBuffer.length > 0 && this.buffers < POOL_BUFFERS) {
        this.buffers++;
        this.waitingForBuffer.shift()?.(new ArrayBuffer(PIECE_BYTES));
      }
    });
    this.worker = worker;
    return worker;
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
  }

  /** A buffer of the pool, once one is free. */
  private buffer(): Promise<ArrayBuffer> {
    const buffer = this.free.pop();
    if (buffer) return Promise.resolve(buffer);
    if (this.buffers < POOL_BUFFERS) {
      this.buffers++;
      return Promise.resolve(new ArrayBuffer(PIECE_BYTES));
    }
    return new Promise((resolve) => this.waitingForBuffer.push(resolve));
  }

  private returned(buffer: ArrayBuffer): void {
    const waiter = this.waitingForBuffer.shift();
    if (waiter) waiter(buffer);
    else this.free.push(buffer);
  }

  private answer(reply: Reply): void {
    if (reply.kind === "written") this.returned(reply.buffer);
    const state = this.pending.get(reply.id);
    if (!state) return;
    if (reply.kind === "written") return;
    if (reply.kind === "failed") {
      const error = Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {});
      // The file failed before its end was asked for: later writes reject, and so does the publication.
      if (!state.end) {
        fail(state, error);
        return;
      }
      this.settled(reply.id);
      state.end.reject(error);
      return;
    }
    this.settled(reply.id);
    state.end?.resolve();
  }
}

function fail(state: Pending, error: Error): void {
  state.failure ??= error;
  state.end?.reject(error);
  state.end = null;
}
