"""How every FleetID process writes its log: readable text lines, or JSON lines for collectors.

`FLEETID_LOG_FORMAT=json` makes each record one JSON object on one line, with the request id of
the HTTP request it was logged for (`REQUEST_ID`, set in interfaces/rest/request_observation.py),
so a log pipeline can group an answer's lines and match them with the client's `X-Request-ID`.
"""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the HTTP request being handled; None outside one (start-up, background threads)."""


class JsonLines(logging.Formatter):
    """`time` (UTC, RFC 3339, milliseconds), `level`, `logger`, `message`, then `request_id`
    when logged for a request, and `exception` with its traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        line: dict[str, str] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(log_format: str) -> None:
    """Log INFO and above to stderr in `log_format` (`text` or `json`). Like
    `logging.basicConfig`, it leaves a process whose root logger already has handlers alone: a
    worker forked from `fleetid serve` keeps the parent's, a test keeps pytest's."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
