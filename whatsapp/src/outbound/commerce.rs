//! Catalog messages: one product (`product`) or several in sections
//! (`product_list`), as interactive messages.
//!
//! Meta's limits: a body of at most 1024 characters (optional for one
//! product, required for a list), a footer of at most 60, a list's text
//! header (required, at most 60), 1 to 10 sections titled as in lists
//! (at most 24 characters, required when there are several), each with at
//! least one product, and at most 30 products in all.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::Check;
use super::envelope;
use super::interactive::{frame, section_titles, titled};
use crate::error::OutboundError;

/// Meta's limit on products in one multi-product message.
const PRODUCTS_MAX: usize = 30;

/// One section of a multi-product message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSection {
    /// Required when the message has more than one section.
    pub title: Option<String>,
    /// Items of the catalog, by their retailer id (the catalog's SKU).
    pub product_retailer_ids: Vec<String>,
}

/// A single-product message.
pub fn product(
    to: &str,
    catalog_id: &str,
    product_retailer_id: &str,
    body: Option<&str>,
    footer: Option<&str>,
    reply_to: Option<&str>,
    callback: Option<&str>,
) -> Result<Value, OutboundError> {
    let mut check = Check::default();
    check.required("interactive.action.catalog_id", catalog_id);
    check.required("interactive.action.product_retailer_id", product_retailer_id);
    let action = json!({"catalog_id": catalog_id, "product_retailer_id": product_retailer_id});
    let content = frame(&mut check, "product", None, body, footer, action);
    let message = envelope(&mut check, to, "interactive", content, reply_to, callback);
    check.finish(message)
}

/// A multi-product message's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductListMessage {
    /// The text header (required by Meta).
    pub header: String,
    /// The body (required by Meta).
    pub body: String,
    /// An optional footer.
    pub footer: Option<String>,
    /// The sections of products.
    pub sections: Vec<ProductSection>,
}

/// A multi-product message.
pub fn product_list(
    to: &str,
    catalog_id: &str,
    message: &ProductListMessage,
    reply_to: Option<&str>,
    callback: Option<&str>,
) -> Result<Value, OutboundError> {
    let sections = &message.sections;
    let mut check = Check::default();
    check.required("interactive.action.catalog_id", catalog_id);
    section_titles(&mut check, sections.iter().map(|s| s.title.as_deref()));
    let total: usize = sections.iter().map(|s| s.product_retailer_ids.len()).sum();
    if total > PRODUCTS_MAX {
        check.problem(
            "interactive.action.sections",
            format!("at most {PRODUCTS_MAX} products in all sections (Meta's limit), got {total}"),
        );
    }
    let sections: Vec<Value> = sections
        .iter()
        .enumerate()
        .map(|(s, section)| {
            let path = format!("interactive.action.sections[{s}].product_items");
            if section.product_retailer_ids.is_empty() {
                check.problem(&path, "at least one product per section");
            }
            let items: Vec<Value> = section
                .product_retailer_ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    check.required(&format!("{path}[{i}].product_retailer_id"), id);
                    json!({ "product_retailer_id": id })
                })
                .collect();
            titled(section.title.as_deref(), "product_items", items)
        })
        .collect();
    let action = json!({"catalog_id": catalog_id, "sections": sections});
    let (header, body, footer) = (message.header.as_str(), message.body.as_str(), message.footer.as_deref());
    let content = frame(&mut check, "product_list", Some(header), Some(body), footer, action);
    let message = envelope(&mut check, to, "interactive", content, reply_to, callback);
    check.finish(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TO: &str = "16505551234";
    const CATALOG: &str = "194836987003835";

    fn section(title: Option<&str>, ids: &[&str]) -> ProductSection {
        ProductSection {
            title: title.map(Into::into),
            product_retailer_ids: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn list(header: &str, body: &str, sections: &[ProductSection]) -> ProductListMessage {
        ProductListMessage {
            header: header.into(),
            body: body.into(),
            footer: None,
            sections: sections.to_vec(),
        }
    }

    fn problems(err: OutboundError) -> Vec<String> {
        err.problems.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_single_product_is_metas_shape() {
        let body =
            product(TO, CATALOG, "di9ozbzfi4", Some("Our best seller"), Some("Lucky Shrub"), None, None);
        assert_eq!(
            body.unwrap(),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "16505551234",
                "type": "interactive",
                "interactive": {
                    "type": "product",
                    "body": {"text": "Our best seller"},
                    "footer": {"text": "Lucky Shrub"},
                    "action": {"catalog_id": CATALOG, "product_retailer_id": "di9ozbzfi4"}
                }
            })
        );
        let bare = product(TO, CATALOG, "di9ozbzfi4", None, None, None, Some("outbox:9")).unwrap();
        assert_eq!(
            bare["interactive"],
            json!({"type": "product", "action": {"catalog_id": CATALOG, "product_retailer_id": "di9ozbzfi4"}})
        );
        assert_eq!(bare["biz_opaque_callback_data"], "outbox:9");
        assert_eq!(
            problems(product(TO, "", "", Some(&"b".repeat(1025)), None, None, None).unwrap_err()),
            [
                "interactive.action.catalog_id: must not be empty",
                "interactive.action.product_retailer_id: must not be empty",
                "interactive.body.text: at most 1024 characters (Meta's limit), got 1025",
            ]
        );
    }

    #[test]
    fn a_product_list_is_metas_shape() {
        let sections =
            [section(Some("Succulents"), &["di9ozbzfi4", "nqryix03ez"]), section(Some("Pots"), &["pot-1"])];
        let message = ProductListMessage {
            header: "Spring picks".into(),
            body: "Three things we love this week".into(),
            footer: None,
            sections: sections.to_vec(),
        };
        let body = product_list(TO, CATALOG, &message, None, None);
        assert_eq!(
            body.unwrap(),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "16505551234",
                "type": "interactive",
                "interactive": {
                    "type": "product_list",
                    "header": {"type": "text", "text": "Spring picks"},
                    "body": {"text": "Three things we love this week"},
                    "action": {
                        "catalog_id": CATALOG,
                        "sections": [
                            {"title": "Succulents", "product_items": [
                                {"product_retailer_id": "di9ozbzfi4"}, {"product_retailer_id": "nqryix03ez"}]},
                            {"title": "Pots", "product_items": [{"product_retailer_id": "pot-1"}]}
                        ]
                    }
                }
            })
        );
    }

    #[test]
    fn a_product_list_lists_every_problem() {
        let ids: Vec<String> = (0..31).map(|i| format!("sku-{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let sections = [section(Some("All"), &refs), section(None, &[]), section(Some("x"), &[""])];
        assert_eq!(
            problems(product_list(TO, CATALOG, &list("", " ", &sections), None, None).unwrap_err()),
            [
                "interactive.action.sections[1].title: required when there is more than one section",
                "interactive.action.sections: at most 30 products in all sections (Meta's limit), got 32",
                "interactive.action.sections[1].product_items: at least one product per section",
                "interactive.action.sections[2].product_items[0].product_retailer_id: must not be empty",
                "interactive.header.text: must not be empty",
                "interactive.body.text: must not be empty",
            ]
        );
        let eleven: Vec<ProductSection> = (0..11).map(|i| section(Some(&format!("S{i}")), &["a"])).collect();
        assert_eq!(
            problems(product_list(TO, CATALOG, &list("H", "B", &eleven), None, None).unwrap_err()),
            ["interactive.action.sections: 1 to 10 sections (Meta's limit), got 11"]
        );
    }
}
