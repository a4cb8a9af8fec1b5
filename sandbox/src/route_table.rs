//! A router that remembers what it serves: each route is added with its method, so a
//! simulator can list its routes (for tests that check every one against the platform's API
//! description) from the same table that builds its axum [`Router`].

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodRouter, delete, get, patch, post, put};

/// One served route: an HTTP method and an axum path template (`/repos/{owner}/{repo}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

pub(crate) struct RouteTable<S> {
    router: Router<S>,
    routes: Vec<Route>,
}

impl<S: Clone + Send + Sync + 'static> RouteTable<S> {
    pub(crate) fn new() -> Self {
        RouteTable {
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    fn add(mut self, method: &'static str, path: &'static str, service: MethodRouter<S>) -> Self {
        // axum merges method routers given for the same path.
        self.router = self.router.route(path, service);
        self.routes.push(Route { method, path });
        self
    }

    pub(crate) fn get<H: Handler<T, S>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("GET", path, get(h))
    }
    pub(crate) fn post<H: Handler<T, S>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("POST", path, post(h))
    }
    pub(crate) fn put<H: Handler<T, S>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("PUT", path, put(h))
    }
    pub(crate) fn patch<H: Handler<T, S>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("PATCH", path, patch(h))
    }
    pub(crate) fn delete<H: Handler<T, S>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("DELETE", path, delete(h))
    }

    /// The router and the routes it serves.
    pub(crate) fn finish(self) -> (Router<S>, Vec<Route>) {
        (self.router, self.routes)
    }
}
