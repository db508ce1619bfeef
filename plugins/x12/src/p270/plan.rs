//! How the messages of one 270 or 271 transaction set map onto its `HL` hierarchy: payer
//! levels (2000A), receivers (2000B), subscribers (2000C) and dependents (2000D). See
//! [`super::encode`] for the rules.

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::body::{
    EligibilityRequest, EligibilityResponse, Rejection, RejectionLevel,
};
use clearway_plugin_sdk::schemas::{Body, Message, Party};

use super::checks;
use crate::values::{Carried, Unmapped};

/// One message of the interchange with its carried segments.
pub struct Item<'m> {
    /// Its index in the `encode` input.
    pub index: usize,
    /// The message.
    pub message: &'m Message,
    /// Its `x12.unmapped` extension.
    pub unmapped: Unmapped,
}

impl<'m> Item<'m> {
    /// The request body, if this is one.
    pub fn request(&self) -> Option<&'m EligibilityRequest> {
        match &self.message.body {
            Body::EligibilityRequest(r) => Some(r),
            _ => None,
        }
    }

    /// The response body, if this is one.
    pub fn response(&self) -> Option<&'m EligibilityResponse> {
        match &self.message.body {
            Body::EligibilityResponse(r) => Some(r),
            _ => None,
        }
    }

    /// The rejections at `levels`.
    pub fn rejections(&self, levels: &[RejectionLevel]) -> Vec<&'m Rejection> {
        self.response()
            .map(|r| {
                r.rejections
                    .iter()
                    .filter(|r| levels.contains(&r.level))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The carried segments of `loops`.
    pub fn carried(&self, loops: &[&str]) -> Vec<&Carried> {
        let entries = self.unmapped.entries.iter();
        entries
            .filter(|c| loops.contains(&c.loop_id.as_str()))
            .collect()
    }

    /// The texts of the carried segments of `loop_id` without a position.
    pub fn texts<'s>(&'s self, loop_id: &'s str) -> Vec<&'s str> {
        self.unmapped.of(loop_id, None).collect()
    }
}

/// Subscriber-level rejection levels (2100C, 2110C).
pub const SUBSCRIBER_LEVELS: &[RejectionLevel] = &[
    RejectionLevel::Subscriber,
    RejectionLevel::SubscriberInquiry,
];

/// A subscriber level (2000C) and the dependents under it.
pub struct Level<'a, 'm> {
    /// The message whose subscriber-level data the 2000C carries.
    pub owner: &'a Item<'m>,
    /// Whether the owner is the subscriber's own message (else it is its first dependent).
    pub own: bool,
    /// The dependent messages (2000D), in order.
    pub dependents: Vec<&'a Item<'m>>,
}

/// An information receiver level (2000B).
pub struct Receiver<'a, 'm> {
    /// Its first message.
    pub first: &'a Item<'m>,
    /// Its subscriber levels.
    pub levels: Vec<Level<'a, 'm>>,
}

/// An information source level (2000A).
pub struct Source<'a, 'm> {
    /// Its first message.
    pub first: &'a Item<'m>,
    /// Its receivers.
    pub receivers: Vec<Receiver<'a, 'm>>,
}

/// What a dependent shares with the 2000C it goes under.
type Inherited<'a> = (Option<&'a Party>, Vec<&'a Rejection>, Vec<&'a Carried>);

/// What a dependent shares with the 2000C it goes under: the subscriber, its rejections and
/// its carried segments.
fn inherited<'a>(item: &'a Item<'_>) -> Inherited<'a> {
    (
        item.message.parties.subscriber.as_ref(),
        item.rejections(SUBSCRIBER_LEVELS),
        item.carried(&["2100C", "2110C"]),
    )
}

/// Sorts the items of one transaction set into its levels; problems for a dependent whose
/// subscriber-level inquiry data needs the subscriber's own message.
pub fn plan<'a, 'm>(items: &'a [Item<'m>], out: &mut Vec<Problem>) -> Vec<Source<'a, 'm>> {
    let payer = |i: &'a Item<'m>| {
        let rejections = i.rejections(&[RejectionLevel::InformationSource]);
        (i.message.parties.payer.as_ref(), rejections)
    };
    let provider = |i: &'a Item<'m>| {
        let rejections = i.rejections(&[RejectionLevel::InformationReceiver]);
        (i.message.parties.provider.as_ref(), rejections)
    };
    let mut sources: Vec<Source<'a, 'm>> = Vec::new();
    for item in items {
        if !sources
            .last()
            .is_some_and(|s| payer(s.first) == payer(item))
        {
            sources.push(Source {
                first: item,
                receivers: Vec::new(),
            });
        }
        let source = sources.last_mut().expect("a source was pushed");
        if !source
            .receivers
            .last()
            .is_some_and(|r| provider(r.first) == provider(item))
        {
            source.receivers.push(Receiver {
                first: item,
                levels: Vec::new(),
            });
        }
        let receiver = source.receivers.last_mut().expect("a receiver was pushed");
        let parties = &item.message.parties;
        if parties.subscriber.is_none() {
            continue;
        }
        if parties.patient.is_none() {
            receiver.levels.push(Level {
                owner: item,
                own: true,
                dependents: Vec::new(),
            });
            continue;
        }
        let asks = |owner: &Item<'_>| owner.response().is_none_or(|r| !r.benefits.is_empty());
        if let Some(level) = receiver.levels.last_mut()
            && (!level.own || asks(level.owner))
            && inherited(level.owner) == inherited(item)
        {
            level.dependents.push(item);
            continue;
        }
        if !item
            .rejections(&[RejectionLevel::SubscriberInquiry])
            .is_empty()
            || !item.carried(&["2110C"]).is_empty()
        {
            out.push(checks::problem(
                checks::NOT_ALLOWED,
                format!("/{}/body", item.index),
                "the dependent carries subscriber inquiry data (loop 2110C), which needs the \
                 subscriber's own message just before it in the same encode"
                    .into(),
            ));
        }
        receiver.levels.push(Level {
            owner: item,
            own: false,
            dependents: vec![item],
        });
    }
    sources
}
