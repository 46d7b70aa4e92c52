// The message lifecycle (sections 9 and 10). Test mode: queued → sent → delivered on its own,
// one step every `stepDelayMs`; magic recipients end failed or bounced. A scheduled message
// first waits for its time (in both modes) and then emits `message.queued`. Live mode delivers
// nothing, so a live message stays queued.
//
// No setTimeout per message: at thousands of sends a second that would be the costliest part of
// a send. Lifecycle steps all wait the same delay, so they come due in the order they were queued
// and sit in a FIFO of messages (`StepQueue`, O(1), no object per step); callbacks at arbitrary
// times (scheduled sends, webhook retries) sit in a min-heap (`TimerQueue`). One timer each.
import type { MessageStatus } from "../src/internal/rules.ts";
import { isoNow } from "./clock.ts";
import { suppressionKey } from "./store.ts";
import type { StoredMessage, World } from "./store.ts";

/** Receives the lifecycle's events (`message.<status>`); the deliveries module sends them out. */
export type StatusListener = (world: World, message: StoredMessage) => void;

interface TimerEntry {
  due: number;
  order: number;
  run: (target: never) => void;
  target: unknown;
}

/** setTimeout's maximum delay; later entries are re-armed when it fires. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Callbacks at arbitrary times: a min-heap by due time (ties in insertion order) behind one timer. */
export class TimerQueue {
  readonly #heap: TimerEntry[] = [];
  #order = 0;
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Infinity;
  #closed = false;

