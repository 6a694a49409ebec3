//! Commerce catalogs as Meta's Commerce API lists them: the catalogs of a
//! WhatsApp Business Account, their products and product sets.
//!
//! Meta formats a product's `price` for people ("$1,299.00", "12,50 €");
//! [`parse_price`] turns it into hundredths of the currency unit so carts
//! and orders add up exactly. Everything else is kept as Meta gives it.

use serde::{Deserialize, Serialize};

/// The fields we ask `GET /{catalog_id}/products` for.
pub const PRODUCT_FIELDS: &str = "id,retailer_id,name,description,price,currency,image_url,availability";

/// A catalog connected to a WhatsApp Business Account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogInfo {
    /// Meta's catalog id (what product messages name as `catalog_id`).
    pub id: String,
    /// Its name in Commerce Manager.
    #[serde(default)]
    pub name: String,
}

/// One product of a catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Meta's product item id.
    #[serde(default)]
    pub id: String,
    /// The business's own id (SKU): what messages and orders name.
    pub retailer_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Meta's formatted price ("$12.00").
    #[serde(default)]
    pub price: String,
    /// ISO 4217 code ("USD").
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub image_url: String,
    /// `in stock`, `out of stock`, `preorder`, `available for order`,
    /// `discontinued`.
    #[serde(default)]
    pub availability: String,
}

impl Product {
    /// The price in hundredths of the currency unit, when Meta's text has one.
    pub fn price_minor(&self) -> Option<i64> {
        parse_price(&self.price)
    }
}

/// A product set (a collection shown as a section of the catalog).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSet {
    /// Meta's product set id.
    pub id: String,
    #[serde(default)]
    pub name: String,
}

/// One product of a set, as `GET /{product_set_id}/products?fields=retailer_id` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SetMember {
    /// The product's retailer id.
    pub retailer_id: String,
}

/// Hundredths of the unit in a price written for people: digits with `.`
/// or `,` as thousands or decimal separators and any currency sign around
/// them. A separator followed by exactly one or two final digits is the
/// decimal one. `None` when there are no digits.
pub fn parse_price(text: &str) -> Option<i64> {
    let kept: String = text.chars().filter(|c| c.is_ascii_digit() || matches!(c, '.' | ',')).collect();
    let kept = kept.trim_matches(|c| c == '.' || c == ',');
    if !kept.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let (whole, fraction) = match kept.rfind(['.', ',']) {
        Some(at) if (1..=2).contains(&(kept.len() - at - 1)) => (&kept[..at], &kept[at + 1..]),
        _ => (kept, ""),
    };
    let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(cents)
}

/// A price from an order (`item_price` is a JSON number of units) in
/// hundredths, rounded to the nearest.
pub fn minor_units(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_as_meta_formats_them() {
        assert_eq!(parse_price("$12.00"), Some(1200));
        assert_eq!(parse_price("$1,299.99"), Some(129_999));
        assert_eq!(parse_price("12,50 €"), Some(1250));
        assert_eq!(parse_price("1.299,5 €"), Some(129_950));
        assert_eq!(parse_price("¥1,200"), Some(120_000));
        assert_eq!(parse_price("7 USD"), Some(700));
        assert_eq!(parse_price("free"), None);
        assert_eq!(parse_price(""), None);
    }

    #[test]
    fn order_amounts_round_to_hundredths() {
        assert_eq!(minor_units(12.5), 1250);
        assert_eq!(minor_units(0.1 + 0.2), 30);
        assert_eq!(minor_units(100.0), 10_000);
    }
}
