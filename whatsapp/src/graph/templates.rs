//! `GET /{waba_id}/message_templates`, every page (see `paging`), into
//! [`Template`]s.

use serde::Deserialize;
use serde_json::Value;

use super::http::{segment, HttpGraph};
use super::NumberAuth;
use crate::error::GraphError;
use crate::template::Template;

/// Templates asked for per page.
const PAGE_SIZE: &str = "100";

impl HttpGraph {
    pub(super) async fn list_templates(
        &self,
        auth: &NumberAuth,
        waba_id: &str,
    ) -> Result<Vec<Template>, GraphError> {
        let path = format!("{}/message_templates", segment(waba_id)?);
        let wire: Vec<WireTemplate> =
            self.all_pages(auth, &path, &[("limit", PAGE_SIZE)], "template").await?;
        Ok(wire.into_iter().map(Template::from).collect())
    }
}

#[derive(Deserialize)]
struct WireTemplate {
    name: String,
    language: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    components: Value,
}

impl From<WireTemplate> for Template {
    fn from(t: WireTemplate) -> Self {
        let components = if t.components.is_null() { Value::Array(Vec::new()) } else { t.components };
        Template {
            name: t.name,
            language: t.language,
            status: t.status,
            category: t.category,
            components_json: components.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Method;
    use serde_json::{json, Value};

    use crate::graph::fake::{auth, graph, json_response, meta_error, serve, serve_json, BEARER};
    use crate::graph::GraphApi;
    use crate::GraphError;

    const WABA_ID: &str = "102290129340398";

    fn template(name: &str, status: &str) -> Value {
        json!({"name": name, "language": "en_US", "status": status, "category": "UTILITY",
               "id": "594425479261596", "parameter_format": "POSITIONAL",
               "components": [{"type": "BODY", "text": "Your order {{1}} has shipped.",
                               "example": {"body_text": [["#1234"]]}}]})
    }

    /// Three pages: the first two name a cursor, the last has cursors but
    /// no `next`, as Meta sends them.
    fn paged(query: Option<&str>) -> Value {
        let page = |data: Vec<Value>, after: &str, next: bool| {
            let mut paging = json!({"cursors": {"before": "QVFIUkJ", "after": after}});
            if next {
                paging["next"] = json!(format!(
                    "https://graph.facebook.com/v21.0/{WABA_ID}/message_templates?limit=100&after={after}"
                ));
            }
            json!({"data": data, "paging": paging})
        };
        match query {
            Some("limit=100") => page(
                vec![template("order_shipped", "APPROVED"), template("promo", "PENDING")],
                "MQZDZD",
                true,
            ),
            Some("limit=100&after=MQZDZD") => page(vec![template("welcome", "APPROVED")], "MgZDZD", true),
            Some("limit=100&after=MgZDZD") => page(vec![template("old", "REJECTED")], "MwZDZD", false),
            other => panic!("unexpected query {other:?}"),
        }
    }

    #[tokio::test]
    async fn follows_every_page() {
        let (base, mut seen) =
            serve(|seen| json_response(200, &paged(seen.query.as_deref()).to_string())).await;

        let templates = graph(&base).message_templates(&auth(), WABA_ID).await.unwrap();

        let names: Vec<(&str, &str)> =
            templates.iter().map(|t| (t.name.as_str(), t.status.as_str())).collect();
        assert_eq!(
            names,
            [
                ("order_shipped", "APPROVED"),
                ("promo", "PENDING"),
                ("welcome", "APPROVED"),
                ("old", "REJECTED")
            ]
        );
        let first = &templates[0];
        assert_eq!((first.language.as_str(), first.category.as_str()), ("en_US", "UTILITY"));
        let components: Value = serde_json::from_str(&first.components_json).unwrap();
        assert_eq!(components, template("order_shipped", "APPROVED")["components"]);
        assert_eq!(first.parameter_counts().body, 1);

        for query in ["limit=100", "limit=100&after=MQZDZD", "limit=100&after=MgZDZD"] {
            let request = seen.recv().await.unwrap();
            assert_eq!(request.method, Method::GET);
            assert_eq!(request.path, "/v21.0/102290129340398/message_templates");
            assert_eq!(request.query.as_deref(), Some(query));
            assert_eq!(request.authorization.as_deref(), Some(BEARER));
        }
        assert!(seen.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_next_without_cursors_is_fetched_as_given() {
        let (elsewhere, mut followed) = serve_json(200, r#"{"data": [], "paging": {}}"#).await;
        let next = format!("{elsewhere}/v21.0/{WABA_ID}/message_templates?limit=100&after=abc");
        let first = json!({"data": [template("a", "APPROVED")], "paging": {"next": next}}).to_string();
        let (base, mut seen) = serve_json(200, &first).await;

        let templates = graph(&base).message_templates(&auth(), WABA_ID).await.unwrap();

        assert_eq!(templates.len(), 1);
        assert_eq!(seen.recv().await.unwrap().query.as_deref(), Some("limit=100"));
        let request = followed.recv().await.unwrap();
        assert_eq!(request.path, "/v21.0/102290129340398/message_templates");
        assert_eq!(request.query.as_deref(), Some("limit=100&after=abc"));
        assert_eq!(request.authorization.as_deref(), Some(BEARER));
    }

    #[tokio::test]
    async fn a_repeated_cursor_is_an_error_not_a_loop() {
        let body = json!({"data": [template("a", "APPROVED")],
            "paging": {"cursors": {"after": "MQZDZD"}, "next": "https://graph.facebook.com/x"}});
        let (base, _seen) = serve_json(200, &body.to_string()).await;
        let err = graph(&base).message_templates(&auth(), WABA_ID).await.unwrap_err();
        assert_eq!(err, GraphError::Decode("template paging repeated a cursor".into()));
    }

    #[tokio::test]
    async fn errors_and_empty_accounts() {
        let (base, _seen) = serve_json(200, r#"{"data": []}"#).await;
        assert_eq!(graph(&base).message_templates(&auth(), WABA_ID).await, Ok(vec![]));

        let (base, _seen) = serve_json(401, &meta_error(190, "Error validating access token")).await;
        let err = graph(&base).message_templates(&auth(), WABA_ID).await.unwrap_err();
        assert!(err.is_token_invalid());

        let err = graph(&base).message_templates(&auth(), "../me").await.unwrap_err();
        assert!(matches!(err, GraphError::InvalidRequest(_)));
    }
}
