// The filesystem store's writer thread (fs-writer-thread.ts): the code it runs, and the
// messages it answers. In: { id, op: "open", file }, { id, op: "write", data, length } (a pool
// buffer, moved here), { id, op: "publish", publication }, { id, op: "abort" }. Out: { id, kind:
// "written", buffer } (the buffer moved back), { id, kind: "done" }, { id, kind: "failed",
// message, code }.

/**
 * The thread's code, plain JavaScript in a string (what a transpiler would add to a function's
 * source, its helpers, would not exist in the thread). Each file's operations run in arrival
 * order; publications that arrived together are done in one pass (fs-writer-thread.ts). A file's failure
 * is answered once; its later messages only clean up.
 */
export const WRITER_THREAD_SOURCE = `
const fs = process.getBuiltinModule("node:fs");
const path = process.getBuiltinModule("node:path");
const { parentPort: port } = process.getBuiltinModule("node:worker_threads");
const files = new Map();
let batch = [];

function failed(id, error) {
  const entry = files.get(id);
  if (entry) entry.failed = true;
  port.postMessage({ id, kind: "failed", message: String(error && error.message), code: error && error.code });
}
function closeQuietly(entry) {
  if (entry.fd === null) return;
  try { fs.closeSync(entry.fd); } catch {}
  entry.fd = null;
}
function syncDirectory(dir) {
  const fd = fs.openSync(dir, "r");
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}
function publishAll() {
  const puts = batch;
  batch = [];
  const ok = new Set();
  // Each file on the disk and closed; its sidecar published, or the old one removed.
  const metaDirs = new Set();
  for (const { id, publication } of puts) {
    const entry = files.get(id);
    if (!entry || entry.failed || entry.fd === null) continue;
    try {
      fs.fsyncSync(entry.fd);
      fs.closeSync(entry.fd);
      entry.fd = null;
      if (publication.sidecarFrom) {
        fs.renameSync(publication.sidecarFrom, publication.meta);
        metaDirs.add(path.dirname(publication.meta));
      } else {
        try {
          fs.unlinkSync(publication.meta);
          metaDirs.add(path.dirname(publication.meta));
        } catch (error) {
          if (error.code !== "ENOENT" && error.code !== "ENOTDIR") throw error;
        }
      }
      ok.add(id);
    } catch (error) {
      closeQuietly(entry);
      failed(id, error);
    }
  }
  // Those sidecar changes for good before any data is published.
  for (const dir of metaDirs) {
    try {
      syncDirectory(dir);
    } catch (error) {
      for (const { id, publication } of puts) {
        if (ok.has(id) && path.dirname(publication.meta) === dir) {
          ok.delete(id);
          failed(id, error);
        }
      }
    }
  }
  // The commit points, then each data directory once.
  const dataDirs = new Map();
  for (const { id, publication } of puts) {
    if (!ok.has(id)) continue;
    try {
      fs.renameSync(files.get(id).file, publication.data);
      const dir = path.dirname(publication.data);
      dataDirs.set(dir, [...(dataDirs.get(dir) || []), id]);
    } catch (error) {
      ok.delete(id);
      failed(id, error);
    }
  }
  for (const [dir, ids] of dataDirs) {
    try {
      syncDirectory(dir);
    } catch (error) {
      for (const id of ids) {
        ok.delete(id);
        failed(id, error);
      }
    }
  }
  for (const { id } of puts) {
    files.delete(id);
    if (ok.has(id)) port.postMessage({ id, kind: "done" });
  }
}

port.on("message", (message) => {
  const { id, op } = message;
  if (op === "open") {
    const entry = { fd: null, file: message.file, failed: false, made: false };
    files.set(id, entry);
    try {
      entry.fd = fs.openSync(entry.file, "wx");
      entry.made = true;
    } catch (error) {
      failed(id, error);
    }
    return;
  }
  const entry = files.get(id);
  if (op === "write") {
    // The pool's buffer goes back whatever happens to the write.
    const data = new Uint8Array(message.data, 0, message.length);
    if (entry && !entry.failed && entry.fd !== null) {
      try {
        // write(2) may write less than asked (close to a full disk): on until done or an error.
        for (let offset = 0; offset < data.byteLength; ) offset += fs.writeSync(entry.fd, data, offset, data.byteLength - offset);
      } catch (error) {
        closeQuietly(entry);
        failed(id, error);
      }
    }
    port.postMessage({ id, kind: "written", buffer: message.data }, [message.data]);
    return;
  }
  if (!entry) return;
  if (op === "abort") {
    closeQuietly(entry);
    // Only a file this put made (an open that failed may have met someone else's).
    if (entry.made) try { fs.rmSync(entry.file, { force: true }); } catch {}
    files.delete(id);
    port.postMessage({ id, kind: "done" });
    return;
  }
  if (op === "publish") {
    if (entry.failed) {
      files.delete(id);
      port.postMessage({ id, kind: "failed", message: "the file's write had failed" });
      return;
    }
    batch.push({ id, publication: message.publication });
    // Every publication already queued goes in this pass.
    if (batch.length === 1) setImmediate(publishAll);
  }
});
`;
