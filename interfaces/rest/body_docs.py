"""How a handler that reads its own body, or answers other than JSON, says so in the OpenAPI
document: it names in `opt` the request body it takes (BODY_KEY) or the media types its 200
answer may have (ANSWER_KEY), and openapi_docs.py writes them into the operation."""

BODY_KEY = "request_body"
ANSWER_KEY = "answer_media_types"
