//! List blocks: adding to, slicing, sorting, de-duplicating and zipping lists.

mod append;
mod order;
mod slice;
mod sort;
mod unique;
mod zip;

pub use append::{AddToListBlock, AddToListInput, AddToListOutput};
pub use slice::{ListSliceBlock, ListSliceInput, ListSliceOutput};
pub use sort::{ListSortBlock, ListSortInput, ListSortOutput};
pub use unique::{ListUniqueBlock, ListUniqueInput, ListUniqueOutput};
pub use zip::{ListZipBlock, ListZipInput, ListZipOutput};

/// Turns a Python-style index (negative counts from the end) into a position in a
/// list of `len` items, clamped to `0..=len`.
fn position(index: i64, len: usize) -> usize {
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let resolved = if index < 0 { len_i.saturating_add(index) } else { index };
    usize::try_from(resolved.clamp(0, len_i)).unwrap_or(len)
}

#[cfg(test)]
mod tests {
    use super::position;

    #[test]
    fn negative_indices_count_from_the_end_and_everything_is_clamped() {
        assert_eq!(position(0, 3), 0);
        assert_eq!(position(2, 3), 2);
        assert_eq!(position(9, 3), 3);
        assert_eq!(position(-1, 3), 2);
        assert_eq!(position(-9, 3), 0);
        assert_eq!(position(i64::MIN, 3), 0);
    }
}
