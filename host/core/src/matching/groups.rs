//! Which items a rule ties together: a union-find over the source and target items still
//! unpaired. A group of exactly one source and one target item is a match; a group with
//! more on either side is ambiguous (left for a person); a group with items on one side only
//! matched nothing. Linear in the number of items and ties.

/// Nodes `0..sources` are source items, `sources..sources + targets` target items.
pub struct Ties {
    parent: Vec<usize>,
    sources: usize,
    touched: Vec<usize>,
}

/// A group of tied items (indexes into the source and target lists), both sides present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub sources: Vec<usize>,
    pub targets: Vec<usize>,
}

impl Ties {
    pub fn new(sources: usize, targets: usize) -> Ties {
        Ties {
            parent: (0..sources + targets).collect(),
            sources,
            touched: Vec::new(),
        }
    }

    fn root(&mut self, mut node: usize) -> usize {
        while self.parent[node] != node {
            self.parent[node] = self.parent[self.parent[node]];
            node = self.parent[node];
        }
        node
    }

    fn union(&mut self, a: usize, b: usize) {
        self.touched.push(a);
        self.touched.push(b);
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            self.parent[ra.max(rb)] = ra.min(rb);
        }
    }

    /// Source item `s` and target item `t` may be the same work.
    pub fn tie(&mut self, s: usize, t: usize) {
        self.union(s, self.sources + t);
    }

    /// Two source items (or two target items) share a key with the other side: they stand
    /// or fall together.
    pub fn tie_sources(&mut self, a: usize, b: usize) {
        self.union(a, b);
    }

    pub fn tie_targets(&mut self, a: usize, b: usize) {
        self.union(self.sources + a, self.sources + b);
    }

    /// The groups with items on both sides, in order of their smallest member.
    pub fn groups(mut self) -> Vec<Group> {
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        let mut by_root: std::collections::BTreeMap<usize, Group> = Default::default();
        for node in touched {
            let root = self.root(node);
            let group = by_root.entry(root).or_insert_with(|| Group {
                sources: Vec::new(),
                targets: Vec::new(),
            });
            if node < self.sources {
                group.sources.push(node);
            } else {
                group.targets.push(node - self.sources);
            }
        }
        by_root
            .into_values()
            .filter(|g| !g.sources.is_empty() && !g.targets.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_to_one_ties_are_separate_groups() {
        let mut ties = Ties::new(3, 3);
        ties.tie(0, 2);
        ties.tie(1, 0);
        let groups = ties.groups();
        assert_eq!(groups.len(), 2);
        assert!(
            groups
                .iter()
                .all(|g| g.sources.len() == 1 && g.targets.len() == 1)
        );
    }

    #[test]
    fn a_chain_of_ties_is_one_ambiguous_group() {
        let mut ties = Ties::new(2, 2);
        ties.tie(0, 0);
        ties.tie(1, 0);
        ties.tie(1, 1);
        let groups = ties.groups();
        assert_eq!(
            groups,
            vec![Group {
                sources: vec![0, 1],
                targets: vec![0, 1]
            }]
        );
    }

    #[test]
    fn items_tied_only_on_their_own_side_are_no_group() {
        let mut ties = Ties::new(2, 1);
        ties.tie_sources(0, 1);
        assert!(ties.groups().is_empty());
    }
}
