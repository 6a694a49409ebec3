//! The demo shop's catalog: what the sandbox's Commerce API serves, so the
//! whole selling loop (browse, send a cart, the simulated customer orders)
//! runs in `--demo` without Meta.

use crate::catalog::{CatalogInfo, Product, ProductSet};

/// The sandbox's one catalog id, for every account.
pub const CATALOG_ID: &str = "900000000000001";

/// One demo product: (retailer id, name, description, price, availability,
/// the keys of its sets).
type DemoProduct =
    (&'static str, &'static str, &'static str, &'static str, &'static str, &'static [&'static str]);

const PRODUCTS: &[DemoProduct] = &[
    (
        "TEE-WHT-M",
        "Classic white tee",
        "Organic cotton, regular fit, size M",
        "$19.00",
        "in stock",
        &["basics"],
    ),
    (
        "TEE-BLK-M",
        "Classic black tee",
        "Organic cotton, regular fit, size M",
        "$19.00",
        "in stock",
        &["basics"],
    ),
    ("HOOD-GRY-L", "Grey hoodie", "Brushed fleece, size L", "$49.50", "in stock", &["basics", "winter"]),
    ("JKT-BLU-M", "Blue denim jacket", "Stonewashed denim, size M", "$89.00", "in stock", &["winter"]),
    (
        "JKT-PUF-L",
        "Puffer jacket",
        "Recycled down, water repellent, size L",
        "$129.00",
        "out of stock",
        &["winter"],
    ),
    ("SCF-WOOL", "Wool scarf", "Merino wool, 180 cm", "$25.00", "in stock", &["winter", "accessories"]),
    ("CAP-NVY", "Navy cap", "Adjustable cotton cap", "$15.00", "in stock", &["accessories"]),
    ("BAG-TOTE", "Canvas tote bag", "Heavy canvas, inner pocket", "$22.00", "in stock", &["accessories"]),
    (
        "SOCK-3PK",
        "Socks, 3 pack",
        "Cotton blend, sizes 39-42",
        "$12.00",
        "in stock",
        &["basics", "accessories"],
    ),
    ("JEAN-SLM-32", "Slim jeans", "Stretch denim, W32 L32", "$69.00", "preorder", &["basics"]),
];

/// (id, name, key used in `PRODUCTS`)
const SETS: &[(&str, &str, &str)] = &[
    ("900000000000011", "Basics", "basics"),
    ("900000000000012", "Winter", "winter"),
    ("900000000000013", "Accessories", "accessories"),
];

/// The catalog connected to every sandbox account.
pub fn catalogs() -> Vec<CatalogInfo> {
    vec![CatalogInfo { id: CATALOG_ID.into(), name: "Demo Shop".into() }]
}

/// Its products.
pub fn products() -> Vec<Product> {
    PRODUCTS
        .iter()
        .enumerate()
        .map(|(i, (sku, name, description, price, availability, _))| Product {
            id: format!("90000000000{:04}", 100 + i),
            retailer_id: (*sku).into(),
            name: (*name).into(),
            description: (*description).into(),
            price: (*price).into(),
            currency: "USD".into(),
            image_url: String::new(),
            availability: (*availability).into(),
        })
        .collect()
}

/// Its product sets.
pub fn sets() -> Vec<ProductSet> {
    SETS.iter().map(|(id, name, _)| ProductSet { id: (*id).into(), name: (*name).into() }).collect()
}

/// The retailer ids of one set (`None`: no such set).
pub fn set_members(set_id: &str) -> Option<Vec<String>> {
    let (_, _, key) = SETS.iter().find(|(id, _, _)| *id == set_id)?;
    Some(PRODUCTS.iter().filter(|p| p.5.contains(key)).map(|p| p.0.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_set_has_products_of_the_catalog_and_every_price_parses() {
        let skus: Vec<String> = products().into_iter().map(|p| p.retailer_id).collect();
        for set in sets() {
            let members = set_members(&set.id).unwrap();
            assert!(!members.is_empty(), "{} is empty", set.name);
            assert!(members.iter().all(|m| skus.contains(m)));
        }
        assert!(products().iter().all(|p| p.price_minor().is_some()));
        assert_eq!(set_members("nope"), None);
    }
}
