//! The roster's sort orders, worked out once per snapshot (in the background owner, where the
//! snapshot is made): each worker's rank under each column, so that sorting 20,000 lines on
//! the window's thread compares integers, never long company names or ID numbers.

use std::collections::HashMap;

use api::Endpoint;
use api::types::DictEntry;
use store::WorkerRow;

/// Per column, each worker's dense rank (equal texts share one), by place in the snapshot.
#[derive(Debug, Clone, Default)]
pub struct WorkerRanks {
    pub name: Vec<u32>,
    pub id_code: Vec<u32>,
    pub company: Vec<u32>,
    pub trade: Vec<u32>,
    pub category: Vec<u32>,
    pub emp_id: Vec<u32>,
    pub updated: Vec<u32>,
}

impl WorkerRanks {
    /// `dictionary` gives a dictionary's entries, to sort trades and types by their names
    /// as the roster shows them.
    pub fn build<'a>(workers: &'a [WorkerRow], dictionary: impl Fn(Endpoint) -> &'a [DictEntry]) -> WorkerRanks {
        // A code without a name in the dictionary sorts as the code.
        let names_of = |kind: Endpoint, code: fn(&'a WorkerRow) -> &'a str| -> Vec<&'a str> {
            let names: HashMap<&str, &str> = dictionary(kind)
                .iter()
                .map(|e| (e.orders.as_str(), e.value.as_str()))
                .collect();
            workers
                .iter()
                .map(|w| names.get(code(w)).copied().unwrap_or(code(w)))
                .collect()
        };
        let trades = names_of(Endpoint::DictListJobName, |w| &w.job_name);
        let categories = names_of(Endpoint::DictListEmpCategory, |w| &w.emp_category);
        WorkerRanks {
            name: dense_ranks(workers.len(), |i| &workers[i].emp_name),
            id_code: dense_ranks(workers.len(), |i| &workers[i].id_code),
            company: dense_ranks(workers.len(), |i| &workers[i].emp_company),
            trade: dense_ranks(workers.len(), |i| trades[i]),
            category: dense_ranks(workers.len(), |i| categories[i]),
            emp_id: dense_ranks(workers.len(), |i| &workers[i].emp_id),
            updated: dense_ranks(workers.len(), |i| &workers[i].updated_at),
        }
    }

    /// Made for exactly these workers?
    pub fn fits(&self, workers: usize) -> bool {
        self.name.len() == workers
    }
}

/// Rank of each of `n` texts among them: equal texts share a rank, ranks have no gaps.
fn dense_ranks<'a>(n: usize, text: impl Fn(usize) -> &'a str) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    // The snapshot comes in name order: that (or any order already right) costs one pass.
    let sorted = order.windows(2).all(|p| text(p[0] as usize) <= text(p[1] as usize));
    if !sorted {
        order.sort_unstable_by(|&a, &b| text(a as usize).cmp(text(b as usize)));
    }
    let mut ranks = vec![0u32; n];
    let mut rank = 0u32;
    for (k, &i) in order.iter().enumerate() {
        if k > 0 && text(order[k - 1] as usize) != text(i as usize) {
            rank += 1;
        }
        ranks[i as usize] = rank;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_a_rank_and_ranks_follow_the_texts() {
        let texts = ["乙", "甲", "乙", "丙", "甲"];
        let ranks = dense_ranks(texts.len(), |i| texts[i]);
        // Byte order of the UTF-8: 丙 (E4 B8 99) < 乙 (E4 B9 99) < 甲 (E7 94 B2).
        assert_eq!(ranks, [1, 2, 1, 0, 2]);
        let sorted = ["a", "a", "b", "c", "c"];
        assert_eq!(dense_ranks(sorted.len(), |i| sorted[i]), [0, 0, 1, 2, 2]);
        assert!(dense_ranks(0, |_| "").is_empty());
    }
}
