/**
 * Messages from another thread, taken one at a time in the order they came; a failure (the thread stopped, say) is
 * given to whoever waits, and to every later taker once the messages before it are taken.
 */
export class MessageQueue<Message> {
  private readonly queue: Message[] = [];
  private waiting: { resolve: (message: Message) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;

  push(message: Message): void {
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve(message);
    } else this.queue.push(message);
  }

  fail(error: Error): void {
    this.failure ??= error;
    if (this.waiting) {
      const { reject } = this.waiting;
      this.waiting = null;
      reject(this.failure);
    }
  }

  /** The next message, once it comes; one taker at a time (a second would leave the first waiting for ever). */
  next(): Promise<Message> {
    if (this.queue.length) return Promise.resolve(this.queue.shift() as Message);
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('a message was asked for while another taker was still waiting: take them one at a time'));
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }
}
