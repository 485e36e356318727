// Imported first by server.ts: libuv reads UV_THREADPOOL_SIZE when its thread pool first runs
// work, so it must be set before anything touches the file system asynchronously.
//
// Every fs call, DNS lookup and hash of the gateway shares that pool, 4 threads by default.
// The fsyncs that make a stored video durable wait for the disk's journal, ~100-250 ms each
// when 50 videos finish together beside SQLite's or PostgreSQL's own commits (SSE bench): 4 of
// them held every thread, and a rename or an open queued behind them for 20-50 ms. With 16, a
// slow fsync holds one thread of many. An operator's own value wins.
process.env.UV_THREADPOOL_SIZE ??= "16";
