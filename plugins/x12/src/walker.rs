//! The generic loop walker: turns a transaction body into a tree of loops from a
//! declarative [`LoopDef`] table, so each transaction's decoder reads loops by id.
//!
//! Matching follows the X12 rule: a segment first opens a child loop of the innermost open
//! loop, else belongs to it, else closes it and is tried one level up. `HL` loops are
//! children of the root, told apart by `HL03` (level code); their `HL02` parent must name
//! an earlier `HL01`.

use std::collections::HashSet;

use crate::syntax::scan::same;
use crate::syntax::{ErrorKind, Segment, X12Error};

/// What opens a loop.
#[derive(Debug, Clone, Copy)]
pub enum Trigger {
    /// Any segment with this id (e.g. `LX`, `CLM`).
    Seg(&'static str),
    /// A segment with this id whose first element is one of these codes (`NM1*85`).
    Qualified(&'static str, &'static [&'static str]),
    /// An `HL` with this level code in `HL03`.
    Hl(&'static str),
    /// The transaction body itself (the root loop).
    Root,
}

/// A loop of an implementation guide: its id, trigger, the other segments it may hold,
/// what it requires, and its child loops.
#[derive(Debug)]
pub struct LoopDef {
    /// Loop id as the TR3 names it (`2010AA`), or `HEADER` for the root.
    pub id: &'static str,
    /// What opens it.
    pub trigger: Trigger,
    /// Ids of the segments it may hold besides its trigger.
    pub segments: &'static [&'static str],
    /// Required segment ids (besides the trigger) and required child loop ids.
    pub required: &'static [&'static str],
    /// Child loops.
    pub children: &'static [LoopDef],
}

impl LoopDef {
    /// Whether `segment` opens this loop.
    fn opens(&self, segment: &Segment<'_>) -> bool {
        match self.trigger {
            Trigger::Seg(id) => same(segment.id, id),
            Trigger::Qualified(id, codes) => {
                same(segment.id, id) && {
                    let qualifier = segment.el(1);
                    codes.iter().any(|code| same(code, qualifier))
                }
            }
            Trigger::Hl(level) => same(segment.id, "HL") && same(segment.el(3), level),
            Trigger::Root => false,
        }
    }
}

/// One loop instance in a [`Tree`].
#[derive(Debug)]
struct NodeData<'s, 'a> {
    def: &'static LoopDef,
    segments: Vec<&'s Segment<'a>>,
    children: Vec<usize>,
}

/// The loops of one transaction body.
#[derive(Debug)]
pub struct Tree<'s, 'a> {
    nodes: Vec<NodeData<'s, 'a>>,
}

/// A view of one loop instance.
#[derive(Debug, Clone, Copy)]
pub struct Node<'t, 's, 'a> {
    tree: &'t Tree<'s, 'a>,
    index: usize,
}

impl<'t, 's, 'a> Node<'t, 's, 'a> {
    /// The loop id.
    pub fn id(&self) -> &'static str {
        self.tree.nodes[self.index].def.id
    }

    /// The loop's own segments, trigger first (children's segments excluded).
    pub fn segments(&self) -> &'t [&'s Segment<'a>] {
        &self.tree.nodes[self.index].segments
    }

    /// The trigger segment (`None` for the root).
    pub fn trigger(&self) -> Option<&'s Segment<'a>> {
        match self.tree.nodes[self.index].def.trigger {
            Trigger::Root => None,
            _ => self.segments().first().copied(),
        }
    }

    /// The child loops, in order.
    pub fn children(&self) -> impl Iterator<Item = Node<'t, 's, 'a>> + 't {
        let tree = self.tree;
        tree.nodes[self.index]
            .children
            .iter()
            .map(move |&index| Node { tree, index })
    }

    /// The child loops with this id, in order.
    pub fn children_with(&self, id: &'static str) -> impl Iterator<Item = Node<'t, 's, 'a>> + 't {
        self.children().filter(move |c| c.id() == id)
    }

    /// The first child loop with this id.
    pub fn child(&self, id: &'static str) -> Option<Node<'t, 's, 'a>> {
        self.children_with(id).next()
    }

    /// The loop's own segments with this id.
    pub fn all(&self, id: &'static str) -> impl Iterator<Item = &'s Segment<'a>> + 't {
        self.segments()
            .iter()
            .copied()
            .filter(move |s| same(s.id, id))
    }

    /// The first of the loop's own segments with this id.
    pub fn first(&self, id: &'static str) -> Option<&'s Segment<'a>> {
        self.all(id).next()
    }

    /// The loop's own segments with this id and first element `qualifier`.
    pub fn qualified(
        &self,
        id: &'static str,
        qualifier: &'static str,
    ) -> impl Iterator<Item = &'s Segment<'a>> + 't {
        self.all(id).filter(move |s| same(s.el(1), qualifier))
    }
}

