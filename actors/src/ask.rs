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
        Ok(CallResult::Timeout) => Err(ActorError::Unavailable("actor timed out".into())),
        Ok(CallResult::SenderError) | Err(_) => Err(ActorError::Unavailable("actor is not running".into())),
    }
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
