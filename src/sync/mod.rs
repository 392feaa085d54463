//! Team sync: the protocol's types, and the client that pushes this replica's operations and
//! pulls everyone else's. The merge itself is the store's fold (`store::apply`), which gives
//! the same tables whatever order operations arrive in.

pub mod client;
pub mod protocol;
pub mod snapshot;