impl<'s, 'a> Tree<'s, 'a> {
    /// The root loop.
    pub fn root(&self) -> Node<'_, 's, 'a> {
        Node {
            tree: self,
            index: 0,
        }
    }
}

/// Walks `body` against `root`, then checks every loop's required segments and loops.
///
/// # Errors
///
/// A segment no open loop allows ([`ErrorKind::SegmentNotAllowed`]), an `HL` whose parent
/// does not precede it, or a missing required segment or loop.
pub fn walk<'s, 'a>(
    root: &'static LoopDef,
    body: &'s [Segment<'a>],
) -> Result<Tree<'s, 'a>, X12Error> {
    let mut tree = Tree {
        nodes: vec![NodeData {
            def: root,
            segments: Vec::new(),
            children: Vec::new(),
        }],
    };
    let mut stack: Vec<usize> = vec![0];
    let mut hl_ids: HashSet<&'a str> = HashSet::new();
    for segment in body {
        let mut placed = false;
        for depth in (0..stack.len()).rev() {
            let node = stack[depth];
            let def = tree.nodes[node].def;
            if let Some(child) = def.children.iter().find(|c| c.opens(segment)) {
                if same(segment.id, "HL") {
                    let parent = segment.el(2);
                    if !parent.is_empty() && !hl_ids.contains(parent) {
                        return Err(X12Error::new(
                            segment.pos().element("HL02").in_loop(child.id),
                            ErrorKind::BadHlParent,
                        ));
                    }
                    hl_ids.insert(segment.el(1));
                }
                stack.truncate(depth + 1);
                let index = tree.nodes.len();
                tree.nodes.push(NodeData {
                    def: child,
                    segments: vec![segment],
                    children: Vec::new(),
                });
                tree.nodes[node].children.push(index);
                stack.push(index);
                placed = true;
                break;
            }
            if def.segments.iter().any(|id| same(segment.id, id)) {
                stack.truncate(depth + 1);
                tree.nodes[node].segments.push(segment);
                placed = true;
                break;
            }
        }
        if !placed {
            let innermost = tree.nodes[stack[stack.len() - 1]].def.id;
            return Err(X12Error::new(
                segment.pos().in_loop(innermost),
                ErrorKind::SegmentNotAllowed,
            ));
        }
    }
    check_required(&tree, body)?;
    Ok(tree)
}

/// Checks every loop's required segments and child loops.
fn check_required(tree: &Tree<'_, '_>, body: &[Segment<'_>]) -> Result<(), X12Error> {
    for node in &tree.nodes {
        for &required in node.def.required {
            let has_segment = node.segments.iter().any(|s| s.id == required);
            let has_loop = node
                .children
                .iter()
                .any(|&c| tree.nodes[c].def.id == required);
            if has_segment || has_loop {
                continue;
            }
            let is_loop = required.bytes().next().is_some_and(|b| b.is_ascii_digit());
            let what = if is_loop {
                format!("loop {required}")
            } else {
                format!("segment {required}")
            };
            let at = node.segments.first().copied().or(body.first());
            let position = at.map(|s| s.pos()).unwrap_or_default().in_loop(node.def.id);
            return Err(X12Error::new(position, ErrorKind::MissingSegment(what)));
        }
    }
    Ok(())
}
