"""Faults the tests inject, and the answers AWS gives when it is busy or refuses:
throttling, access denied, internal errors, answers cut short, page caps."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response


from wire import Call, THROTTLE_CODE, TokenBucket, json_error, xml_error


class FaultsMixin:
    """Mixed into ``server.Harness``: reads ``faults``, ``limits``, ``buckets``, ``page_cap``."""

    def pick_fault(self, call: Call) -> dict | None:
        for key in (call.key, f"{call.service}:*", "*"):
            for fault in self.faults.get(key, []):
                if fault.get("remaining") is not None:
                    if fault["remaining"] <= 0:
                        continue
                if self.rng.random() >= fault.get("probability", 1.0):
                    continue
                if fault.get("remaining") is not None:
                    fault["remaining"] -= 1
                return fault
        return None

    def over_limit(self, call: Call) -> bool:
        limit = self.limits.get(call.service)
        if not limit:
            return False
        bucket_key = (self.account_of_unlocked(call.access_key), call.service)
        bucket = self.buckets.get(bucket_key)
        if bucket is None:
            bucket = TokenBucket(limit["rate"], limit.get("burst", limit["rate"]))
            self.buckets[bucket_key] = bucket
        return not bucket.take()

    def internal_error(self, call: Call) -> Response:
        if call.service == "organizations":
            return json_error("ServiceException", "Organizations can't complete your request because of an internal service error. Try again later.", 503)
        if call.service == "sts":
            return xml_error("InternalFailure", "The request processing has failed because of an unknown error.", 500)
        return json_error("InternalServerException", "The request processing has failed because of an unknown error, exception, or failure with an internal server.", 500)

    def cut_body(self, call: Call, environ: dict, body: bytes, start_response: Any) -> Any:
        captured: dict = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = b"".join(self.respond(call, environ, body, capture))
        headers = [(k, v) for k, v in captured["headers"] if k.lower() not in ("content-length", "connection")]
        headers += [("Content-Length", str(len(chunks) + 64)), ("Connection", "close")]
        start_response(captured["status"], headers)
        return [chunks[: len(chunks) // 2]]

    def throttle(self, call: Call) -> Response:
        code = THROTTLE_CODE.get(call.service, "ThrottlingException")
        if call.service == "sts":
            return xml_error(code, "Rate exceeded", 400)
        return json_error(code, "Rate exceeded", 400)

    def access_denied(self, call: Call, action: str, resource: str | None = None) -> Response:
        caller = self.caller_arn(call)
        message = f"User: {caller} is not authorized to perform: {action}"
        if resource:
            message += f" on resource: {resource}"
        if call.service == "sts":
            return xml_error("AccessDenied", message, 403)
        message += f" because no identity-based policy allows the {action} action"
        return json_error("AccessDeniedException", message, 400)

    def cap_page(self, call: Call, body: bytes) -> bytes:
        if self.page_cap is None or not isinstance(call.params, dict) or call.service == "sts":
            return body
        if not call.op.startswith("List"):
            return body
        params = dict(call.params)
        params["MaxResults"] = min(int(params.get("MaxResults") or self.page_cap), self.page_cap)
        return json.dumps(params).encode()
