// Whether SenderKit answered a send with a replay (`Idempotent-Replayed: true`, contract section
// 4): the client returns the message either way, so the mode watches the answer's headers through
// an undici interceptor on the dispatcher it gives the client (honouring HTTP(S)_PROXY as the
// client's own does).
import { DecoratorHandler, EnvHttpProxyAgent } from "undici";
import type { Dispatcher } from "undici";

export interface ReplayWatch {
  dispatcher: Dispatcher;
  /** Whether the last answer was a replay. */
  replayed(): boolean;
}

export function watchReplays(): ReplayWatch {
  let replayed = false;
  // DecoratorHandler passes every callback on (old- and new-style handlers alike); only the
  // start of an answer is looked at.
  const watching = (handler: Dispatcher.DispatchHandler): Dispatcher.DispatchHandler => {
    const decorated = new DecoratorHandler(handler) as unknown as Dispatcher.DispatchHandler;
    const start = decorated.onResponseStart!.bind(decorated);
    decorated.onResponseStart = (controller, statusCode, headers, statusMessage) => {
      replayed = headers["idempotent-replayed"] === "true";
      start(controller, statusCode, headers, statusMessage);
    };
    return decorated;
  };
  const dispatcher = new EnvHttpProxyAgent().compose(
    (dispatch) => (options, handler) => dispatch(options, watching(handler)),
  );
  return { dispatcher, replayed: () => replayed };
}
