import type { Service } from "../service.js";

export type { OutboxCursor, OutboxItem } from "../store/outbox.js";

/**
 * An upstream sender: a service that delivers the outbox, in order, through its own cursor
 * (`Store.outboxCursor(name)`), so each sender moves at its own pace and a slow one holds back
 * only the messages it has not sent. `name` is its kind's key in the config and its cursor's name.
 */
export interface OutboxConsumer extends Service {
  /** new messages are in the outbox: look now rather than at the next poll */
  notify(): void;
  /** shown on /healthz */
  stats(): object;
}
