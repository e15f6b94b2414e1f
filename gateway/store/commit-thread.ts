// The commit thread (see commit-worker.ts): its own connection to the store file, committing the
// batches the event loop posts, so a commit's fsync never holds the event loop.
import { parentPort, workerData } from "node:worker_threads";
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
    reply = { id: request.id, inserted: store.commit(request.batch, request.windows, request.heard, request.cursors).inserted };
  } catch (err) {
    reply = { id: request.id, error: { message: (err as Error).message, code: (err as { code?: string }).code } };
  }
  port.postMessage(reply);
});
