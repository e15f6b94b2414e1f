// The commit thread (see commit-worker.ts): its own connection to the store file, committing the
// batches the event loop posts, so a commit's fsync never holds the event loop.
import { parentPort, workerData } from "node:worker_threads";
import { unpackBatch } from "./commit-thread-pack.js";
import type { CommitReply, CommitRequest } from "./commit-worker.js";
import { Store, type StoreOptions } from "./store.js";

const port = parentPort;
if (!port) throw new Error("commit-thread.js runs as a worker thread of the gateway, not on its own");
const store = Store.open(workerData as StoreOptions);

port.on("message", (request: CommitRequest) => {
  if (request === "close") {
    store.close();
    port.close();
    return;
  }
  let reply: CommitReply;
  try {
    const { batch, windows } = unpackBatch(request.packed);
    reply = { id: request.id, inserted: store.commit(batch, windows, request.heard, request.cursors).inserted };
  } catch (err) {
    reply = { id: request.id, error: { message: (err as Error).message, code: (err as { code?: string }).code } };
  }
  port.postMessage(reply);
});
