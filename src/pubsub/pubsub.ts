// The one pub-sub interface the resolvers see; in-process and Redis implementations stand behind it.

/** A named channel whose payloads have type T. Build them with `topics`, never by hand. */
export interface Topic<T> {
  readonly channel: string;
  /** Carries the payload type only; never set. */
  readonly payload?: T;
}

export type Unsubscribe = () => void;

export interface PubSub {
  /**
   * Delivers the payload to every subscriber of the topic, on every instance: to this instance's
   * before it returns, to others' through Redis. Resolves when Redis has taken it (rejects if it
   * could not): callers that answer a client do not wait for that, since a lost event is read back
   * from storage by the feeds, and the answer then leaves in the same write as the socket's own delivery.
   */
  publish<T>(topic: Topic<T>, payload: T): Promise<void>;
  /** Calls the listener for each payload published after the returned promise resolves. */
  subscribe<T>(topic: Topic<T>, listener: (payload: T) => void): Promise<Unsubscribe>;
  /**
   * Calls `listener` each time delivery resumes after events may have been lost: this instance's
   * subscription to Redis came back (its channels subscribed again). Never in-process.
   */
  onResumed(listener: () => void): void;
}
