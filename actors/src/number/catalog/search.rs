//! The searchable catalog of one number: products by retailer id, by set,
//! and by words of their name, retailer id or description. Pure and
//! immutable: the CatalogActor builds a new one per sync and hands it out
//! behind an `Arc`, so a search runs in the caller's task and never waits
//! on an actor.
//!
//! 10,000 products are a linear scan over pre-lowered text per query: well
//! under a millisecond, with no index to keep in step (see BENCHMARKS.md).

use std::collections::HashMap;

use whatsapp::{Product, ProductSet};

/// One product set with its members, as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredSet {
    /// The set.
    pub set: ProductSet,
    /// Retailer ids of its products, in Meta's order.
    pub retailer_ids: Vec<String>,
}

/// A page of a search: the products and the offset of the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductPage {
    /// The products, by name.
    pub items: Vec<Product>,
    /// Where the next page starts, if there is one.
    pub next: Option<usize>,
}

/// Products and sets, ready to search.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Meta's catalog id (`None`: no catalog synced yet).
    pub id: Option<String>,
    /// Every product, sorted by name then retailer id.
    products: Vec<Product>,
    /// Lowercased "name retailer_id description" per product.
    haystacks: Vec<String>,
    /// Position of each retailer id in `products`.
    by_retailer_id: HashMap<String, usize>,
    /// Sets with their members as positions in `products` (members the
    /// catalog does not have are left out).
    sets: Vec<(ProductSet, Vec<usize>)>,
}

/// The set a search named does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSet;

impl Catalog {
    /// Builds the catalog `id` from a sync's products and sets.
    pub fn new(id: Option<String>, mut products: Vec<Product>, sets: &[StoredSet]) -> Self {
        products.sort_by(|a, b| {
            a.name.to_lowercase().cmp(&b.name.to_lowercase()).then_with(|| a.retailer_id.cmp(&b.retailer_id))
        });
        products.dedup_by(|a, b| a.retailer_id == b.retailer_id);
        let haystacks = products
            .iter()
            .map(|p| format!("{} {} {}", p.name, p.retailer_id, p.description).to_lowercase())
            .collect();
        let by_retailer_id = products.iter().enumerate().map(|(i, p)| (p.retailer_id.clone(), i)).collect();
        let mut catalog = Catalog { id, products, haystacks, by_retailer_id, sets: Vec::new() };
        catalog.sets = sets
            .iter()
            .map(|s| {
                let mut members: Vec<usize> =
                    s.retailer_ids.iter().filter_map(|r| catalog.by_retailer_id.get(r).copied()).collect();
                members.sort_unstable();
                members.dedup();
                (s.set.clone(), members)
            })
            .collect();
        catalog
    }

    /// How many products it has.
    pub fn len(&self) -> usize {
        self.products.len()
    }

    /// Whether it has no products.
    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    /// The product with this retailer id.
    pub fn product(&self, retailer_id: &str) -> Option<&Product> {
        self.by_retailer_id.get(retailer_id).map(|&i| &self.products[i])
    }

    /// The sets, as Meta ordered them.
    pub fn sets(&self) -> impl Iterator<Item = &ProductSet> {
        self.sets.iter().map(|(s, _)| s)
    }

    /// Up to `limit` products from `offset` that contain every word of `q`
    /// (case-insensitive) and, when `set` is given, belong to that set.
    pub fn search(
        &self,
        q: &str,
        set: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<ProductPage, UnknownSet> {
        let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
        let matches = |i: &usize| words.iter().all(|w| self.haystacks[*i].contains(w.as_str()));
        let candidates: Box<dyn Iterator<Item = usize> + '_> = match set {
            Some(id) => {
                let (_, members) = self.sets.iter().find(|(s, _)| s.id == id).ok_or(UnknownSet)?;
                Box::new(members.iter().copied())
            }
            None => Box::new(0..self.products.len()),
        };
        let mut hits = candidates.filter(matches).skip(offset);
        let items: Vec<Product> = hits.by_ref().take(limit).map(|i| self.products[i].clone()).collect();
        let next = hits.next().map(|_| offset + items.len());
        Ok(ProductPage { items, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(sku: &str, name: &str, description: &str) -> Product {
        Product {
            id: format!("id-{sku}"),
            retailer_id: sku.into(),
            name: name.into(),
            description: description.into(),
            price: "$10.00".into(),
            currency: "USD".into(),
            image_url: String::new(),
            availability: "in stock".into(),
        }
    }

    fn catalog() -> Catalog {
        let products = vec![
            product("JKT-1", "Blue denim jacket", "Stonewashed"),
            product("TEE-1", "white tee", "Organic cotton"),
            product("TEE-2", "Black tee", "Organic cotton"),
            product("CAP-1", "Navy cap", "Cotton twill"),
        ];
        let sets = [StoredSet {
            set: ProductSet { id: "s1".into(), name: "Tees".into() },
            retailer_ids: vec!["TEE-1".into(), "TEE-2".into(), "GONE".into()],
        }];
        Catalog::new(Some("cat".into()), products, &sets)
    }

    fn skus(page: &ProductPage) -> Vec<&str> {
        page.items.iter().map(|p| p.retailer_id.as_str()).collect()
    }

    #[test]
    fn searches_name_retailer_id_and_description_by_every_word() {
        let c = catalog();
        assert_eq!(skus(&c.search("TEE", None, 0, 10).unwrap()), ["TEE-2", "TEE-1"]);
        assert_eq!(skus(&c.search("cotton tee", None, 0, 10).unwrap()), ["TEE-2", "TEE-1"]);
        assert_eq!(skus(&c.search("jkt-1", None, 0, 10).unwrap()), ["JKT-1"]);
        assert_eq!(skus(&c.search("stonewashed", None, 0, 10).unwrap()), ["JKT-1"]);
        assert!(c.search("velvet", None, 0, 10).unwrap().items.is_empty());
    }

    #[test]
    fn lists_everything_by_name_in_pages() {
        let c = catalog();
        let first = c.search("", None, 0, 3).unwrap();
        assert_eq!(skus(&first), ["TEE-2", "JKT-1", "CAP-1"]);
        assert_eq!(first.next, Some(3));
        let last = c.search("", None, 3, 3).unwrap();
        assert_eq!(skus(&last), ["TEE-1"]);
        assert_eq!(last.next, None);
    }

    #[test]
    fn browses_a_set_and_refuses_an_unknown_one() {
        let c = catalog();
        assert_eq!(skus(&c.search("", Some("s1"), 0, 10).unwrap()), ["TEE-2", "TEE-1"]);
        assert_eq!(skus(&c.search("white", Some("s1"), 0, 10).unwrap()), ["TEE-1"]);
        assert_eq!(c.search("", Some("nope"), 0, 10), Err(UnknownSet));
        assert_eq!(c.product("CAP-1").map(|p| p.name.as_str()), Some("Navy cap"));
        assert_eq!(c.sets().count(), 1);
    }
}