  /** Runs `run(target)` at `due` (unix ms); passing the target avoids a closure per entry. */
  schedule<T>(due: number, run: (target: T) => void, target: T): void {
    if (this.#closed) return;
    this.#push({ due, order: this.#order++, run: run as (target: never) => void, target });
    if (due < this.#armedFor) this.#arm();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#heap.length = 0;
  }

  #arm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const first = this.#heap[0];
    if (first === undefined) {
      this.#timer = undefined;
      this.#armedFor = Infinity;
      return;
    }
    this.#armedFor = first.due;
    const delay = Math.min(MAX_TIMEOUT_MS, Math.max(0, first.due - Date.now()));
    this.#timer = setTimeout(() => this.#fire(), delay);
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = Date.now();
    // Entries scheduled while running (the next step) are due later, so this loop ends.
    for (let entry = this.#heap[0]; entry !== undefined && entry.due <= now; entry = this.#heap[0]) {
      this.#pop();
      try {
        (entry.run as (target: unknown) => void)(entry.target);
      } catch (error) {
        console.error("senderkit-sandbox: a timed step failed:", error);
      }
      if (this.#closed) return;
    }
    this.#arm();
  }

  #push(entry: TimerEntry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.due < b.due || (a.due === b.due && a.order < b.order);
}

/** The finest grain of lifecycle steps. */
const STEP_TICK_MS = 5;

/**
 * Messages waiting one lifecycle step: queued in due order, so a FIFO in two parallel arrays
 * (no object per entry). `head` is the first entry not yet run.
 */
class StepQueue {
  #messages: StoredMessage[] = [];
  #dues: number[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  /** True while #fire runs steps: it arms the timer itself when done. */
  #firing = false;
  #closed = false;
  readonly #delayMs: number;
  readonly #step: (message: StoredMessage) => void;

  constructor(delayMs: number, step: (message: StoredMessage) => void) {
    this.#delayMs = delayMs;
    this.#step = step;
  }

  add(message: StoredMessage): void {
    if (this.#closed) return;
    this.#messages.push(message);
    this.#dues.push(Date.now() + this.#delayMs);
    // While firing, #fire arms the one timer for what is left when it is done: arming here too
    // would leave a second timer that nothing clears.
    if (!this.#firing) this.#timer ??= setTimeout(this.#fire, this.#delayMs);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#messages = [];
    this.#dues = [];
    this.#head = 0;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    if (this.#closed) return;
    this.#firing = true;
    try {
      this.#runDue();
    } finally {
      this.#firing = false;
    }
  };

  #runDue(): void {
    const now = Date.now();
    // Steps run now may add the next step: only the entries there before this loop run in it
    // (with stepDelayMs 0 a new one is due at once, and still waits for the next tick).
    const end = this.#messages.length;
    while (this.#head < end && this.#dues[this.#head]! <= now) {
      const message = this.#messages[this.#head]!;
      this.#head++;
      try {
        this.#step(message);
      } catch (error) {
        console.error("senderkit-sandbox: a lifecycle step failed:", error);
      }
      if (this.#closed) return;
    }
    if (this.#head === this.#messages.length) {
      this.#messages = [];
      this.#dues = [];
      this.#head = 0;
      return;
    }
    if (this.#head >= 4096 && this.#head * 2 >= this.#messages.length) {
      // Drop the entries already run now and then, so the arrays do not grow forever.
      this.#messages = this.#messages.slice(this.#head);
      this.#dues = this.#dues.slice(this.#head);
      this.#head = 0;
    }
    // Steps a few milliseconds apart run together: one timer per tick, not one per millisecond.
    this.#timer = setTimeout(this.#fire, Math.max(STEP_TICK_MS, this.#dues[this.#head]! - now));
  }
}

const FAILURE = { code: "undeliverable", message: "the recipient could not be reached (test-mode magic recipient)" };
const BOUNCE = {
  code: "hard_bounce",
  message: "the recipient's server rejected the message permanently (test-mode magic recipient)",
};

export class Lifecycle {
  readonly #timers: TimerQueue;
  readonly #steps: StepQueue;
  readonly #onStatus: StatusListener;

  constructor(timers: TimerQueue, stepDelayMs: number, onStatus: StatusListener) {
    this.#timers = timers;
    this.#onStatus = onStatus;
    this.#steps = new StepQueue(stepDelayMs, (message) => this.#step(message));
  }

  close(): void {
    this.#steps.close();
  }

  /** A message was just stored: announce it and start its lifecycle. */
  started(message: StoredMessage): void {
    this.#onStatus(message.world, message);
    if (message.status === "scheduled") this.#timers.schedule(Date.parse(message.scheduledAt!), this.#comeDue, message);
    else this.#queued(message);
  }

  /** Cancels a scheduled or queued message (the caller checked that it is one); pending steps then do nothing. */
  cancel(message: StoredMessage): void {
    this.#move(message, "cancelled");
  }

  readonly #comeDue = (message: StoredMessage): void => {
    if (message.status !== "scheduled") return;
    this.#move(message, "queued");
    this.#queued(message);
  };

  /** One step on from where the message is; a message cancelled meanwhile stays put. */
  #step(message: StoredMessage): void {
    if (message.status === "queued") {
      this.#move(message, "sent");
      this.#steps.add(message);
    } else if (message.status === "sent") {
      this.#finish(message);
    }
  }

  #finish(message: StoredMessage): void {
    switch (message.outcome) {
      case "delivered":
        this.#move(message, "delivered");
        break;
      case "failed":
        this.#move(message, "failed", FAILURE);
        break;
      case "bounced":
        message.world.suppressed.add(suppressionKey(message.channel, message.to));
        this.#move(message, "bounced", BOUNCE);
        break;
    }
  }

  #queued(message: StoredMessage): void {
    if (message.world.mode !== "test") return; // live mode delivers nothing in the sandbox
    this.#steps.add(message);
  }

  #move(message: StoredMessage, status: MessageStatus, error?: { code: string; message: string }): void {
    const at = isoNow();
    message.status = status;
    message.updatedAt = at;
    if (error !== undefined) message.error = { ...error };
    if (status === "queued") message.queuedAt = at;
    else if (status === "sent") message.sentAt = at;
    else message.endedAt = at;
    this.#onStatus(message.world, message);
  }
}
