//! Request/reply with a timeout, the only way handles talk to actors.
//!
//! A `call` to an actor that died returns at once with `SenderError`; one
//! that is too slow gives `Timeout` (its handler still runs, the reply is
//! dropped). Both become `ActorError::Unavailable`, which the edge turns
//! into a 503 so the client (or Meta) retries.

use std::time::Duration;

use ractor::rpc::CallResult;
use ractor::{ActorRef, Message, RpcReplyPort};

use crate::error::ActorError;

/// Sends the message built by `build` and waits at most `timeout` for the
/// reply.
pub(crate) async fn ask<M, T>(
    actor: &ActorRef<M>,
    build: impl FnOnce(RpcReplyPort<T>) -> M,
    timeout: Duration,
) -> Result<T, ActorError>
where
    M: Message,
    T: Send + 'static,
{
    match actor.call(build, Some(timeout)).await {
        Ok(CallResult::Success(value)) => Ok(value),
        Ok(CallResult::Timeout) => Err(ActorError::Unavailable(format!("{} timed out", actor_kind::<M>()))),
        Ok(CallResult::SenderError) => {
            Err(ActorError::Unavailable(format!("{} dropped the request", actor_kind::<M>())))
        }
        Err(_) => Err(ActorError::Unavailable(format!("{} is not running", actor_kind::<M>()))),
    }
}

/// The actor a message type belongs to, for error details in the log.
fn actor_kind<M>() -> &'static str {
    let name = std::any::type_name::<M>();
    name.rsplit("::").next().unwrap_or(name)
}

/// [`ask`] for handlers that answer with a `Result`.
pub(crate) async fn ask_result<M, T>(
    actor: &ActorRef<M>,
    build: impl FnOnce(RpcReplyPort<Result<T, ActorError>>) -> M,
    timeout: Duration,
) -> Result<T, ActorError>
where
    M: Message,
    T: Send + 'static,
{
    ask(actor, build, timeout).await?
}

/// Replies, ignoring a caller that gave up waiting.
pub(crate) fn reply<T: Send + 'static>(port: RpcReplyPort<T>, value: T) {
    let _ = port.send(value);
}
