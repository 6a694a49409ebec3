//! The demo shop's catalog: what the sandbox's Commerce API serves, so the
//! whole selling loop (browse, send a cart, the simulated customer orders)
//! runs in `--demo` without Meta. Each product has a picture (drawn by
//! `picture`), served by the server at [`PICTURES_PATH`].

use super::picture::{self, Glyph, Look};
use crate::catalog::{CatalogInfo, Product, ProductSet};

/// Where the server serves the products' pictures (`{sku}.svg`; demo mode
/// only). A path, not a URL: the sandbox does not know the server's
/// address, and the web app loads same-origin paths as they are.
pub const PICTURES_PATH: &str = "/demo/products/";

/// The sandbox's one catalog id, for every account.
pub const CATALOG_ID: &str = "900000000000001";

/// One demo product.
struct DemoProduct {
    /// Its retailer id (SKU).
    sku: &'static str,
    name: &'static str,
    description: &'static str,
    price: &'static str,
    availability: &'static str,
    /// The keys of its sets (see `SETS`).
    sets: &'static [&'static str],
    /// How its picture is drawn.
    look: Look,
}

const PRODUCTS: &[DemoProduct] = &[
    DemoProduct {
        sku: "TEE-WHT-M",
        name: "Classic white tee",
        description: "Organic cotton, regular fit, size M",
        price: "$19.00",
        availability: "in stock",
        sets: &["basics"],
        look: Look { glyph: Glyph::Tee, tile: "#dce5ee", fill: "#ffffff", ink: "#4a5a6b" },
    },
    DemoProduct {
        sku: "TEE-BLK-M",
        name: "Classic black tee",
        description: "Organic cotton, regular fit, size M",
        price: "$19.00",
        availability: "in stock",
        sets: &["basics"],
        look: Look { glyph: Glyph::Tee, tile: "#ece6dc", fill: "#2b2b30", ink: "#17171a" },
    },
    DemoProduct {
        sku: "HOOD-GRY-L",
        name: "Grey hoodie",
        description: "Brushed fleece, size L",
        price: "$49.50",
        availability: "in stock",
        sets: &["basics", "winter"],
        look: Look { glyph: Glyph::Top, tile: "#dfeae4", fill: "#9aa0a6", ink: "#3f4a46" },
    },
    DemoProduct {
        sku: "JKT-BLU-M",
        name: "Blue denim jacket",
        description: "Stonewashed denim, size M",
        price: "$89.00",
        availability: "in stock",
        sets: &["winter"],
        look: Look { glyph: Glyph::Top, tile: "#f4e7d4", fill: "#4a74a8", ink: "#243a58" },
    },
    DemoProduct {
        sku: "JKT-PUF-L",
        name: "Puffer jacket",
        description: "Recycled down, water repellent, size L",
        price: "$129.00",
        availability: "out of stock",
        sets: &["winter"],
        look: Look { glyph: Glyph::Top, tile: "#e6e2f3", fill: "#6b7a3c", ink: "#323a1a" },
    },
    DemoProduct {
        sku: "SCF-WOOL",
        name: "Wool scarf",
        description: "Merino wool, 180 cm",
        price: "$25.00",
        availability: "in stock",
        sets: &["winter", "accessories"],
        look: Look { glyph: Glyph::Scarf, tile: "#f6e4e1", fill: "#b23a48", ink: "#5c1822" },
    },
    DemoProduct {
        sku: "CAP-NVY",
        name: "Navy cap",
        description: "Adjustable cotton cap",
        price: "$15.00",
        availability: "in stock",
        sets: &["accessories"],
        look: Look { glyph: Glyph::Cap, tile: "#e2ecf5", fill: "#23365c", ink: "#0f1a2e" },
    },
    DemoProduct {
        sku: "BAG-TOTE",
        name: "Canvas tote bag",
        description: "Heavy canvas, inner pocket",
        price: "$22.00",
        availability: "in stock",
        sets: &["accessories"],
        look: Look { glyph: Glyph::Bag, tile: "#e3eee3", fill: "#e2d3ad", ink: "#5f5330" },
    },
    DemoProduct {
        sku: "SOCK-3PK",
        name: "Socks, 3 pack",
        description: "Cotton blend, sizes 39-42",
        price: "$12.00",
        availability: "in stock",
        sets: &["basics", "accessories"],
        look: Look { glyph: Glyph::Sock, tile: "#fcefdf", fill: "#e58c3e", ink: "#6e3a0e" },
    },
    DemoProduct {
        sku: "JEAN-SLM-32",
        name: "Slim jeans",
        description: "Stretch denim, W32 L32",
        price: "$69.00",
        availability: "preorder",
        sets: &["basics"],
        look: Look { glyph: Glyph::Trousers, tile: "#e4e8f4", fill: "#34507f", ink: "#16243e" },
    },
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
        .map(|(i, p)| Product {
            id: format!("90000000000{:04}", 100 + i),
            retailer_id: p.sku.into(),
            name: p.name.into(),
            description: p.description.into(),
            price: p.price.into(),
            currency: "USD".into(),
            image_url: format!("{PICTURES_PATH}{}.svg", p.sku),
            availability: p.availability.into(),
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
    Some(PRODUCTS.iter().filter(|p| p.sets.contains(key)).map(|p| p.sku.to_string()).collect())
}

/// The SVG picture of one product, by the file name its `image_url` ends
/// with (`TEE-WHT-M.svg`); `None`: no such product.
pub fn picture(file: &str) -> Option<String> {
    let sku = file.strip_suffix(".svg")?;
    let product = PRODUCTS.iter().find(|p| p.sku == sku)?;
    Some(picture::svg(product.name, &product.look))
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

    #[test]
    fn every_product_has_a_picture_at_its_image_url() {
        for product in products() {
            let file = product.image_url.strip_prefix(PICTURES_PATH).expect("a picture path");
            let svg = picture(file).expect("a picture");
            assert!(svg.contains(&format!("aria-label=\"{}\"", product.name)), "{svg}");
        }
        let looks: Vec<_> = PRODUCTS.iter().map(|p| (p.look.tile, p.look.fill)).collect();
        assert!(looks.iter().enumerate().all(|(i, l)| !looks[..i].contains(l)), "two products look the same");
        assert_eq!(picture("TEE-WHT-M"), None);
        assert_eq!(picture("NOPE.svg"), None);
    }
}
