use serde_json::json;

use super::*;

fn items(ids: &[&str]) -> Vec<PolledItem> {
    ids.iter().map(|id| PolledItem::new(*id, json!({ "id": id }))).collect()
}

fn timed(list: &[(&str, i64)]) -> Vec<PolledItem> {
    list.iter().map(|(id, at)| PolledItem::new(*id, json!(id)).at(*at)).collect()
}

fn ids(advanced: &Advanced) -> Vec<&str> {
    advanced.new.iter().map(|item| item.id.as_str()).collect()
}

#[test]
fn the_first_poll_seeds_the_cursor_and_fires_nothing() {
    for dedupe in [Dedupe::NewestId, Dedupe::SeenIds(10)] {
        let first = advance(dedupe, None, items(&["c", "b", "a"]), false).expect("taken");
        assert!(first.seeded, "{dedupe:?}");
        assert!(first.new.is_empty(), "{dedupe:?}");
    }
    let first = advance(Dedupe::Timestamp, None, timed(&[("b", 2), ("a", 1)]), false).expect("taken");
    assert!(first.seeded && first.new.is_empty());
}

#[test]
fn the_first_poll_fires_for_everything_when_the_block_says_so_oldest_first() {
    let first = advance(Dedupe::NewestId, None, items(&["c", "b", "a"]), true).expect("taken");
    assert_eq!(ids(&first), ["a", "b", "c"]);
}

#[test]
fn newest_id_fires_for_the_items_above_the_last_newest_one() {
    let first = advance(Dedupe::NewestId, None, items(&["b", "a"]), false).expect("taken");
    assert_eq!(first.cursor, PollCursor::NewestId { id: Some("b".into()) });
    let second = advance(Dedupe::NewestId, Some(&first.cursor), items(&["d", "c", "b", "a"]), false).expect("taken");
    assert_eq!(ids(&second), ["c", "d"]);
    assert_eq!(second.cursor, PollCursor::NewestId { id: Some("d".into()) });
    let third = advance(Dedupe::NewestId, Some(&second.cursor), items(&["d", "c"]), false).expect("taken");
    assert!(third.new.is_empty());
}

#[test]
fn newest_id_keeps_its_cursor_through_an_empty_list_and_then_fires_for_what_appears() {
    let empty = advance(Dedupe::NewestId, None, Vec::new(), false).expect("taken");
    assert_eq!(empty.cursor, PollCursor::NewestId { id: None });
    let next = advance(Dedupe::NewestId, Some(&empty.cursor), items(&["a"]), false).expect("taken");
    assert_eq!(ids(&next), ["a"]);
    assert!(!next.seeded);
    let kept = advance(Dedupe::NewestId, Some(&next.cursor), Vec::new(), false).expect("taken");
    assert_eq!(kept.cursor, PollCursor::NewestId { id: Some("a".into()) });
}

#[test]
fn timestamp_fires_for_later_items_and_for_unseen_ones_at_the_same_time() {
    let first = advance(Dedupe::Timestamp, None, timed(&[("b", 20), ("a", 10)]), false).expect("taken");
    assert_eq!(first.cursor, PollCursor::Timestamp { at: Some(20), ids: vec!["b".into()] });
    let second =
        advance(Dedupe::Timestamp, Some(&first.cursor), timed(&[("d", 30), ("c", 20), ("b", 20), ("a", 10)]), false)
            .expect("taken");
    assert_eq!(ids(&second), ["c", "d"]);
    assert_eq!(second.cursor, PollCursor::Timestamp { at: Some(30), ids: vec!["d".into()] });
}

#[test]
fn timestamp_refuses_an_item_without_a_time_naming_it() {
    let error = advance(Dedupe::Timestamp, None, items(&["untimed"]), false).expect_err("refused");
    assert_eq!(error, PollError::NoTimestamp { id: "untimed".into() });
    assert!(error.to_string().contains("`untimed` has no timestamp"));
}

#[test]
fn seen_ids_fires_for_unseen_ids_in_any_order_and_forgets_the_oldest_beyond_its_cap() {
    let first = advance(Dedupe::SeenIds(3), None, items(&["b", "a"]), false).expect("taken");
    let second = advance(Dedupe::SeenIds(3), Some(&first.cursor), items(&["a", "x", "b", "y"]), false).expect("taken");
    assert_eq!(ids(&second), ["y", "x"]);
    let PollCursor::SeenIds { ids: kept } = &second.cursor else { panic!("a seen-ids cursor") };
    assert_eq!(kept.len(), 3);
    assert!(!kept.contains(&"a".to_owned()), "the oldest id is forgotten first: {kept:?}");
}

#[test]
fn an_item_listed_twice_fires_once() {
    let first = advance(Dedupe::SeenIds(10), None, Vec::new(), false).expect("taken");
    let second = advance(Dedupe::SeenIds(10), Some(&first.cursor), items(&["a", "a"]), false).expect("taken");
    assert_eq!(ids(&second), ["a"]);
}

#[test]
fn a_cursor_of_another_strategy_reseeds_instead_of_firing_for_everything() {
    let old = PollCursor::SeenIds { ids: VecDeque::from(vec!["a".to_owned()]) };
    let next = advance(Dedupe::NewestId, Some(&old), items(&["c", "b", "a"]), false).expect("taken");
    assert!(next.seeded && next.new.is_empty());
}

#[test]
fn empty_ids_and_floods_are_refused() {
    assert_eq!(advance(Dedupe::SeenIds(10), None, items(&["a", ""]), false), Err(PollError::EmptyId { index: 1 }));
    let flood: Vec<_> = (0..=MAX_ITEMS_PER_POLL).map(|i| PolledItem::new(i.to_string(), Value::Null)).collect();
    assert!(matches!(advance(Dedupe::NewestId, None, flood, false), Err(PollError::TooMany { .. })));
}

#[test]
fn cursors_round_trip_through_json_tagged_with_their_strategy() {
    let cursor = PollCursor::Timestamp { at: Some(5), ids: vec!["a".into()] };
    let stored = serde_json::to_value(&cursor).expect("serializable");
    assert_eq!(stored, json!({"dedupe": "timestamp", "at": 5, "ids": ["a"]}));
    assert_eq!(serde_json::from_value::<PollCursor>(stored).expect("readable"), cursor);
}
