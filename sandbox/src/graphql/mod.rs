//! GraphQL for the simulators that speak it (GitHub's `/graphql`, Linear): `apollo-compiler`
//! parses and validates each operation against the simulator's SDL and executes it by its
//! selection set over the simulator's [`node::Node`]s.

pub(crate) mod engine;
pub(crate) mod node;
